"""sites, hubs and links GeoJSON: content, and GDAL (pyogrio) reads back the same."""

import json
import math
import sqlite3
from contextlib import closing

import geopandas as gpd
import pandas as pd
import pytest

from siting.output import write_outputs
from siting.output.geojson import GPKG_TIMESTAMP
from siting.run import optimise
from siting.scenario import load_scenario
from tests.conftest import TINY

pyogrio_raw = pytest.importorskip("pyogrio.raw", reason="pyogrio is in the test extra")
shapely = pytest.importorskip("shapely")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    result = optimise(load_scenario(data__dir=str(TINY), selection__sites=3))
    out = tmp_path_factory.mktemp("geojson") / "out"
    write_outputs(result, out, report=False)
    return result, out


def test_hubs_carry_weight_site_and_rtt(run):
    result, out = run
    document = json.loads((out / "hubs.geojson").read_text())
    features = {f["properties"]["hub_id"]: f for f in document["features"]}
    assert set(features) == set(result.hubs.index)
    for hub_id, row in result.hubs.iterrows():
        feature = features[hub_id]
        props = feature["properties"]
        assert feature["geometry"] == {
            "type": "Point",
            "coordinates": [round(row["lon"], 6), round(row["lat"], 6)],
        }
        assert props["researchers"] == pytest.approx(row["researchers"], abs=1e-6)
        assert props["site_id"] == row["site_id"]
        assert props["site_name"] == result.sites.at[row["site_id"], "name"]
        assert props["rtt_ms"] == pytest.approx(row["rtt_ms"], abs=1e-6)
        assert props["site_id"] in set(result.selection.index)


def test_links_join_each_hub_to_its_site(run):
    result, out = run
    document = json.loads((out / "links.geojson").read_text())
    assert len(document["features"]) == len(result.hubs)
    for feature in document["features"]:
        props = feature["properties"]
        hub = result.hubs.loc[props["hub_id"]]
        site = result.sites.loc[props["site_id"]]
        assert props["site_id"] == hub["site_id"]
        assert feature["geometry"]["type"] == "LineString"
        start, end = feature["geometry"]["coordinates"]
        assert start == [round(hub["lon"], 6), round(hub["lat"], 6)]
        assert end == [round(site["lon"], 6), round(site["lat"], 6)]
        assert props["rtt_ms"] == pytest.approx(hub["rtt_ms"], abs=1e-6)
        assert props["distance_km"] >= 0


def test_helsinki_link_length(run):
    """Helsinki (60.1699 N, 24.9384 E) to its site, checked by hand for Kajaani."""
    result, out = run
    document = json.loads((out / "links.geojson").read_text())
    link = next(
        f["properties"]
        for f in document["features"]
        if f["properties"]["hub_id"] == "helsinki"
    )
    assert link["site_id"] == "fi-kajaani"  # the tiny run's choice; see test_cli_*
    # haversine (R = 6371.0088 km) between (60.1699, 24.9384) and (64.2273, 27.7285)
    assert link["distance_km"] == pytest.approx(473.69, abs=0.05)


@pytest.mark.parametrize("name", ["sites.geojson", "hubs.geojson", "links.geojson"])
def test_gdal_reads_back_the_same_features(run, name):
    _result, out = run
    document = json.loads((out / name).read_text())
    meta, _fids, geometry, fields = pyogrio_raw.read(out / name)
    features = document["features"]
    assert len(geometry) == len(features)
    columns = dict(zip(meta["fields"], fields, strict=True))
    assert set(columns) == set(features[0]["properties"])
    for position, feature in enumerate(features):
        shape = shapely.from_wkb(geometry[position])
        assert shape.geom_type == feature["geometry"]["type"]
        expected = feature["geometry"]["coordinates"]
        coords = [list(c) for c in shape.coords]
        assert coords == (expected if shape.geom_type == "LineString" else [expected])
        for key, value in feature["properties"].items():
            read = columns[key][position]
            if value is None:
                assert read is None or (isinstance(read, float) and math.isnan(read))
            elif isinstance(value, float):
                assert read == pytest.approx(value, rel=1e-12)
            else:
                assert read == value, key


def test_result_tables_are_geodataframes_in_wgs84_by_id(run):
    result, _out = run
    for table, index in (
        (result.sites, "site_id"),
        (result.selection, "site_id"),
        (result.hubs, "hub_id"),
        (result.links, "hub_id"),
    ):
        assert isinstance(table, gpd.GeoDataFrame)
        assert table.crs == "EPSG:4326"
        assert table.index.name == index
    assert (result.sites.geometry.x == result.sites["lon"]).all()
    chosen = result.sites[result.sites["selected"]]
    assert set(result.selection.index) == set(chosen.index)
    assert list(result.selection["rank"]) == [1, 2, 3]
    line = result.links.loc["helsinki"].geometry
    site = result.sites.loc[result.hubs.at["helsinki", "site_id"]]
    assert list(line.coords)[-1] == (site["lon"], site["lat"])


@pytest.mark.parametrize("name", ["sites.geojson", "hubs.geojson", "links.geojson"])
def test_geojson_is_rfc7946(run, name):
    _result, out = run
    document = json.loads((out / name).read_text())
    assert document["type"] == "FeatureCollection"
    assert "crs" not in document and "bbox" not in document
    for feature in document["features"]:
        assert "bbox" not in feature
        points = feature["geometry"]["coordinates"]
        for lon, lat in points if isinstance(points[0], list) else [points]:
            assert -180 <= lon <= 180 and -90 <= lat <= 90
            assert round(lon, 6) == lon and round(lat, 6) == lat


def _own_candidates(tiny_dir, tmp_path):
    """The tiny candidates without 'kind', with a column of the user's own."""
    table = pd.read_csv(tiny_dir / "candidates.csv").drop(columns="kind")
    table["owner"] = [f"owner {n}" for n in range(len(table))]
    path = tmp_path / "mine.csv"
    table.to_csv(path, index=False)
    return path


def test_own_columns_reach_geojson_and_geopackage(tiny_dir, tmp_path):
    scenario = load_scenario(
        data__dir=str(TINY),
        data__candidates=str(_own_candidates(tiny_dir, tmp_path)),
        selection__sites=3,
    )
    result = optimise(scenario, explanations=False)
    write_outputs(result, tmp_path / "json", report=False)
    write_outputs(result, tmp_path / "gpkg", report=False, vector_format="gpkg")
    document = json.loads((tmp_path / "json" / "sites.geojson").read_text())
    owners = {
        f["properties"]["site_id"]: f["properties"]["owner"]
        for f in document["features"]
    }
    assert owners == result.sites["owner"].to_dict()
    layer = gpd.read_file(tmp_path / "gpkg" / "result.gpkg", layer="sites")
    assert layer.set_index("site_id")["owner"].to_dict() == owners


def test_geopackage_holds_the_three_layers_as_the_geojson(run, tmp_path):
    result, out = run
    first, second = tmp_path / "a", tmp_path / "b"
    for folder in (first, second):
        write_outputs(result, folder, report=False, vector_format="gpkg")
    package = first / "result.gpkg"
    assert package.read_bytes() == (second / "result.gpkg").read_bytes()
    # the timestamps GDAL would take from the clock are fixed, so bytes repeat later
    with closing(sqlite3.connect(package)) as db:
        stamps = db.execute("SELECT table_name, last_change FROM gpkg_contents")
        assert dict(stamps.fetchall()) == dict.fromkeys(
            ("sites", "hubs", "links"), GPKG_TIMESTAMP
        )
    assert sorted(p.name for p in first.iterdir()) == ["result.gpkg", "result.json"]
    for name in ("sites", "hubs", "links"):
        layer = gpd.read_file(package, layer=name)
        geojson = gpd.read_file(out / f"{name}.geojson")
        assert layer.crs == "EPSG:4326"
        assert list(layer.columns) == list(geojson.columns)
        assert layer.geometry.geom_equals_exact(geojson.geometry, 1e-6).all()
