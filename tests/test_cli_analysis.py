"""``siting pareto``, ``alternatives`` and ``robustness`` through click's CliRunner."""

import json

import pandas as pd
from click.testing import CliRunner

from siting.cli import main


def _run(args):
    return CliRunner().invoke(main, args, catch_exceptions=False)


def _tiny(tiny_dir):
    return ["--data-dir", str(tiny_dir), "--sites", "3"]


def test_pareto_writes_the_front(tmp_path, tiny_dir):
    out = tmp_path / "front"
    result = _run(["pareto", "--out", str(out), *_tiny(tiny_dir)])
    assert result.exit_code == 0, result.output
    front = pd.read_csv(out / "pareto.csv", index_col="point")
    assert "Pareto front: " + str(len(front)) in result.output
    assert front["end"].iloc[0] == "min_cost"
    assert front["end"].iloc[-1] == "min_latency"
    assert (out / "pareto.png").stat().st_size > 0


def test_pareto_gives_the_same_front_with_one_worker(tmp_path, tiny_dir):
    fronts = []
    for workers in ("1", "3"):
        out = tmp_path / workers
        args = ["pareto", "--workers", workers, "--out", str(out), "-q"]
        assert _run([*args, *_tiny(tiny_dir)]).exit_code == 0
        fronts.append(pd.read_csv(out / "pareto.csv", index_col="point"))
    pd.testing.assert_frame_equal(fronts[0], fronts[1])


def test_pareto_with_carbon(tmp_path, tiny_dir):
    out = tmp_path / "front"
    plain = tmp_path / "plain"
    assert _run(["pareto", "--out", str(plain), "-q", *_tiny(tiny_dir)]).exit_code == 0
    result = _run(["pareto", "--with-carbon", "--out", str(out), *_tiny(tiny_dir)])
    assert result.exit_code == 0, result.output
    three = pd.read_csv(out / "pareto.csv")
    two = pd.read_csv(plain / "pareto.csv")
    assert set(two["site_ids"]) <= set(three["site_ids"])


def test_alternatives_lists_k(tmp_path, tiny_dir):
    out = tmp_path / "alt"
    result = _run(["alternatives", "--k", "4", "--out", str(out), *_tiny(tiny_dir)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "alternatives.csv", index_col="rank")
    assert list(table.index) == [1, 2, 3, 4]
    assert table["objective_eur_per_year"].is_monotonic_increasing
    assert "4 best portfolios" in result.output


def test_robustness_serial_writes_its_files(tmp_path, tiny_dir):
    out = tmp_path / "mc"
    args = ["robustness", "--samples", "5", "--serial", "--out", str(out)]
    result = _run([*args, *_tiny(tiny_dir), "--seed", "3"])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "robustness.json").read_text())
    assert summary["samples"] == 5 and summary["solved"] == 5
    assert summary["seed"] == 3
    assert summary["lost"] == [] and summary["failures"] == []
    assert "least worst-case regret" in result.output
    report = (out / "report.md").read_text()
    share = summary["nominal"]["share_optimal"]
    assert report.startswith("# Robustness of the siting")
    assert "Over 5 of 5 sampled scenarios (seed 3)" in report
    assert f"is optimal in **{share:.0%}** of samples" in report
    p95 = summary["nominal"]["regret_eur_per_year"]["p95"]
    assert f"**EUR {p95 / 1e6:,.1f} m/yr at the 95th percentile**" in report


def test_non_empty_out_is_refused(tmp_path, tiny_dir):
    (tmp_path / "keep.txt").write_text("x")
    result = _run(
        ["alternatives", "--k", "2", "--out", str(tmp_path), *_tiny(tiny_dir)]
    )
    assert result.exit_code == 2
    assert "--force" in result.output
