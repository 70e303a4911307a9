"""A user's own candidates and hubs in any vector format GDAL reads, with their own
columns, optional kind, hub weights given or apportioned, and other CRSs."""

import zipfile

import geopandas as gpd
import pandas as pd
import pytest

from siting.data import load_dataset, read_table
from siting.data.formats import read_raw
from siting.errors import InputError
from siting.layers.table import site_table
from tests.conftest import TOLERANCE_KM

#: Two sites of the user's own, with columns the pipeline does not know.
MINE = pd.DataFrame(
    {
        "site_id": ["fi-mine", "de-mine"],
        "name": ["Mine North", "Mine South"],
        "country": ["FI", "DE"],
        "lat": [64.2273, 50.1109],
        "lon": [27.7285, 8.6821],
        "owner": ["Consortium A", "Consortium B"],
        "announced_mw": [150.0, None],
    }
)


def _frame(table: pd.DataFrame = MINE) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        table.drop(columns=["lat", "lon"]),
        geometry=gpd.points_from_xy(table["lon"], table["lat"]),
        crs="EPSG:4326",
    )


def _load(tiny_dir, **files):
    return load_dataset(tiny_dir, tolerance_km=TOLERANCE_KM, **files)


def _same_points(candidates: pd.DataFrame, *, abs_deg: float = 1e-9) -> None:
    assert list(candidates.index) == list(MINE["site_id"])
    assert candidates["lat"].to_numpy() == pytest.approx(MINE["lat"], abs=abs_deg)
    assert candidates["lon"].to_numpy() == pytest.approx(MINE["lon"], abs=abs_deg)


def test_csv_without_kind_keeps_its_own_columns(tiny_dir, tmp_path):
    path = tmp_path / "mine.csv"
    MINE.to_csv(path, index=False)
    candidates = _load(tiny_dir, candidates=path).candidates
    _same_points(candidates)
    assert list(candidates["kind"]) == ["", ""]
    assert list(candidates["owner"]) == ["Consortium A", "Consortium B"]
    assert candidates["announced_mw"].dtype == "float64"
    assert candidates.at["fi-mine", "announced_mw"] == 150.0
    assert pd.isna(candidates.at["de-mine", "announced_mw"])


def test_candidates_and_the_layer_table_are_points_in_wgs84(tiny_dir, tiny_scenario):
    dataset = _load(tiny_dir)
    candidates = dataset.candidates
    for table in (candidates, dataset.hubs, site_table(dataset, tiny_scenario)):
        assert isinstance(table, gpd.GeoDataFrame)
        assert table.crs == "EPSG:4326"
        assert table.geometry.x.to_numpy() == pytest.approx(table["lon"])
        assert table.geometry.y.to_numpy() == pytest.approx(table["lat"])


def test_geopackage_layer_named_after_the_table(tiny_dir, tmp_path):
    path = tmp_path / "mine.gpkg"
    _frame().to_file(path, layer="notes", driver="GPKG")
    _frame().to_file(path, layer="candidates", driver="GPKG")
    candidates = _load(tiny_dir, candidates=path).candidates
    _same_points(candidates)
    assert candidates.at["fi-mine", "owner"] == "Consortium A"


def test_geopackage_of_several_layers_without_the_table_is_refused(tmp_path):
    path = tmp_path / "mine.gpkg"
    _frame().to_file(path, layer="a", driver="GPKG")
    _frame().to_file(path, layer="b", driver="GPKG")
    with pytest.raises(InputError, match=r"mine.gpkg: holds 2 layers \(a, b\)"):
        read_table(path, "candidates")


def test_zipped_shapefile_in_another_crs_is_reprojected(tiny_dir, tmp_path):
    shapefile = _frame(MINE.drop(columns="announced_mw")).to_crs(3035)  # LAEA, m
    shapefile.to_file(tmp_path / "mine.shp")
    path = tmp_path / "mine.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for part in tmp_path.glob("mine.*"):
            if part.suffix != ".zip":
                archive.write(part, part.name)
    candidates = _load(tiny_dir, candidates=path).candidates
    _same_points(candidates, abs_deg=1e-7)
    assert candidates.crs == "EPSG:4326"


def test_geojson_with_a_line_names_the_feature_and_the_field(tmp_path):
    lines = gpd.GeoDataFrame(
        MINE[["site_id", "name", "country"]],
        geometry=gpd.GeoSeries.from_wkt(["POINT (1 2)", "LINESTRING (1 2, 3 4)"]),
        crs="EPSG:4326",
    )
    path = tmp_path / "mine.geojson"
    lines.to_file(path, driver="GeoJSON")
    with pytest.raises(InputError, match=r"feature\(s\) 2: field 'geometry'.*"):
        read_raw(path, "candidates")


def test_a_file_gdal_cannot_read_is_named(tmp_path):
    path = tmp_path / "mine.txt"
    path.write_text("not a table")
    with pytest.raises(InputError, match="mine.txt: not a vector data file GDAL"):
        read_raw(path)


def _hubs(tmp_path, **columns):
    table = pd.DataFrame(
        {
            "hub_id": ["berlin", "munich", "helsinki"],
            "name": ["Berlin", "Munich", "Helsinki"],
            "country": ["DE", "DE", "FI"],
            "lat": [52.52, 48.1374, 60.1699],
            "lon": [13.405, 11.5755, 24.9384],
            **columns,
        }
    )
    path = tmp_path / "hubs.csv"
    table.to_csv(path, index=False)
    return path


def test_researchers_are_used_as_given(tiny_dir, tmp_path):
    path = _hubs(
        tmp_path,
        researchers=[60_000, 30_000, 9_000],
        population=[3_800_000, 1_500_000, 660_000],
    )
    dataset = _load(tiny_dir, hubs=path)
    assert dataset.hubs["researchers"].to_dict() == {
        "berlin": 60_000,
        "munich": 30_000,
        "helsinki": 9_000,
    }
    assert dataset.notes == ()


def test_population_is_apportioned_and_the_run_says_so(tiny_dir, tmp_path):
    path = _hubs(tmp_path, population=[3_000_000, 1_000_000, 600_000])
    dataset = _load(tiny_dir, hubs=path)
    national = dataset.countries["researchers_fte"]
    assert dataset.hubs.at["berlin", "researchers"] == pytest.approx(
        national["DE"] * 0.75
    )
    assert dataset.hubs.at["helsinki", "researchers"] == pytest.approx(national["FI"])
    (note,) = dataset.notes
    assert str(path) in note and "by population" in note


def test_hubs_need_researchers_or_population(tiny_dir, tmp_path):
    path = _hubs(tmp_path)
    with pytest.raises(
        InputError, match="hubs.csv: .*one of researchers or population"
    ):
        _load(tiny_dir, hubs=path)


def test_a_bad_researchers_cell_is_named(tiny_dir, tmp_path):
    path = _hubs(tmp_path, researchers=["60000", "-5", "9000"])
    with pytest.raises(InputError, match="row 3: field 'researchers'"):
        _load(tiny_dir, hubs=path)
