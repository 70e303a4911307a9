"""Calibration on medians and leave-one-source-out validation (siting.network).

The last tests re-run the validation on the packaged measurement table: they are the
acceptance lines of issue #18 (docs/network.md), not tuning. The lines the model does
not meet are marked ``xfail(strict=True)`` with the reason, so that the suite records
them and fails as soon as one of them starts to hold (then the mark must go).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from siting.data import MEASUREMENTS_FILE, read_table
from siting.geo import haversine_km
from siting.network import (
    TARGETS,
    backbone_graph,
    calibrate,
    leave_one_source_out,
)
from siting.network.calibration import fit_end_delays
from siting.network.validation import error_figures, rule_of_thumb_ms
from siting.scenario import load_scenario
from tests.test_network import _links, _nodes, _synthetic_measurements

REPO = Path(__file__).resolve().parent.parent
GRID = {
    "route_factors": np.arange(1.0, 2.5001, 0.05),
    "hop_delays_ms": np.arange(0.0, 3.0001, 0.1),
    "access_route_factors": np.arange(1.0, 3.0001, 0.25),
}


def _params(**update):
    return load_scenario().network.model_copy(update=update)


def test_rule_of_thumb_is_2_1_times_the_great_circle_there_and_back():
    pairs = pd.DataFrame(
        {"from_lat": [48.85341], "from_lon": [2.3488]}
        | {"to_lat": [50.11552], "to_lon": [8.68417]}
    )
    gc = haversine_km(48.85341, 2.3488, 50.11552, 8.68417)
    expected = 2 * 2.1 * gc * 4.9 / 1000
    assert rule_of_thumb_ms(pairs, fibre_us_per_km=4.9) == pytest.approx([expected])


def test_error_figures_are_median_absolute_median_signed_and_p90():
    figures = error_figures(np.array([110.0, 90.0, 100.0, 130.0]), np.full(4, 100.0))
    assert figures["median_abs_pct"] == pytest.approx(10.0)
    assert figures["median_signed_pct"] == pytest.approx(5.0)
    # |errors| sorted 0, 10, 10, 30: the 90th percentile lies 70 % from 10 to 30
    assert figures["p90_abs_pct"] == pytest.approx(24.0)


def test_each_source_gets_its_own_end_delay_and_the_model_their_mean():
    truth = _params(route_factor=1.7, hop_delay_ms=1.5, access_route_factor=1.5)
    graph = backbone_graph(_nodes(), _links(), params=truth)
    near = _synthetic_measurements(
        graph, truth.model_copy(update={"access_delay_ms": 1.0})
    )
    far = _synthetic_measurements(
        graph, truth.model_copy(update={"access_delay_ms": 3.0}), groups=("b",)
    )
    both = pd.concat([near, far], ignore_index=True)
    fit = fit_end_delays(_nodes(), _links(), both, params=_params(), **GRID)
    assert fit.end_delays_ms == pytest.approx({"a": 1.0, "b": 3.0})
    assert fit.loss == pytest.approx(0.0, abs=1e-12)
    fitted = calibrate(_nodes(), _links(), both, params=_params())
    assert fitted.route_factor == pytest.approx(1.7)
    assert fitted.access_delay_ms == pytest.approx(2.0)


def test_leave_one_source_out_is_exact_on_data_the_model_made():
    truth = _params(route_factor=1.7, hop_delay_ms=1.5, access_delay_ms=2.0)
    graph = backbone_graph(_nodes(), _links(), params=truth)
    measured = _synthetic_measurements(graph, truth, groups=("a", "b", "c"))
    table = leave_one_source_out(_nodes(), _links(), measured, params=_params())
    assert list(table.index) == ["a", "b", "c"]
    assert (table["pairs"] == 12).all()
    np.testing.assert_allclose(table["model_median_abs_pct"], 0.0, atol=1e-9)
    assert table["meets_targets"].all()
    assert (table["route_factor"] == 1.7).all() and (table["hop_delay_ms"] == 1.5).all()


def test_the_held_out_source_never_reaches_its_own_calibration():
    params = _params()
    graph = backbone_graph(_nodes(), _links(), params=params)
    measured = _synthetic_measurements(graph, params, groups=("a", "b", "c"))
    odd = measured["source_group"] == "c"
    measured.loc[odd, "rtt_ms"] *= 3  # a source that disagrees badly
    table = leave_one_source_out(_nodes(), _links(), measured, params=params)
    without_c = calibrate(_nodes(), _links(), measured[~odd], params=params)
    for name in ("route_factor", "hop_delay_ms", "access_route_factor"):
        assert table.loc["c", name] == getattr(without_c, name)
    assert table.loc["c", "model_median_signed_pct"] == pytest.approx(-200 / 3)
    assert not table.loc["c", "meets_targets"]


# ---- the packaged measurement table: acceptance lines of issue #18 ----------------


@pytest.fixture(scope="module")
def packaged():
    folder = REPO / "data"
    nodes = read_table(folder / "backbone_nodes.csv", "backbone_nodes")
    links = read_table(folder / "backbone_links.csv", "backbone_links")
    measured = read_table(folder / MEASUREMENTS_FILE, "latency_measurements")
    params = load_scenario().network
    table = leave_one_source_out(nodes, links, measured, params=params)
    return measured, table


def test_packaged_validation_holds_out_every_source_and_computes_the_rule(packaged):
    measured, table = packaged
    medians = measured[measured["statistic"].isin(["median", "p50"])]
    assert set(table.index) == set(medians["source_group"])
    assert len(table) >= 3 and table["pairs"].sum() >= 150
    for group, rows in medians.groupby("source_group"):
        gc = haversine_km(
            rows["from_lat"], rows["from_lon"], rows["to_lat"], rows["to_lon"]
        )
        rule = 2 * 2.1 * gc / (1000 / 4.9)
        error = 100 * (rule - rows["rtt_ms"]) / rows["rtt_ms"]
        assert table.loc[group, "rule_median_abs_pct"] == pytest.approx(
            np.median(np.abs(error))
        )
        assert table.loc[group, "rule_median_signed_pct"] == pytest.approx(
            np.median(error)
        )


def test_packaged_fits_keep_the_model_physical(packaged):
    _, table = packaged
    assert (table["route_factor"] >= 1).all()
    assert (table["access_delay_ms"] >= 0).all() and (table["hop_delay_ms"] >= 0).all()


GCP_REASON = (
    "Google's backbone is the fastest source: on 36 city pairs shared with Azure its "
    "medians are 3.3 ms lower at every distance; calibrated on Azure and WonderProxy, "
    "the model overestimates it, while 2.1x the great circle happens to fit it "
    "(docs/network.md)"
)


@pytest.mark.parametrize(
    "source",
    [
        "azure",
        pytest.param("gcp", marks=pytest.mark.xfail(strict=True, reason=GCP_REASON)),
        "wondernetwork",
    ],
)
def test_out_of_sample_the_model_beats_the_rule_of_thumb(packaged, source):
    _, table = packaged
    row = table.loc[source]
    assert row["model_median_abs_pct"] < row["rule_median_abs_pct"]
    assert abs(row["model_median_signed_pct"]) < abs(row["rule_median_signed_pct"])


TARGET_REASON = {
    "azure": "median signed error -6.5 % (target +/-3 %): the other two sources "
    "disagree with Azure by a near-constant end delay (docs/network.md)",
    "gcp": GCP_REASON,
    "wondernetwork": "calibrated on the two cloud backbones the model is 19-29 % under "
    "the public Internet in every distance band; even a fit with its own offset for "
    "each of the 80 servers leaves 11.4 % median error in sample (docs/network.md)",
}


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(s, marks=pytest.mark.xfail(strict=True, reason=TARGET_REASON[s]))
        for s in ("azure", "gcp", "wondernetwork")
    ],
)
def test_out_of_sample_the_model_meets_the_targets(packaged, source):
    _, table = packaged
    row = table.loc[source]
    assert row["model_median_abs_pct"] <= TARGETS.median_abs_pct
    assert abs(row["model_median_signed_pct"]) <= TARGETS.median_signed_pct


def test_docs_give_the_figures_the_validation_computes(packaged):
    _, table = packaged
    text = (REPO / "docs" / "network.md").read_text(encoding="utf-8")
    for source, row in table.iterrows():
        figures = [
            f"{row[f'{who}_{name}']:{'+' if 'signed' in name else ''}.1f}"
            for who in ("model", "rule")
            for name in ("median_abs_pct", "median_signed_pct", "p90_abs_pct")
        ]
        pattern = r"\|\s*" + re.escape(source) + r"\s*\|\s*" + str(row["pairs"])
        pattern += "".join(r"\s*\|\s*" + re.escape(f) for f in figures)
        assert re.search(pattern, text), f"docs/network.md: no row {source} {figures}"
