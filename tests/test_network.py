"""Tests of the backbone RTT model (siting.network) and the `latency` command."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from siting.cli.latency import latency
from siting.errors import InputError
from siting.geo import haversine_km
from siting.network import (
    backbone_graph,
    calibrate,
    pair_rtt,
    rtt_matrix,
    rtt_path,
)
from siting.scenario import load_scenario
from siting.sections import Network

REPO = Path(__file__).resolve().parent.parent
PARAMS = Network(
    fibre_us_per_km=4.9,
    route_factor=1.5,
    hop_delay_ms=0.5,
    access_delay_ms=2.0,
    access_route_factor=1.2,
)


def _nodes() -> pd.DataFrame:
    rows = [
        ("ams", "Amsterdam", 52.37403, 4.88969),
        ("fra", "Frankfurt", 50.11552, 8.68417),
        ("par", "Paris", 48.85341, 2.3488),
        ("mil", "Milan", 45.46427, 9.18951),
        ("vie", "Vienna", 48.20849, 16.37208),
        ("cph", "Copenhagen", 55.67594, 12.56553),
        ("lone", "Isolated", 40.4165, -3.70256),
    ]
    frame = pd.DataFrame(rows, columns=["node_id", "name", "lat", "lon"])
    return frame.set_index("node_id")


def _links() -> pd.DataFrame:
    rows = [
        ("ams", "fra", "450"),
        ("ams", "par", ""),
        ("par", "fra", ""),
        ("fra", "mil", ""),
        ("par", "mil", ""),
        ("fra", "vie", ""),
        ("mil", "vie", ""),
        ("ams", "cph", ""),
        ("cph", "vie", ""),
    ]
    return pd.DataFrame(rows, columns=["a", "b", "route_km"])


def _points(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {"lat": rng.uniform(36, 62, n), "lon": rng.uniform(-8, 26, n)},
        index=pd.Index([f"p{i}" for i in range(n)], name="id"),
    )


def _gc_between(a: pd.DataFrame, b: pd.DataFrame) -> np.ndarray:
    return haversine_km(
        a["lat"].to_numpy()[:, None],
        a["lon"].to_numpy()[:, None],
        b["lat"].to_numpy()[None, :],
        b["lon"].to_numpy()[None, :],
    )


@pytest.fixture
def graph():
    return backbone_graph(_nodes(), _links(), params=PARAMS)


def test_link_lengths_use_route_km_or_great_circle_times_route_factor(graph):
    nodes = _nodes()
    assert graph.edges["ams", "fra"]["length_km"] == 450.0
    assert graph.edges["ams", "fra"]["published"] is True
    gc = haversine_km(
        *nodes.loc["par", ["lat", "lon"]], *nodes.loc["mil", ["lat", "lon"]]
    )
    assert graph.edges["par", "mil"]["length_km"] == pytest.approx(1.5 * gc)
    assert graph.edges["par", "mil"]["published"] is False


def test_route_km_shorter_than_great_circle_is_raised_to_it():
    links = pd.DataFrame([("ams", "vie", "10")], columns=["a", "b", "route_km"])
    graph = backbone_graph(_nodes(), links, params=PARAMS)
    nodes = _nodes()
    gc = haversine_km(
        *nodes.loc["ams", ["lat", "lon"]], *nodes.loc["vie", ["lat", "lon"]]
    )
    assert graph.edges["ams", "vie"]["length_km"] == pytest.approx(gc)


def test_bad_inputs_raise_input_error_naming_the_problem():
    links = _links()
    links.loc[0, "b"] = "nowhere"
    with pytest.raises(InputError, match="nowhere"):
        backbone_graph(_nodes(), links, params=PARAMS)
    links = _links()
    links.loc[1, "route_km"] = "far"
    with pytest.raises(InputError, match="ams-par"):
        backbone_graph(_nodes(), links, params=PARAMS)
    with pytest.raises(InputError, match="no link ams-vie"):
        backbone_graph(
            _nodes(), _links(), params=PARAMS, removed_links=[("ams", "vie")]
        )
    with pytest.raises(InputError, match="no PoP xyz"):
        backbone_graph(_nodes(), _links(), params=PARAMS, removed_nodes=["xyz"])
    with pytest.raises(InputError, match="route_factor"):
        load_scenario(network__route_factor=0.9)


def test_rtt_of_two_pops_is_fibre_plus_hop_plus_access(graph):
    route = rtt_path(graph, (52.37403, 4.88969), (50.11552, 8.68417), params=PARAMS)
    expected = 2 * 4.9 * 450 / 1000 + 0.5 + 2 * 2.0
    assert route.rtt_ms == pytest.approx(expected)
    assert route.nodes == ("ams", "fra")
    assert route.backbone_km == pytest.approx(450.0)
    assert route.access_km == pytest.approx((0.0, 0.0), abs=1e-9)


def test_matrix_shape_labels_and_type(graph):
    hubs, sites = _points(7, 1), _points(5, 2)
    hubs.index.name, sites.index.name = "hub_id", "site_id"
    matrix = rtt_matrix(graph, hubs, sites, params=PARAMS)
    assert matrix.shape == (7, 5)
    assert matrix.index.equals(hubs.index) and matrix.columns.equals(sites.index)
    assert matrix.index.name == "hub_id" and matrix.columns.name == "site_id"
    assert (matrix.dtypes == "float64").all()


def test_matrix_matches_path_and_pair_functions(graph):
    hubs, sites = _points(6, 3), _points(4, 4)
    matrix = rtt_matrix(graph, hubs, sites, params=PARAMS)
    for hub in hubs.index:
        for site in sites.index:
            route = rtt_path(
                graph,
                tuple(hubs.loc[hub, ["lat", "lon"]]),
                tuple(sites.loc[site, ["lat", "lon"]]),
                params=PARAMS,
            )
            assert matrix.loc[hub, site] == pytest.approx(route.rtt_ms)
    pairs = pd.DataFrame(
        {
            "from_lat": hubs["lat"].to_numpy()[:4],
            "from_lon": hubs["lon"].to_numpy()[:4],
            "to_lat": sites["lat"].to_numpy(),
            "to_lon": sites["lon"].to_numpy(),
        }
    )
    diagonal = [matrix.iloc[i, i] for i in range(4)]
    assert pair_rtt(graph, pairs, params=PARAMS) == pytest.approx(diagonal)


def test_isolated_pop_is_not_used_for_access(graph):
    madrid = (40.4165, -3.70256)
    route = rtt_path(graph, madrid, (48.85341, 2.3488), params=PARAMS)
    assert route.nodes == ("par",)
    assert route.access_km[0] == pytest.approx(
        1.2 * haversine_km(*madrid, 48.85341, 2.3488)
    )


def test_symmetry(graph):
    points = _points(40, 5)
    matrix = rtt_matrix(graph, points, points, params=PARAMS).to_numpy()
    np.testing.assert_allclose(matrix, matrix.T, rtol=0, atol=1e-9)


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(34, 71), st.floats(-25, 35)),
        min_size=3,
        max_size=12,
    )
)
def test_no_rtt_below_physical_bound_and_triangle_inequality(points):
    graph = backbone_graph(_nodes(), _links(), params=PARAMS)
    frame = pd.DataFrame(points, columns=["lat", "lon"])
    matrix = rtt_matrix(graph, frame, frame, params=PARAMS).to_numpy()
    bound = 2 * _gc_between(frame, frame) * 4.9 / 1000
    assert (matrix >= bound - 1e-9).all()
    # RTT(i, k) <= RTT(i, j) + RTT(j, k) for every i, j, k
    through = matrix[:, :, None] + matrix[None, :, :]
    assert (matrix[:, None, :] <= through + 1e-9).all()


def test_cut_link_raises_rtt_of_pairs_that_used_it_and_no_other(graph):
    points = _points(30, 6)
    before = rtt_matrix(graph, points, points, params=PARAMS)
    cut = backbone_graph(
        _nodes(), _links(), params=PARAMS, removed_links=[("fra", "ams")]
    )
    after = rtt_matrix(cut, points, points, params=PARAMS)
    used = np.zeros(before.shape, dtype=bool)
    for i, a in enumerate(points.index):
        for j, b in enumerate(points.index):
            nodes = rtt_path(
                graph,
                tuple(points.loc[a, ["lat", "lon"]]),
                tuple(points.loc[b, ["lat", "lon"]]),
                params=PARAMS,
            ).nodes
            used[i, j] = any(
                {u, v} == {"ams", "fra"}
                for u, v in zip(nodes[:-1], nodes[1:], strict=True)
            )
    assert used.any()
    assert (after.to_numpy()[used] > before.to_numpy()[used] + 1e-9).all()
    np.testing.assert_allclose(after.to_numpy()[~used], before.to_numpy()[~used])


def test_cut_pop_moves_its_users_to_the_next_nearest_pop(graph):
    near_paris = (48.9, 2.4)
    cut = backbone_graph(_nodes(), _links(), params=PARAMS, removed_nodes=["par"])
    before = rtt_path(graph, near_paris, (50.11552, 8.68417), params=PARAMS)
    after = rtt_path(cut, near_paris, (50.11552, 8.68417), params=PARAMS)
    assert before.nodes[0] == "par"
    assert after.nodes[0] != "par" and "par" not in after.nodes
    assert after.rtt_ms > before.rtt_ms


def _synthetic_measurements(graph, params, groups=("a",)) -> pd.DataFrame:
    """12 point pairs per source group, RTTs made by the model itself."""
    points = _points(24, 7)
    frames = []
    for number, group in enumerate(groups):
        pairs = pd.DataFrame(
            {
                "pair_id": np.arange(1, 13) + 12 * number,
                "from_name": points.index[:12],
                "from_lat": points["lat"].to_numpy()[:12],
                "from_lon": points["lon"].to_numpy()[:12],
                "to_name": points.index[12:],
                "to_lat": points["lat"].to_numpy()[12:],
                "to_lon": points["lon"].to_numpy()[12:],
                "statistic": "median",
                "period": "synthetic",
                "source_group": group,
                "source": "test",
            }
        )
        pairs["rtt_ms"] = pair_rtt(graph, pairs, params=params)
        frames.append(pairs)
    return pd.concat(frames, ignore_index=True)


def test_calibration_recovers_parameters_that_generated_the_data():
    truth = _scenario_params().model_copy(
        update={
            "route_factor": 1.7,
            "hop_delay_ms": 1.5,
            "access_delay_ms": 3.0,
            "access_route_factor": 1.5,
        }
    )
    graph = backbone_graph(_nodes(), _links(), params=truth)
    measured = _synthetic_measurements(graph, truth)
    fitted = calibrate(_nodes(), _links(), measured, params=_scenario_params())
    assert fitted.route_factor == pytest.approx(1.7)
    assert fitted.hop_delay_ms == pytest.approx(1.5)
    assert fitted.access_delay_ms == pytest.approx(3.0)
    assert fitted.access_route_factor == pytest.approx(1.5)
    refit = backbone_graph(_nodes(), _links(), params=fitted)
    np.testing.assert_allclose(
        pair_rtt(refit, measured, params=fitted), measured["rtt_ms"], rtol=1e-9
    )


def test_calibration_ignores_rows_that_are_not_medians():
    params = _scenario_params()
    graph = backbone_graph(_nodes(), _links(), params=params)
    measured = _synthetic_measurements(graph, params)
    tail = measured.assign(statistic="p95", rtt_ms=measured["rtt_ms"] * 3)
    both = pd.concat([measured, tail], ignore_index=True)
    fitted = calibrate(_nodes(), _links(), both, params=params)
    assert fitted == calibrate(_nodes(), _links(), measured, params=params)
    with pytest.raises(InputError, match="median"):
        calibrate(_nodes(), _links(), tail, params=params)


def test_measurement_table_is_complete_and_sourced():
    table = pd.read_csv(REPO / "data" / "latency_measurements.csv")
    sources = set(pd.read_csv(REPO / "data" / "sources.csv")["id"])
    assert table["pair_id"].is_unique
    assert table["statistic"].isin(["median", "p50", "mean"]).all()
    medians = table[table["statistic"].isin(["median", "p50"])]
    assert len(medians) >= 150
    assert medians["source_group"].nunique() >= 3
    for column in ("period", "source_group", "source"):
        assert (table[column].astype(str).str.strip() != "").all()
    assert (table["rtt_ms"] > 0).all()
    for column in ("from_lat", "to_lat"):
        assert table[column].between(34, 72).all()
    for column in ("from_lon", "to_lon"):
        assert table[column].between(-25, 35).all()
    cited = {s for cell in table["source"] for s in cell.split(";")}
    assert cited <= sources
    bound = (
        2
        * 4.9
        / 1000
        * haversine_km(
            table["from_lat"], table["from_lon"], table["to_lat"], table["to_lon"]
        )
    )
    assert (table["rtt_ms"] >= bound).all()


def _scenario_params() -> Network:
    return load_scenario().network


@pytest.fixture
def data_folder(tmp_path):
    nodes = _nodes().reset_index()
    nodes["country"], nodes["kind"], nodes["source"] = "XX", "geant_pop", "test"
    nodes.to_csv(tmp_path / "backbone_nodes.csv", index=False)
    links = _links()
    links["source"] = "test"
    links.to_csv(tmp_path / "backbone_links.csv", index=False)
    hubs = pd.DataFrame(
        [("xx-vienna", "Vienna", "AT", 48.2, 16.4, 1000)],
        columns=["hub_id", "name", "country", "lat", "lon", "population"],
    )
    hubs.to_csv(tmp_path / "hubs.csv", index=False)
    graph = backbone_graph(_nodes(), _links(), params=_scenario_params())
    _synthetic_measurements(graph, _scenario_params(), groups=("a", "b")).to_csv(
        tmp_path / "latency_measurements.csv", index=False
    )
    return tmp_path


def test_cli_prints_rtt_and_path(data_folder):
    runner = CliRunner()
    args = ["--data-dir", str(data_folder), "52.37403,4.88969", "Vienna"]
    result = runner.invoke(latency, args)
    assert result.exit_code == 0, result.output
    params = _scenario_params()
    graph = backbone_graph(_nodes(), _links(), params=params)
    route = rtt_path(graph, (52.37403, 4.88969), (48.2, 16.4), params=params)
    assert f"{route.rtt_ms:.1f} ms round trip (modelled median)" in result.output
    result = runner.invoke(latency, [*args, "--json"])
    payload = json.loads(result.output)
    assert payload["rtt_ms"] == pytest.approx(route.rtt_ms)
    assert payload["statistic"] == "median"
    assert payload["nodes"] == list(route.nodes)
    assert payload["to"]["name"] == "xx-vienna (Vienna)"


def test_cli_cut_link_changes_the_path(data_folder):
    runner = CliRunner()
    args = [
        "--data-dir",
        str(data_folder),
        "--json",
        "52.37403,4.88969",
        "50.11552,8.68417",
    ]
    whole = json.loads(runner.invoke(latency, args).output)
    cut = json.loads(runner.invoke(latency, [*args, "--cut-link", "ams:fra"]).output)
    assert whole["nodes"] == ["ams", "fra"]
    assert cut["nodes"] != ["ams", "fra"] and cut["rtt_ms"] > whole["rtt_ms"]


def test_cli_validate_prints_the_leave_one_source_out_table(data_folder):
    args = ["--data-dir", str(data_folder), "--validate"]
    result = CliRunner().invoke(latency, args)
    assert result.exit_code == 0, result.output
    lines = [line.split() for line in result.output.splitlines()]
    rows = [line for line in lines if line and line[0] in ("a", "b")]
    # two held-out rows, then two in-sample rows; the model made the data: no error
    assert len(rows) == 4
    for row in rows:
        assert row[1] == "12" and row[2:5] == ["0.0", "+0.0", "0.0"]
    assert rows[0][-1] == rows[1][-1] == "met"
    payload = json.loads(CliRunner().invoke(latency, [*args, "--json"]).output)
    assert payload["statistic"] == "median" and payload["pairs"] == 24
    held_out = {row["source_group"]: row for row in payload["leave_one_source_out"]}
    assert set(held_out) == {"a", "b"}
    assert held_out["a"]["model_median_abs_pct"] == pytest.approx(0.0, abs=1e-6)
    assert held_out["a"]["rule_median_abs_pct"] > 0


def test_cli_calibrate_prints_fitted_parameters(data_folder):
    args = ["--data-dir", str(data_folder), "--calibrate", "--json"]
    payload = json.loads(CliRunner().invoke(latency, args).output)
    assert payload["fitted_params"] == _scenario_params().model_dump()
    result = CliRunner().invoke(latency, [*args[:-1], "--cut-link", "ams:fra"])
    assert result.exit_code == 2


def test_cli_user_errors_exit_2(data_folder):
    runner = CliRunner()
    result = runner.invoke(
        latency, ["--data-dir", str(data_folder), "nowhere", "Vienna"]
    )
    assert result.exit_code == 2 and "nowhere" in result.output
    result = runner.invoke(latency, ["--data-dir", str(data_folder), "Vienna"])
    assert result.exit_code == 2


def test_packaged_backbone_gives_finite_rtts_above_the_bound():
    folder = REPO / "data"
    from siting.data import read_table

    nodes = read_table(folder / "backbone_nodes.csv", "backbone_nodes")
    links = read_table(folder / "backbone_links.csv", "backbone_links")
    hubs = read_table(folder / "hubs.csv", "hubs")
    sites = read_table(folder / "candidates.csv", "candidates")
    graph = backbone_graph(nodes, links, params=_scenario_params())
    matrix = rtt_matrix(graph, hubs, sites, params=_scenario_params())
    assert np.isfinite(matrix.to_numpy()).all()
    assert (matrix.to_numpy() >= 2 * _gc_between(hubs, sites) * 4.9 / 1000).all()
