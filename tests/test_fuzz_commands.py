"""Malformed inputs for the commands that do not optimise: latency, check, data check
and data fetch (which never reaches the network here: downloading is replaced by a
stub that fails the test). Each case exits with status 2 and one clear message
naming the file or option and the field, no traceback, and the files it was given
as they were (tests/fuzz.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from unittest import mock

import pytest
from click.testing import CliRunner
from hypothesis import given, settings

from siting.cli import main
from siting.data import TABLE_FILES
from tests.conftest import ROOT
from tests.fuzz import (
    FUZZ,
    OWN_FILE_CASES,
    PREVIOUS,
    Case,
    Workspace,
    apply,
    assert_refused,
    case_id,
    data_cases,
    option_cases,
    scenario_cases,
    snapshot,
    workspace,
)

#: The tables ``siting latency`` reads between a site and a hub given by id.
LATENCY_TABLES = ["backbone_nodes", "backbone_links", "candidates", "hubs"]
LATENCY_OPTIONS = [
    (("nowhere", "helsinki"), "'nowhere'"),
    (("95,200", "helsinki"), "'95,200'"),
    (("nan,nan", "helsinki"), "'nan,nan'"),
    (("", "helsinki"), "''"),
    (("helsinki",), "FROM and TO"),
    (("a", "b", "c"), "FROM and TO"),
    (("--validate", "helsinki", "oulu"), "--validate"),
    (("--validate", "--cut-pop", "helsinki"), "--cut-pop"),
    (("--validate",), "latency_measurements.csv"),
    (("helsinki", "fi-kajaani", "--cut-link", "a"), "--cut-link"),
    (("helsinki", "fi-kajaani", "--cut-link", "a:b:c"), "--cut-link"),
    (("helsinki", "fi-kajaani", "--cut-link", "x:y"), "no link x-y"),
    (("helsinki", "fi-kajaani", "--cut-pop", "zzz"), "no PoP zzz"),
]


def _latency(case: Case) -> None:
    with workspace() as space:
        extra = apply(case, space)
        ends = [] if case.kind == "args" else ["fi-kajaani", "helsinki"]
        args = ["latency", "--scenario", str(space.scenario), *ends, *extra]
        assert_refused(args, case, space)


@pytest.mark.parametrize(
    "case",
    [*option_cases(LATENCY_OPTIONS), *scenario_cases("data"), *OWN_FILE_CASES],
    ids=case_id,
)
def test_latency_refuses_each_bad_end_option_field_and_file(case: Case) -> None:
    _latency(case)


@settings(FUZZ, max_examples=40)
@given(data_cases(LATENCY_TABLES))
def test_latency_refuses_malformed_tables(case: Case) -> None:
    _latency(case)


def _edit_result(change: Callable[[dict], object]) -> Callable[[Path], None]:
    def edit(out: Path) -> None:
        document = json.loads((out / "result.json").read_text())
        change(document)
        (out / "result.json").write_text(json.dumps(document))

    return edit


def _write(name: str, content: str | bytes) -> Callable[[Path], None]:
    def write(out: Path) -> None:
        if isinstance(content, bytes):
            (out / name).write_bytes(content)
        else:
            (out / name).write_text(content)

    return write


def _hub_properties(change: Callable[[list], object]) -> Callable[[Path], None]:
    def edit(out: Path) -> None:
        document = json.loads((out / "hubs.geojson").read_text())
        change(document["features"])
        (out / "hubs.geojson").write_text(json.dumps(document))

    return edit


def _gpkg_only(content: bytes) -> Callable[[Path], None]:
    def damage(out: Path) -> None:
        (out / "hubs.geojson").unlink()
        (out / "result.gpkg").write_bytes(content)

    return damage


NEEDED = ["scenario", "scenario_sha256", "data_sha256", "selected"]
#: Damage to a run folder that ``siting check`` must refuse, and what it names.
BROKEN_RUNS: dict[str, tuple[Callable[[Path], None], tuple[str, ...]]] = {
    "no-result": (lambda out: (out / "result.json").unlink(), ("result.json",)),
    "truncated": (_write("result.json", '{"status": '), ("result.json", "JSON")),
    "latin1": (_write("result.json", b"\xff\xfe{}"), ("result.json", "JSON")),
    "a-list": (_write("result.json", "[1, 2]"), ("result.json", "object")),
    "a-string": (
        _write("result.json", json.dumps(" ".join(NEEDED))),
        ("result.json", "object"),
    ),
    **{
        f"no-{field}": (
            _edit_result(lambda d, f=field: d.pop(f)),
            ("result.json", field),
        )
        for field in [*NEEDED, "objective_eur_per_year"]
    },
    "selected-number": (
        _edit_result(lambda d: d.update(selected=5)),
        ("result.json", "'selected'"),
    ),
    "selected-without-id": (
        _edit_result(lambda d: d["selected"][0].pop("site_id")),
        ("result.json", "'selected'"),
    ),
    "objective-text": (
        _edit_result(lambda d: d.update(objective_eur_per_year="cheap")),
        ("result.json", "objective_eur_per_year"),
    ),
    "scenario-number": (
        _edit_result(lambda d: d.update(scenario=5)),
        ("result.json", "'scenario'"),
    ),
    "scenario-field": (
        _edit_result(lambda d: d["scenario"]["selection"].update(sites="five")),
        ("result.json", "selection.sites"),
    ),
    "scenario-unknown": (
        _edit_result(lambda d: d["scenario"].update(bogus=1)),
        ("result.json", "bogus"),
    ),
    "no-hubs": (lambda out: (out / "hubs.geojson").unlink(), ("hubs.geojson",)),
    "hubs-truncated": (_write("hubs.geojson", '{"type": "Fea'), ("hubs.geojson",)),
    "hubs-feature": (
        _write("hubs.geojson", '{"type": "Feature"}'),
        ("hubs.geojson", "FeatureCollection"),
    ),
    "hubs-no-site": (
        _hub_properties(lambda fs: [f["properties"].pop("site_id") for f in fs]),
        ("hubs.geojson", "site_id"),
    ),
    "hubs-blank-id": (
        _hub_properties(lambda fs: fs[0]["properties"].update(hub_id="")),
        ("hubs.geojson", "hub_id"),
    ),
    "hubs-repeated": (_hub_properties(lambda fs: fs.append(fs[0])), ("hub_id",)),
    "hubs-rtt-text": (
        _hub_properties(lambda fs: fs[0]["properties"].update(rtt_ms="far")),
        ("hubs.geojson", "rtt_ms"),
    ),
    "gpkg-garbage": (_gpkg_only(b"not a geopackage"), ("result.gpkg", "hubs")),
}


@pytest.mark.parametrize("name", sorted(BROKEN_RUNS))
def test_check_refuses_a_broken_run_folder(name: str) -> None:
    damage, names = BROKEN_RUNS[name]
    with workspace() as space:
        damage(space.out)
        before = snapshot(space.out)
        case = Case("run", name, (), names)
        assert_refused(["check", str(space.out)], case, space, before=before)


DATA_CHECK_OPTIONS = [
    (("--tolerance-km", "-1"), "--tolerance-km"),
    (("--tolerance-km", "nan"), "--tolerance-km"),
    (("--tolerance-km", "far"), "--tolerance-km"),
    (("--data-dir", "/nonexistent/folder"), "--data-dir"),
    (("--candidates", "/nonexistent.csv"), "--candidates"),
]


#: What ``siting data check`` reports as a problem it found (exit status 1), not as
#: a file it cannot read: a point outside its country.
MISPLACED = ("swap", "outside")


def _data_check(case: Case) -> None:
    with workspace() as space:
        extra = apply(case, space)
        args = ["data", "check", "--scenario", str(space.scenario), *extra]
        if case.kind not in MISPLACED and case.detail[1:] != ("at-sea",):
            assert_refused(args, case, space)
            return
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 1, (case, result.output, result.exception)
        assert "outside FI" in result.output, (case, result.output)
        for name in case.names:
            assert name in result.output, (case, result.output)
        assert snapshot(space.out) == PREVIOUS


@pytest.mark.parametrize(
    "case",
    [*option_cases(DATA_CHECK_OPTIONS), *scenario_cases("data"), *OWN_FILE_CASES],
    ids=case_id,
)
def test_data_check_refuses_each_bad_option_field_and_file(case: Case) -> None:
    _data_check(case)


@settings(FUZZ, max_examples=60)
@given(data_cases([name for name in TABLE_FILES if name != "sources"]))
def test_data_check_refuses_malformed_tables(case: Case) -> None:
    _data_check(case)


SAMPLE = ROOT / "tests" / "fixtures" / "eurostat" / "nrg_pc_205_sample.json"


def _json_stat(change: Callable[[dict], object]) -> str:
    document = json.loads(SAMPLE.read_text())
    change(document)
    return json.dumps(document)


#: Saved responses for --from-file that are not a usable nrg_pc_205 answer.
BAD_RESPONSES = {
    "truncated": '{"id": [',
    "latin1": b"\xff\xfe{}",
    "a-list": "[1, 2]",
    "no-id": _json_stat(lambda d: d.pop("id")),
    "short-size": _json_stat(lambda d: d.update(size=d["size"][:-1])),
    "size-text": _json_stat(lambda d: d.update(size=["a"] * len(d["size"]))),
    "no-geo": _json_stat(lambda d: d.update(id=[i for i in d["id"] if i != "geo"])),
    "value-text": _json_stat(
        lambda d: d.update(value=dict.fromkeys(d["value"], "dear"))
    ),
    "value-negative": _json_stat(
        lambda d: d.update(value=dict.fromkeys(d["value"], -0.1))
    ),
    "value-number": _json_stat(lambda d: d.update(value=5)),
    "no-values": _json_stat(lambda d: d.update(value={})),
    "index-text": _json_stat(
        lambda d: d["dimension"]["geo"]["category"].update(index="AT")
    ),
}
FETCH_OPTIONS = [
    (("--band", "MWH_HUGE"), "--band"),
    (("--semester", "2025"), "--semester"),
    (("--semester", "2025-S3"), "--semester"),
    (("--from-file", "/nonexistent.json"), "--from-file"),
    (("--scenario", "/nonexistent.toml"), "--scenario"),
    (("--from-file", str(SAMPLE), "--semester", "1999-S1"), "1999-S1"),
]


def _fetch(space: Workspace, extra: list[str], case: Case, out: Path) -> None:
    def offline(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("siting data fetch reached for the network")

    args = ["data", "fetch", "prices", "--scenario", str(space.scenario)]
    with mock.patch("siting.data.fetch.fetch_eurostat_prices", offline):
        assert_refused([*args, "--out", str(out), *extra], case, space)


@pytest.mark.parametrize("name", sorted(BAD_RESPONSES))
def test_data_fetch_refuses_a_bad_saved_response(name: str) -> None:
    with workspace() as space:
        saved = space.root / "response.json"
        content = BAD_RESPONSES[name]
        if isinstance(content, bytes):
            saved.write_bytes(content)
        else:
            saved.write_text(content)
        case = Case("response", name, (), ("response.json",))
        _fetch(space, ["--from-file", str(saved)], case, space.out / "prices.csv")


@pytest.mark.parametrize(
    "case",
    [
        *option_cases(FETCH_OPTIONS),
        *scenario_cases("load"),
    ],
    ids=case_id,
)
def test_data_fetch_refuses_each_bad_option_and_field(case: Case) -> None:
    with workspace() as space:
        _fetch(space, apply(case, space), case, space.out / "prices.csv")


@pytest.mark.parametrize(
    ("where", "names"),
    [
        ("folder", ("--out", "is a directory")),
        ("missing", ("does not exist",)),
        ("inside-a-file", ("does not exist",)),
    ],
)
def test_data_fetch_refuses_an_out_it_cannot_write(where: str, names) -> None:
    with workspace() as space:
        out = {
            "folder": space.out,
            "missing": space.root / "typo" / "prices.csv",
            "inside-a-file": space.out / "result.json" / "prices.csv",
        }[where]
        case = Case("out", where, (), names)
        _fetch(space, ["--from-file", str(SAMPLE)], case, out)
