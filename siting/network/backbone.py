"""Round-trip time (RTT) from research hubs to candidate sites through the backbone.

The backbone is an undirected :mod:`networkx` graph of points of presence (PoPs) joined
by fibre links (``data/backbone_nodes.csv``, ``data/backbone_links.csv``). A hub or a
site reaches the backbone by one access link to the nearest PoP of the graph's largest
connected component (the *core*). The RTT of a pair, in milliseconds, is

``rtt = access(a) + backbone(p_a, p_b) + access(b)``, with

- ``access(x) = 2 * fibre_us_per_km * access_route_factor * gc(x, p_x) / 1000
  + access_delay_ms``,
- ``backbone(p, q)`` the least, over paths from ``p`` to ``q``, of the sum over links of
  ``2 * fibre_us_per_km * length_km / 1000 + hop_delay_ms``,

where ``gc`` is the great-circle distance (km) and ``length_km`` a link's published
route length, or its great-circle length times ``route_factor`` where none is published.
Every term is a length at least the great circle, so no RTT falls below the physical
bound ``2 * gc(a, b) * fibre_us_per_km / 1000``; and since the RTT is a shortest-path
length plus per-end terms, it is symmetric and obeys the triangle inequality.

The full hubs x sites matrix needs one Dijkstra run per PoP and then array arithmetic
(``rtt_matrix``), not one shortest-path run per pair. Removing links or PoPs (a cut
cable) is a keyword of :func:`backbone_graph`; every RTT computed on that graph follows.
The parameters are the scenario's ``[network]`` table
(:class:`siting.scenario.Network`); their sources and the calibration are in
``docs/network.md``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from siting.errors import InputError
from siting.geo import haversine_km
from siting.sections import Network

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Route:
    """One modelled route between two points (see :func:`rtt_path`).

    Attributes
    ----------
    rtt_ms
        Modelled round-trip time, ms.
    nodes
        PoP ids along the backbone path, from the PoP of ``a`` to the PoP of ``b``.
    backbone_km
        Fibre length of the backbone path, km.
    access_km
        Fibre length of the access links at ``a`` and at ``b``, km.
    """

    rtt_ms: float
    nodes: tuple[str, ...]
    backbone_km: float
    access_km: tuple[float, float]


def backbone_graph(
    nodes: pd.DataFrame,
    links: pd.DataFrame,
    *,
    params: Network,
    removed_nodes: Iterable[str] = (),
    removed_links: Iterable[tuple[str, str]] = (),
) -> nx.Graph:
    """Build the backbone graph of PoPs and fibre links.

    Parameters
    ----------
    nodes
        PoPs indexed by ``node_id`` (or with a ``node_id`` column), columns ``lat``,
        ``lon`` (WGS84 degrees); ``name`` is kept when present.
    links
        Columns ``a``, ``b`` (node ids) and optionally ``route_km`` (published route
        length in km; empty or NaN = unknown).
    params
        Model parameters; ``route_factor`` sets the length of links without
        ``route_km``.
    removed_nodes, removed_links
        PoPs and links (pairs of node ids, either order) left out: a what-if cut.

    Returns
    -------
    networkx.Graph
        Nodes carry ``lat``, ``lon``, ``name``; edges carry ``length_km`` (km) and
        ``published`` (whether ``route_km`` was given). A published length shorter than
        the great circle between the PoPs is raised to it (logged).

    Raises
    ------
    InputError
        If a column is missing, a link names an unknown PoP, a ``route_km`` is not a
        positive number, or a removed PoP or link does not exist.
    """
    nodes = nodes.set_index("node_id") if "node_id" in nodes.columns else nodes
    _require(nodes, ("lat", "lon"), "backbone_nodes")
    _require(links, ("a", "b"), "backbone_links")
    raw = (
        links["route_km"] if "route_km" in links.columns else pd.Series("", links.index)
    )
    text = raw.astype(str).str.strip().replace({"nan": "", "None": ""})
    route = pd.to_numeric(text.replace("", np.nan), errors="coerce").astype("float64")
    problems = [
        f"route_km of link {a}-{b} is not a positive number"
        for a, b in links.loc[(text != "") & ~(route > 0), ["a", "b"]].itertuples(
            index=False
        )
    ]
    unknown = sorted((set(links["a"]) | set(links["b"])) - set(nodes.index))
    if unknown:
        problems.append(
            f"links name PoP(s) not in backbone_nodes: {', '.join(unknown)}"
        )
    if problems:
        raise InputError("backbone_links.csv: " + "; ".join(problems))

    graph = nx.Graph()
    for node_id, row in nodes.iterrows():
        name = row["name"] if "name" in nodes.columns else str(node_id)
        graph.add_node(node_id, lat=float(row["lat"]), lon=float(row["lon"]), name=name)
    a, b = links["a"].to_numpy(), links["b"].to_numpy()
    gc = haversine_km(
        nodes.loc[a, "lat"].to_numpy(),
        nodes.loc[a, "lon"].to_numpy(),
        nodes.loc[b, "lat"].to_numpy(),
        nodes.loc[b, "lon"].to_numpy(),
    )
    for u, v, circle, published in zip(a, b, gc, route.to_numpy(), strict=True):
        if u == v:
            continue
        if np.isnan(published):
            length = circle * params.route_factor
        else:
            if published < circle:
                logger.warning(
                    "link %s-%s: route_km %.0f below great circle %.0f km; "
                    "using the great circle",
                    u,
                    v,
                    published,
                    circle,
                )
            length = max(published, circle)
        if not graph.has_edge(u, v) or graph.edges[u, v]["length_km"] > length:
            graph.add_edge(
                u, v, length_km=float(length), published=not np.isnan(published)
            )
    _remove(graph, removed_nodes, removed_links)
    return graph


def rtt_matrix(
    graph: nx.Graph, hubs: pd.DataFrame, sites: pd.DataFrame, *, params: Network
) -> pd.DataFrame:
    """Modelled RTT from every hub to every site, in ms.

    One Dijkstra run per PoP of the core gives the PoP-to-PoP RTT matrix; each hub and
    site is attached to its nearest core PoP; the result is one fancy-indexed lookup
    plus two broadcast additions.

    Parameters
    ----------
    graph
        Backbone from :func:`backbone_graph`.
    hubs, sites
        Points indexed by ``hub_id`` / ``site_id``, columns ``lat``, ``lon`` (degrees).
    params
        Model parameters.

    Returns
    -------
    pandas.DataFrame
        float64 RTTs in ms, index ``hub_id`` (hubs' index), columns ``site_id``.
    """
    _require(hubs, ("lat", "lon"), "hubs")
    _require(sites, ("lat", "lon"), "sites")
    core = _core(graph)
    hub_pop, hub_ms = _attach(graph, core, hubs["lat"], hubs["lon"], params)
    site_pop, site_ms = _attach(graph, core, sites["lat"], sites["lon"], params)
    pop_rtt = _pop_rtt(graph, core, np.unique(hub_pop), params)
    values = pop_rtt[np.ix_(hub_pop, site_pop)]
    values += hub_ms[:, None]
    values += site_ms[None, :]
    return pd.DataFrame(values, index=hubs.index.copy(), columns=sites.index.copy())


def rtt_path(
    graph: nx.Graph,
    a_latlon: tuple[float, float],
    b_latlon: tuple[float, float],
    *,
    params: Network,
) -> Route:
    """Modelled RTT and backbone path between two points.

    Parameters
    ----------
    graph
        Backbone from :func:`backbone_graph`.
    a_latlon, b_latlon
        ``(lat, lon)`` of the two ends, WGS84 degrees.
    params
        Model parameters.

    Returns
    -------
    Route
        RTT (ms), PoP path and fibre lengths; equal to the matching entry of
        :func:`rtt_matrix`.
    """
    core = _core(graph)
    ends = [
        _attach(graph, core, pd.Series([lat]), pd.Series([lon]), params)
        for lat, lon in (a_latlon, b_latlon)
    ]
    (pop_a, ms_a), (pop_b, ms_b) = ends
    source, target = core[pop_a[0]], core[pop_b[0]]
    backbone_ms, path = nx.single_source_dijkstra(
        graph, source, target, weight=_edge_ms(params)
    )
    access = tuple(
        (ms[0] - params.access_delay_ms) * 1000 / (2 * params.fibre_us_per_km)
        for ms in (ms_a, ms_b)
    )
    backbone_km = sum(
        graph.edges[u, v]["length_km"] for u, v in zip(path[:-1], path[1:], strict=True)
    )
    return Route(
        rtt_ms=float(ms_a[0] + backbone_ms + ms_b[0]),
        nodes=tuple(path),
        backbone_km=float(backbone_km),
        access_km=(float(access[0]), float(access[1])),
    )


def _require(frame: pd.DataFrame, columns: tuple[str, ...], table: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(f"{table}: missing column(s) {', '.join(missing)}")


def _remove(
    graph: nx.Graph, nodes: Iterable[str], links: Iterable[tuple[str, str]]
) -> None:
    problems = []
    for a, b in links:
        if graph.has_edge(a, b):
            graph.remove_edge(a, b)
        else:
            problems.append(f"no link {a}-{b} to remove")
    for node in nodes:
        if node in graph:
            graph.remove_node(node)
        else:
            problems.append(f"no PoP {node} to remove")
    if problems:
        raise InputError(
            "backbone what-if: " + "; ".join(problems) + " (check the ids)"
        )


def _core(graph: nx.Graph) -> list[str]:
    """PoPs of the largest connected component that has a link, sorted by id."""
    components = [c for c in nx.connected_components(graph) if len(c) > 1]
    if not components:
        raise InputError(
            "backbone: no two PoPs are linked; the network model needs links"
        )
    return sorted(max(components, key=len))


def _edge_ms(params: Network):
    scale = 2 * params.fibre_us_per_km / 1000
    return lambda u, v, data: data["length_km"] * scale + params.hop_delay_ms


def _pop_rtt(
    graph: nx.Graph, core: list[str], sources: np.ndarray, params: Network
) -> np.ndarray:
    """RTT (ms) between core PoPs: rows ``sources`` (positions in ``core``) are filled
    by one Dijkstra run each, other rows are NaN."""
    return _pop_rtt_from_edges(_core_edges(graph, core), len(core), sources, params)


def _core_edges(graph: nx.Graph, core: list[str]) -> tuple[np.ndarray, ...]:
    """The links between core PoPs: positions in ``core`` of both ends, length km."""
    position = {node: i for i, node in enumerate(core)}
    edges = [
        (position[u], position[v], km)
        for u, v, km in graph.edges(data="length_km")
        if u in position
    ]
    return tuple(np.array(column) for column in zip(*edges, strict=True))


def _pop_rtt_from_edges(
    edges: tuple[np.ndarray, ...], size: int, sources: np.ndarray, params: Network
) -> np.ndarray:
    """:func:`_pop_rtt` from the arrays of :func:`_core_edges` (scipy's Dijkstra
    from all ``sources`` at once)."""
    rows, cols, length_km = edges
    weight_ms = length_km * (2 * params.fibre_us_per_km / 1000) + params.hop_delay_ms
    adjacency = csr_matrix((weight_ms, (rows, cols)), shape=(size, size))
    rtt = np.full((size, size), np.nan)
    if len(sources):
        rtt[sources] = dijkstra(adjacency, directed=False, indices=sources)
    return rtt


def _nearest_pop(
    graph: nx.Graph, core: list[str], lat: pd.Series, lon: pd.Series
) -> tuple[np.ndarray, np.ndarray]:
    """Position in ``core`` of each point's nearest PoP, and its distance in km."""
    pop_lat = np.array([graph.nodes[n]["lat"] for n in core])
    pop_lon = np.array([graph.nodes[n]["lon"] for n in core])
    lat = lat.to_numpy(dtype="float64")
    lon = lon.to_numpy(dtype="float64")
    nearest = np.empty(len(lat), dtype=np.intp)
    distance = np.empty(len(lat))
    for start in range(0, len(lat), 4096):
        block = slice(start, start + 4096)
        d = haversine_km(lat[block, None], lon[block, None], pop_lat, pop_lon)
        nearest[block] = np.argmin(d, axis=1)
        distance[block] = d[np.arange(d.shape[0]), nearest[block]]
    return nearest, distance


def _attach(
    graph: nx.Graph,
    core: list[str],
    lat: pd.Series,
    lon: pd.Series,
    params: Network,
) -> tuple[np.ndarray, np.ndarray]:
    """Position in ``core`` of each point's nearest PoP, and its access RTT in ms."""
    nearest, distance = _nearest_pop(graph, core, lat, lon)
    access_ms = (
        2 * params.fibre_us_per_km * params.access_route_factor * distance / 1000
        + params.access_delay_ms
    )
    return nearest, access_ms
