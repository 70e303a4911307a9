"""``map.html``: an interactive map of a run that works offline (folium and Leaflet).

Candidates are coloured by annual cost, the chosen sites carry their rank, hubs are
sized by their researchers, and every site has a popup with its short name,
description and cost breakdown. The hub-to-site links are a layer that is off until
ticked (hundreds of lines would hide the sites). The map opens framed on the run's
countries (:func:`siting.output.plots.frame_bounds`: the EU-27 with the packaged
data). The country outlines are the base layer. Leaflet's JavaScript and
CSS are inlined from the ``XStatic-Leaflet`` package (its icons as data URIs) instead of
folium's links to a CDN, and no other library is loaded (folium's popups need jQuery,
so popups are bound with plain Leaflet), so opening the file makes no request at all.
An online tile layer can be offered as an unticked overlay (``online_tiles``).

folium is imported with this module, which :func:`siting.output.write_outputs` imports
only when it writes a map, so runs that write no map do not pay for it.
"""

from __future__ import annotations

import base64
import html
import json
import re
from pathlib import Path
from typing import Any

import folium
import numpy as np
import pandas as pd
from branca.colormap import LinearColormap
from branca.element import MacroElement
from folium.utilities import JsCode
from jinja2 import Template

from siting.layers.table import COST_PARTS
from siting.output.figures import description, label, short_name
from siting.output.plots import frame_bounds, outlines_path, simplified_outlines
from siting.result import Result

#: CSS class of the element showing each chosen site's rank (one per chosen site).
RANK_CLASS = "siting-rank"
#: Name of the layer joining the campuses of each multi-site gigafactory.
CAMPUS_LAYER = "campuses of one gigafactory"
#: Name of the layer of hub-to-site links, off until ticked in the layer list.
LINKS_LAYER = "hub-to-site links (tick to show)"
#: Candidate colours from cheapest to dearest (viridis at 0, 1/4, ... 1).
COST_COLOURS = ("#440154", "#3b528b", "#21918c", "#5ec962", "#fde725")
#: Colours of the links, by rank of the site they lead to (repeating).
SITE_COLOURS = ("#d62728", "#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b")
#: Binds each GeoJSON feature's tooltip and popup (plain Leaflet, no jQuery).
_BIND_DETAILS = (
    "function(feature, layer) {var p = feature.properties; "
    "layer.bindTooltip(p.tooltip); "
    "if (p.popup) {layer.bindPopup(p.popup, {maxWidth: 320});}}"
)


def write_map(result: Result, folder: Path, *, online_tiles: bool = False) -> list[str]:
    """Write ``map.html`` into ``folder``; returns the names of the files written."""
    (Path(folder) / "map.html").write_text(
        map_html(result, online_tiles=online_tiles), encoding="utf-8"
    )
    return ["map.html"]


def map_html(result: Result, *, online_tiles: bool = False) -> str:
    """The map of a run as one self-contained HTML page."""
    return build_map(result, online_tiles=online_tiles).get_root().render()


def build_map(result: Result, *, online_tiles: bool = False) -> Any:
    """The folium map of a run, with Leaflet inlined (see the module docstring)."""
    sites, hubs, selection = result.sites, result.hubs, result.selection
    centre = [float(sites["lat"].mean()), float(sites["lon"].mean())]
    fmap = folium.Map(location=centre, zoom_start=4, tiles=None, control_scale=True)
    fmap.default_js, fmap.default_css = [], []
    fmap.get_root().header.add_child(folium.Element(_leaflet_assets()), name="leaflet")
    folium.GeoJson(
        _outlines(result),
        name="country outlines",
        style_function=lambda _feature: {
            "fillColor": "#f4f4f0",
            "color": "#888888",
            "weight": 1,
            "fillOpacity": 1,
        },
        control=False,
    ).add_to(fmap)
    if online_tiles:
        folium.TileLayer(
            "OpenStreetMap",
            name="OpenStreetMap tiles (online)",
            overlay=True,
            show=False,
        ).add_to(fmap)
    _add_links(fmap, hubs, selection)
    _add_campus_links(fmap, result)
    _add_hubs(fmap, hubs, sites)
    _add_candidates(fmap, sites)
    _add_chosen(fmap, selection)
    folium.LayerControl(collapsed=False).add_to(fmap)
    west, south, east, north = frame_bounds(result)
    fmap.fit_bounds([[south, west], [north, east]])
    fmap.get_root().html.add_child(folium.Element(_legend(sites)))
    return fmap


def _add_candidates(fmap: Any, sites: pd.DataFrame) -> None:
    allowed = sites["excluded_reason"] == ""
    costs = sites.loc[allowed, "annual_cost_eur"]
    scale = LinearColormap(list(COST_COLOURS), vmin=costs.min(), vmax=costs.max())
    features = []
    for site_id, row in sites.iterrows():
        colour = scale.rgb_hex_str(row["annual_cost_eur"]) if allowed[site_id] else None
        style = {
            "radius": 5,
            "color": colour or "#777777",
            "fillColor": colour or "#cccccc",
            "fillOpacity": 0.9,
            "weight": 1,
        }
        tooltip = label(site_id, row)
        popup = _site_popup(site_id, row)
        features.append(_feature(_point(row), style, tooltip, popup))
    _layer("candidates (colour: annual cost)", features).add_to(fmap)


def _add_chosen(fmap: Any, selection: pd.DataFrame) -> None:
    group = folium.FeatureGroup(name="chosen sites (rank)")
    for site_id, row in selection.iterrows():
        colour = SITE_COLOURS[(int(row["rank"]) - 1) % len(SITE_COLOURS)]
        icon = folium.DivIcon(
            html=(
                f'<div class="{RANK_CLASS}" style="background:{colour}">'
                f"{int(row['rank'])}</div>"
            ),
            icon_size=(26, 26),
            icon_anchor=(13, 13),
        )
        marker = folium.Marker(
            [row["lat"], row["lon"]],
            icon=icon,
            tooltip=f"{int(row['rank'])}. {label(site_id, row)}",
        )
        marker.add_child(_PlainPopup(_site_popup(site_id, row)))
        group.add_child(marker)
    group.add_to(fmap)


def _add_hubs(fmap: Any, hubs: pd.DataFrame, sites: pd.DataFrame) -> None:
    largest = float(hubs["researchers"].max())
    features = []
    for hub_id, row in hubs.iterrows():
        style = {
            "radius": 2 + 10 * float(np.sqrt(row["researchers"] / largest)),
            "color": "#222222",
            "fillColor": "#222222",
            "fillOpacity": 0.08,
            "weight": 1,
        }
        site = label(row["site_id"], sites.loc[row["site_id"]])
        tooltip = (
            f"{row['name']} ({hub_id}): {row['researchers']:,.0f} researchers (FTE), "
            f"{row['rtt_ms']:.1f} ms to {site}"
        )
        features.append(_feature(_point(row), style, tooltip))
    _layer("research hubs (size: researchers)", features).add_to(fmap)


def _add_links(fmap: Any, hubs: pd.DataFrame, selection: pd.DataFrame) -> None:
    features = []
    for hub_id, row in hubs.iterrows():
        site = selection.loc[row["site_id"]]
        colour = SITE_COLOURS[(int(site["rank"]) - 1) % len(SITE_COLOURS)]
        geometry = {
            "type": "LineString",
            "coordinates": [
                [float(row["lon"]), float(row["lat"])],
                [float(site["lon"]), float(site["lat"])],
            ],
        }
        style = {"color": colour, "weight": 1, "opacity": 0.5}
        tooltip = (
            f"{row['name']} ({hub_id}) to {label(row['site_id'], site)}: "
            f"{row['rtt_ms']:.1f} ms"
        )
        features.append(_feature(geometry, style, tooltip))
    _layer(LINKS_LAYER, features, show=False).add_to(fmap)


def _add_campus_links(fmap: Any, result: Result) -> None:
    """The campuses of each multi-site gigafactory, joined by a line."""
    links = result.campus_links
    if links.empty:
        return
    features = []
    for _, row in links.iterrows():
        lon, lat = np.asarray(row.geometry.coords).T
        geometry = {
            "type": "LineString",
            "coordinates": [
                [float(x), float(y)] for x, y in zip(lon, lat, strict=True)
            ],
        }
        tooltip = (
            f"gigafactory {row['gigafactory']}: {row['from_site_id']} to "
            f"{row['to_site_id']}, {row['distance_km']:,.0f} km"
        )
        style = {"color": "#8b0000", "weight": 4, "opacity": 0.9}
        features.append(_feature(geometry, style, tooltip))
    _layer(CAMPUS_LAYER, features).add_to(fmap)


def _layer(name: str, features: list[dict[str, Any]], *, show: bool = True) -> Any:
    """One GeoJSON layer whose features carry their style, tooltip and popup."""
    return folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name=name,
        show=show,
        marker=folium.CircleMarker(),
        style_function=lambda feature: feature["properties"]["style"],
        on_each_feature=JsCode(_BIND_DETAILS),
    )


def _feature(
    geometry: dict[str, Any], style: dict[str, Any], tooltip: str, popup: str = ""
) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": geometry,
        "properties": {"style": style, "tooltip": html.escape(tooltip), "popup": popup},
    }


def _point(row: pd.Series) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [float(row["lon"]), float(row["lat"])]}


def _site_popup(site_id: str, row: pd.Series) -> str:
    """HTML of a site's popup: name, description, cost breakdown (EUR m/yr) and key
    figures."""
    name = short_name(str(row["name"]))
    title = html.escape(f"{name} ({site_id}, {row['country']})")
    about = description(row)
    if about:
        title += f'<br><span style="font-size:smaller">{html.escape(about)}</span>'
    if row.get("selected"):
        title = f"<b>Chosen, rank {int(row['rank'])}</b><br>{title}"
    lines = [
        ("annual cost", f"EUR {row['annual_cost_eur'] / 1e6:,.1f} m/yr"),
        *(
            (layer, f"EUR {row[f'{layer}_cost_eur_per_year'] / 1e6:,.1f} m/yr")
            for layer in COST_PARTS
        ),
        ("PUE", f"{row['pue']:.2f}"),
        (
            "electricity price",
            f"EUR {row['price_eur_per_mwh']:.0f}/MWh ({row.get('bidding_zone', '')})",
        ),
    ]
    if row.get("selected"):
        lines += [
            ("researchers served", f"{row['researchers_served']:,.0f} FTE"),
            ("mean RTT", f"{row['mean_rtt_ms']:.1f} ms"),
        ]
    if row["excluded_reason"]:
        lines.append(("excluded", html.escape(row["excluded_reason"])))
    cells = "".join(f"<tr><td>{k}</td><td>{v}</td></tr>" for k, v in lines)
    return f"{title}<table>{cells}</table>"


def _outlines(result: Result) -> dict[str, Any]:
    """The run's country outlines, simplified for the browser."""
    from shapely.geometry import mapping

    features = simplified_outlines(outlines_path(result))
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": properties, "geometry": mapping(shape)}
            for properties, shape in features
        ],
    }


def _legend(sites: pd.DataFrame) -> str:
    costs = sites.loc[sites["excluded_reason"] == "", "annual_cost_eur"] / 1e6
    gradient = ", ".join(COST_COLOURS)
    return (
        "<style>.leaflet-container{background:#dbe7ef}"
        f".{RANK_CLASS}{{width:26px;height:26px;border-radius:13px;color:#fff;"
        "font:bold 14px/26px sans-serif;text-align:center;border:2px solid #fff;"
        "box-sizing:border-box}.siting-legend{position:absolute;bottom:24px;"
        "right:10px;z-index:1000;background:#fff;padding:6px 8px;font:12px sans-serif;"
        "border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.4)}</style>"
        '<div class="siting-legend">annual cost of a candidate (EUR m/yr)<br>'
        f'<div style="height:10px;background:linear-gradient(to right, {gradient})">'
        f"</div>{costs.min():,.0f} &ndash; {costs.max():,.0f}; grey: excluded<br>"
        "numbered: chosen sites by rank (1 serves the most researchers); dark "
        "rings: research hubs; links: tick them in the layer list</div>"
    )


def _leaflet_assets() -> str:
    """Leaflet's CSS and JavaScript from XStatic-Leaflet, inline, icons as data URIs."""
    from xstatic.pkg import leaflet

    folder = Path(leaflet.BASE_DIR)

    def data_uri(match: re.Match[str]) -> str:
        png = (folder / match.group(1)).read_bytes()
        return f"url(data:image/png;base64,{base64.b64encode(png).decode('ascii')})"

    css = re.sub(
        r"url\((images/[\w.-]+\.png)\)",
        data_uri,
        (folder / "leaflet.css").read_text(encoding="utf-8"),
    )
    script = (folder / "leaflet.js").read_text(encoding="utf-8")
    script = script.replace("//# sourceMappingURL=leaflet.js.map", "")
    return f"<style>{css}</style>\n<script>{script}</script>"


class _PlainPopup(MacroElement):
    """A popup bound with plain Leaflet (``bindPopup``), needing no jQuery."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "{{ this._parent.get_name() }}.bindPopup({{ this.content }}, "
        "{maxWidth: 320});{% endmacro %}"
    )

    def __init__(self, content: str) -> None:
        super().__init__()
        self._name = "PlainPopup"
        self.content = json.dumps(content).replace("</", "<\\/")
