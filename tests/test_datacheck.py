import shutil

import pytest
from click.testing import CliRunner

from siting.cli import main
from siting.data import check_dataset, data_dir
from tests.conftest import TOLERANCE_KM


def test_tiny_dataset_passes(tiny_dir):
    report = check_dataset(tiny_dir, tolerance_km=TOLERANCE_KM)
    assert report.ok, report.problems
    assert report.rows["candidates"] == 10


def _copy(tiny_dir, tmp_path):
    target = tmp_path / "data"
    shutil.copytree(tiny_dir, target)
    return target


def _edit(path, old, new):
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_unknown_source_and_empty_assumption_are_named(tiny_dir, tmp_path):
    folder = _copy(tiny_dir, tmp_path)
    _edit(folder / "hubs.csv", "1636732,fixture", "1636732,nobody_2020")
    _edit(
        folder / "power_plants.csv",
        "1980,operating,fixture",
        "1980,operating,assumption:",
    )
    report = check_dataset(folder, tolerance_km=TOLERANCE_KM)
    text = "\n".join(report.problems)
    assert "hubs.csv: row 11: field 'source': source id 'nobody_2020'" in text
    assert "power_plants.csv: row 2: field 'source': an assumption needs" in text


def test_a_zone_outline_without_a_known_source_is_named(tiny_dir, tmp_path):
    folder = _copy(tiny_dir, tmp_path)
    _edit(folder / "bidding_zones.geojson", '"source": "fixture"', '"source": "nobody"')
    report = check_dataset(folder, tolerance_km=TOLERANCE_KM)
    assert (
        "bidding_zones.geojson: zone SE1: property 'source': ['nobody']"
        in "\n".join(report.problems)
    )


def test_a_column_source_beside_the_row_source_is_checked(tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(data_dir(), folder, ignore=shutil.ignore_patterns("build"))
    text = (folder / "hubs.csv").read_text(encoding="utf-8")
    first = text.splitlines()[1]
    (folder / "hubs.csv").write_text(
        text.replace(first, first.rsplit(",", 1)[0] + ",nobody_2020", 1),
        encoding="utf-8",
    )
    _edit(folder / "latency_measurements.csv", "wonderproxy_pings_2020;", "nobody;")
    report = check_dataset(folder, tolerance_km=TOLERANCE_KM)
    text = "\n".join(report.problems)
    assert (
        "hubs.csv: row 2: field 'researchers_source': source id 'nobody_2020'" in text
    )
    assert "latency_measurements.csv: row" in text and "'nobody'" in text


def test_point_outside_its_country_and_swapped_coordinates(tiny_dir, tmp_path):
    folder = _copy(tiny_dir, tmp_path)
    # Paris put in Spain's box is far from France; Frankfurt with lat/lon swapped
    _edit(folder / "candidates.csv", "FR,48.8566,2.3522", "FR,40.0,-4.0")
    _edit(folder / "hubs.csv", "DE,52.5200,13.4050", "DE,13.4050,52.5200")
    report = check_dataset(folder, tolerance_km=TOLERANCE_KM)
    text = "\n".join(report.problems)
    assert "candidates.csv: row 8 (fr-paris): fields 'lat'/'lon'" in text
    assert "hubs.csv: row 6 (berlin)" in text


def test_cli_check_exits_1_on_problems(tiny_dir, tmp_path):
    folder = _copy(tiny_dir, tmp_path)
    _edit(folder / "hubs.csv", "1636732,fixture", "1636732,nobody_2020")
    result = CliRunner().invoke(main, ["data", "check", "--data-dir", str(folder)])
    assert result.exit_code == 1
    assert "nobody_2020" in result.output


def test_packaged_data_passes_the_check():
    if not (data_dir() / "climate.csv").is_file():
        pytest.fail("packaged data is incomplete: climate.csv missing")
    report = check_dataset(data_dir(), tolerance_km=TOLERANCE_KM)
    assert report.ok, "\n".join(report.problems[:20])
    assert len(report.countries) == 27
    assert report.rows["candidates"] >= 150
    # the hub cities of the listed universities and research centres (docs/data.md)
    assert report.rows["hubs"] >= 180
    assert report.rows["latency_measurements"] >= 150
    assert report.rows["backbone_nodes"] >= 60
    assert report.rows["backbone_links"] >= 100
    assert report.rows["power_plants"] >= 1000
    assert report.rows["substations"] >= 4000
