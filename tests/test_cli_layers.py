import json

import pytest
from click.testing import CliRunner

from siting.cli import main


def test_layers_writes_every_candidate_with_all_columns(tmp_path, tiny_dir):
    scenario = tmp_path / "tiny.toml"
    scenario.write_text(f"[data]\ndir = '{tiny_dir}'\n")
    out = tmp_path / "layers.geojson"
    result = CliRunner().invoke(
        main, ["layers", "--out", str(out), "--scenario", str(scenario), "--top", "2"]
    )
    assert result.exit_code == 0, result.output
    assert "Cheapest 2 of 10 sites" in result.output
    assert "Dearest 2 of 10 sites" in result.output
    features = json.loads(out.read_text())["features"]
    assert len(features) == 10
    props = {f["properties"]["site_id"]: f["properties"] for f in features}
    kajaani = props["fi-kajaani"]
    for column in (
        "pue",
        "free_cooling_hours",
        "power_mw",
        "electricity_eur_per_year",
        "grid_capacity_mw",
        "grid_ready_year",
        "site_max_mw",
        "pop_km",
        "ixp_km",
        "capex_eur",
        "capex_eur_per_year",
        "annual_cost_eur",
    ):
        assert column in kajaani
    parts = sum(
        kajaani[f"{layer}_cost_eur_per_year"]
        for layer in ("energy", "grid", "cooling", "connectivity", "capex")
    )
    assert parts == pytest.approx(kajaani["annual_cost_eur"])
    assert props["fi-helsinki"]["excluded_reason"].startswith("no grid node")
