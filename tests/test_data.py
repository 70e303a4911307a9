import json
import shutil

import pytest

from siting.data import data_dir, load_dataset, read_table
from siting.errors import InputError
from tests.conftest import TOLERANCE_KM


def test_tiny_dataset_loads_with_ids_as_index(tiny_dir):
    dataset = load_dataset(tiny_dir, tolerance_km=TOLERANCE_KM)
    assert dataset.candidates.index.name == "site_id"
    assert len(dataset.candidates) == 10
    assert dataset.candidates["lat"].dtype == "float64"
    assert len(dataset.sha256) == 64


def test_researchers_are_the_national_figure_shared_by_population(tiny_dir):
    dataset = load_dataset(tiny_dir, tolerance_km=TOLERANCE_KM)
    hubs = dataset.hubs
    by_country = hubs.groupby("country")["researchers"].sum()
    assert by_country["FI"] == pytest.approx(40_000)
    assert by_country["DE"] == pytest.approx(480_000)
    share = 658_864 / (658_864 + 209_551)
    assert hubs.at["helsinki", "researchers"] == pytest.approx(40_000 * share)


def _copy(tiny_dir, tmp_path):
    target = tmp_path / "data"
    shutil.copytree(tiny_dir, target)
    return target


def test_every_bad_cell_is_reported_with_row_and_field(tiny_dir, tmp_path):
    folder = _copy(tiny_dir, tmp_path)
    path = folder / "candidates.csv"
    lines = path.read_text().splitlines()
    lines[1] = lines[1].replace("64.2273", "north")
    lines[2] = lines[2].replace("fi-helsinki", "fi-kajaani")
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError) as info:
        load_dataset(folder, tolerance_km=TOLERANCE_KM)
    message = str(info.value)
    assert "row 2: field 'lat': not a finite number" in message
    assert "row 3: field 'site_id': duplicate id" in message
    assert str(path) in message


def test_missing_column_is_named(tiny_dir, tmp_path):
    folder = _copy(tiny_dir, tmp_path)
    path = folder / "hubs.csv"
    text = path.read_text().replace("population", "inhabitants")
    path.write_text(text)
    with pytest.raises(InputError, match="missing column.*researchers or population"):
        load_dataset(folder, tolerance_km=TOLERANCE_KM)


def test_unknown_country_is_named(tiny_dir, tmp_path):
    folder = _copy(tiny_dir, tmp_path)
    path = folder / "candidates.csv"
    path.write_text(path.read_text().replace(",ES,40.4168", ",XX,40.4168"))
    with pytest.raises(InputError, match="unknown country code.*XX"):
        load_dataset(folder, tolerance_km=TOLERANCE_KM)


def test_eurostat_greece_code_is_mapped(tiny_dir, tmp_path):
    folder = _copy(tiny_dir, tmp_path)
    path = folder / "hubs.csv"
    path.write_text(path.read_text() + "athens,Athens,EL,37.98,23.73,664046,fixture\n")
    with pytest.raises(InputError, match="GR"):
        load_dataset(
            folder, tolerance_km=TOLERANCE_KM
        )  # GR is not in the tiny country table: mapped, then named


def test_user_candidates_as_geojson(tiny_dir, tmp_path):
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [24.94, 60.17]},
            "properties": {
                "site_id": "mine",
                "name": "Mine",
                "country": "FI",
                "kind": "city",
            },
        }
    ]
    path = tmp_path / "mine.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    dataset = load_dataset(tiny_dir, candidates=path, tolerance_km=TOLERANCE_KM)
    assert list(dataset.candidates.index) == ["mine"]
    assert dataset.candidates.at["mine", "lat"] == pytest.approx(60.17)


def test_broken_geojson_is_named(tmp_path):
    path = tmp_path / "broken.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [')
    with pytest.raises(InputError, match="broken.geojson: not a vector data file GDAL"):
        read_table(path, "candidates")


def test_packaged_data_dir_exists():
    assert (data_dir() / "candidates.csv").is_file()


@pytest.mark.parametrize(
    ("old", "new", "needle"),
    [
        ("DE,50.1109,8.6821", "DE,8.6821,50.1109", "lat and lon look swapped"),
        ("FR,48.8566,2.3522", "FR,38.0,-30.0", "outside FR"),
    ],
)
def test_candidates_outside_their_country_are_refused(
    tiny_dir, tmp_path, old, new, needle
):
    folder = _copy(tiny_dir, tmp_path)
    path = folder / "candidates.csv"
    assert old in path.read_text()
    path.write_text(path.read_text().replace(old, new))
    with pytest.raises(InputError, match=needle):
        load_dataset(folder, tolerance_km=TOLERANCE_KM)
