"""Time the full hubs x sites RTT matrix against two baselines run in the same process.

Run: ``python benchmarks/rtt_matrix.py [--hubs 10000] [--sites 2000] [--sample 300]``

The backbone is the packaged ``data/backbone_*.csv`` when present, else a synthetic
one (PoPs at random European points, each linked to its four nearest). Hubs and sites
are random points over Europe.

Baselines:

1. the previous ``rtt_matrix`` (before issue #18): the same formula, one networkx
   Dijkstra per PoP with a hub attached; kept here, and only here, as
   :func:`_previous_rtt_matrix`;
2. one networkx Dijkstra per pair, each sampled hub and site added to a copy of the
   graph as a node joined to its nearest core PoP; its time per pair is extrapolated
   to every pair.

All three give the same RTTs (checked).
"""

from __future__ import annotations

import argparse
import time

import networkx as nx
import numpy as np
import pandas as pd

from siting.data import data_dir, read_table
from siting.geo import haversine_km
from siting.network import backbone_graph, rtt_matrix
from siting.scenario import load_scenario
from siting.sections import Network


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hubs", type=int, default=10_000)
    parser.add_argument("--sites", type=int, default=2_000)
    parser.add_argument("--sample", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    params = load_scenario().network
    nodes, links, origin = _backbone(rng)
    graph = backbone_graph(nodes, links, params=params)
    hubs, sites = _points(rng, args.hubs, "h"), _points(rng, args.sites, "s")
    print(
        f"backbone: {origin}, {graph.number_of_nodes()} PoPs, "
        f"{graph.number_of_edges()} links; {args.hubs} hubs x {args.sites} sites"
    )

    # alternate the two, best of --repeat runs each (the first run of either pays
    # for allocating the 20-million-entry matrix)
    fast_s = previous_s = np.inf
    for _ in range(args.repeat):
        start = time.perf_counter()
        previous = _previous_rtt_matrix(graph, hubs, sites, params)
        previous_s = min(previous_s, time.perf_counter() - start)
        start = time.perf_counter()
        matrix = rtt_matrix(graph, hubs, sites, params=params)
        fast_s = min(fast_s, time.perf_counter() - start)
    diff = np.abs(previous.to_numpy() - matrix.to_numpy()).max()
    print(
        f"rtt_matrix: {fast_s:.2f} s for {matrix.size:,} pairs (best of {args.repeat})"
    )
    print(
        f"previous rtt_matrix (networkx Dijkstra per PoP): {previous_s:.2f} s; "
        f"max difference {diff:.1e} ms; time previous / now: {previous_s / fast_s:.2f}"
    )

    pick_h = rng.integers(0, args.hubs, args.sample)
    pick_s = rng.integers(0, args.sites, args.sample)
    work, core = _weighted_copy(graph, params)
    start = time.perf_counter()
    slow = [
        _one_pair(work, core, hubs.iloc[i], sites.iloc[j], params)
        for i, j in zip(pick_h, pick_s, strict=True)
    ]
    per_pair_s = (time.perf_counter() - start) / args.sample
    baseline_s = per_pair_s * matrix.size
    diff = np.abs(np.array(slow) - matrix.to_numpy()[pick_h, pick_s]).max()
    print(
        f"baseline (one networkx Dijkstra per pair): {per_pair_s * 1e3:.2f} ms per "
        f"pair on {args.sample} pairs, extrapolated {baseline_s:,.0f} s "
        f"({baseline_s / 3600:.1f} h) for all pairs; max difference {diff:.1e} ms"
    )
    print(f"speed-up: {baseline_s / fast_s:,.0f}x")
    from record import record

    record(
        "benchmarks/rtt_matrix.py",
        [
            (
                f"RTT matrix, {args.hubs:,} hubs x {args.sites:,} sites",
                f"{fast_s:.2f} s; the previous model's matrix {previous_s:.2f} s in "
                f"the same run ({previous_s / fast_s:.2f}x); one networkx Dijkstra "
                f"per pair would take about {baseline_s / 3600:.0f} h",
            )
        ],
    )


def _previous_rtt_matrix(
    graph: nx.Graph, hubs: pd.DataFrame, sites: pd.DataFrame, params: Network
) -> pd.DataFrame:
    """The RTT matrix as ``rtt_matrix`` computed it before issue #18 (ms)."""
    core = sorted(max(nx.connected_components(graph), key=len))
    position = {node: i for i, node in enumerate(core)}
    pop_lat = np.array([graph.nodes[n]["lat"] for n in core])
    pop_lon = np.array([graph.nodes[n]["lon"] for n in core])
    scale = 2 * params.fibre_us_per_km / 1000

    def attach(points: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        d = haversine_km(
            points["lat"].to_numpy()[:, None],
            points["lon"].to_numpy()[:, None],
            pop_lat,
            pop_lon,
        )
        nearest = np.argmin(d, axis=1)
        km = d[np.arange(len(d)), nearest]
        return nearest, scale * params.access_route_factor * km + params.access_delay_ms

    hub_pop, hub_ms = attach(hubs)
    site_pop, site_ms = attach(sites)
    pop_rtt = np.full((len(core), len(core)), np.nan)

    def weight(u: str, v: str, data: dict) -> float:
        return data["length_km"] * scale + params.hop_delay_ms

    for i in np.unique(hub_pop):
        lengths = nx.single_source_dijkstra_path_length(graph, core[i], weight=weight)
        for node, ms in lengths.items():
            pop_rtt[i, position[node]] = ms
    values = pop_rtt[np.ix_(hub_pop, site_pop)]
    values += hub_ms[:, None]
    values += site_ms[None, :]
    return pd.DataFrame(values, index=hubs.index.copy(), columns=sites.index.copy())


def _backbone(rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    folder = data_dir()
    if (folder / "backbone_nodes.csv").is_file() and (
        folder / "backbone_links.csv"
    ).is_file():
        nodes = read_table(folder / "backbone_nodes.csv", "backbone_nodes")
        links = read_table(folder / "backbone_links.csv", "backbone_links")
        return nodes, links, f"{folder}/backbone_*.csv"
    nodes = _points(rng, 100, "pop")
    distance = haversine_km(
        nodes["lat"].to_numpy()[:, None],
        nodes["lon"].to_numpy()[:, None],
        nodes["lat"].to_numpy()[None, :],
        nodes["lon"].to_numpy()[None, :],
    )
    nearest = np.argsort(distance, axis=1)[:, 1:5]
    pairs = {tuple(sorted((i, j))) for i, row in enumerate(nearest) for j in row}
    links = pd.DataFrame(
        [(nodes.index[i], nodes.index[j], "") for i, j in sorted(pairs)],
        columns=["a", "b", "route_km"],
    )
    return nodes, links, "synthetic (100 PoPs, 4 nearest neighbours)"


def _points(rng: np.random.Generator, n: int, prefix: str) -> pd.DataFrame:
    return pd.DataFrame(
        {"lat": rng.uniform(36, 66, n), "lon": rng.uniform(-9, 28, n)},
        index=pd.Index([f"{prefix}{i}" for i in range(n)], name="id"),
    )


def _weighted_copy(graph: nx.Graph, params: Network) -> tuple[nx.Graph, pd.DataFrame]:
    """Copy of the graph with each link's RTT (ms) as ``ms``, and the core PoPs."""
    work = graph.copy()
    scale = 2 * params.fibre_us_per_km / 1000
    for _, _, data in work.edges(data=True):
        data["ms"] = scale * data["length_km"] + params.hop_delay_ms
    core = sorted(max(nx.connected_components(graph), key=len))
    coords = pd.DataFrame(
        [(graph.nodes[n]["lat"], graph.nodes[n]["lon"]) for n in core],
        index=core,
        columns=["lat", "lon"],
    )
    return work, coords


def _one_pair(
    work: nx.Graph, core: pd.DataFrame, hub: pd.Series, site: pd.Series, params
) -> float:
    """RTT of one pair: both ends joined to their nearest PoP, then one Dijkstra."""
    scale = 2 * params.fibre_us_per_km / 1000
    for name, point in (("__hub", hub), ("__site", site)):
        gc = haversine_km(point["lat"], point["lon"], core["lat"], core["lon"])
        k = int(np.argmin(gc))
        access = (
            scale * params.access_route_factor * gc.iloc[k] + params.access_delay_ms
        )
        work.add_edge(name, core.index[k], ms=access)
    rtt = nx.dijkstra_path_length(work, "__hub", "__site", weight="ms")
    work.remove_nodes_from(["__hub", "__site"])
    return rtt


if __name__ == "__main__":
    main()
