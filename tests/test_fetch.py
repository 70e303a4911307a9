import io
import json

import pytest
from click.testing import CliRunner

from siting.cli import main
from siting.data.fetch import (
    eurostat_prices_url,
    fetch_eurostat_prices,
    parse_eurostat_prices,
)
from siting.errors import InputError, SitingError
from tests.conftest import ROOT

SAMPLE = ROOT / "tests" / "fixtures" / "eurostat" / "nrg_pc_205_sample.json"


def test_parse_picks_the_semester_maps_el_and_drops_aggregates():
    table = parse_eurostat_prices(json.loads(SAMPLE.read_text()), semester="2025-S2")
    assert list(table.index) == ["AT", "FI", "GR"]
    assert table.at["AT", "price_eur_per_mwh"] == pytest.approx(179.9)
    assert table.at["GR", "price_eur_per_mwh"] == pytest.approx(162.1)
    assert table.at["FI", "price_eur_per_mwh"] == pytest.approx(67.4)
    assert set(table["band"]) == {"MWH2000-19999"}
    assert set(table["tax"]) == {"X_VAT"}


def test_parse_rejects_a_missing_semester_and_other_documents():
    document = json.loads(SAMPLE.read_text())
    with pytest.raises(InputError, match="2024-S1"):
        parse_eurostat_prices(document, semester="2024-S1")
    with pytest.raises(InputError, match="JSON-stat"):
        parse_eurostat_prices({"hello": 1}, semester="2025-S2")


def test_fetch_builds_the_query_and_parses_the_answer():
    seen = {}

    def opener(url, timeout):
        seen["url"] = url
        return io.BytesIO(SAMPLE.read_bytes())

    table = fetch_eurostat_prices("MWH2000-19999", "2025-S2", opener=opener)
    assert seen["url"] == eurostat_prices_url("MWH2000-19999", "2025-S2")
    assert "nrg_cons=MWH2000-19999" in seen["url"]
    assert "tax=X_VAT" in seen["url"]
    assert len(table) == 3


def test_fetch_without_network_is_a_clear_error():
    def opener(url, timeout):
        raise OSError("network is unreachable")

    with pytest.raises(SitingError, match="could not reach Eurostat"):
        fetch_eurostat_prices("MWH2000-19999", "2025-S2", opener=opener)


def test_cli_fetch_from_a_saved_response(tmp_path):
    out = tmp_path / "prices.csv"
    result = CliRunner().invoke(
        main, ["data", "fetch", "prices", "--from-file", str(SAMPLE), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    lines = out.read_text().splitlines()
    assert lines[0] == "country,price_eur_per_mwh,band,tax,semester"
    assert lines[1].startswith("AT,179.9,MWH2000-19999,X_VAT,2025-S2")
