"""Malformed inputs for the fuzz suite (tests/test_fuzz_*.py), and the one check every
case must pass: exit status 2, an ``Error:`` line naming the file or option and the
field, no traceback, the previous outputs untouched and no hidden file left behind.

A :class:`Case` says how to break a copy of the tiny data, the scenario or the command
line, and what the message must name; :func:`workspace` gives each case a fresh copy
beside an ``out`` folder holding an earlier run's outputs (:data:`PREVIOUS`).
"""

from __future__ import annotations

import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from shutil import copytree

import pandas as pd
from click.testing import CliRunner
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from siting.cli import main
from siting.data import SCHEMAS, TABLE_FILES
from siting.data.tables import OPTIONAL
from tests.conftest import TINY

#: Settings of every fuzz test: the same cases on every run, no per-case deadline.
FUZZ = settings(
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

#: Values that break a column of each kind.
INVALID = {
    "lat": ["abc", "nan", "95", "-91", "1e400", ""],
    "lon": ["abc", "inf", "181", "-200", ""],
    "temperature": ["abc", "nan", "75", "-80", ""],
    "positive": ["0", "-5", "abc", "nan", "1e30", ""],
    "nonnegative": ["-1", "abc", "nan", "1e30", ""],
    "fraction": ["1.5", "-0.1", "abc", ""],
    "id": [""],
    "country_id": ["", "greece", "G1"],
    "country": ["", "XX", "gr"],
    "str": [""],
    # optional columns may be blank, so blank breaks nothing there
    "optional_positive": ["0", "-5", "abc", "1e30"],
    "optional_nonnegative": ["-1", "abc", "1e30"],
    "optional_fraction": ["1.5", "-0.1", "abc"],
    "optional_year": ["1800", "abc", "3000"],
    "optional_lat": ["95", "abc"],
    "optional_lon": ["181", "abc"],
}


@dataclass(frozen=True)
class Case:
    """One malformed input: how to make it and what the message must name."""

    kind: str
    target: str
    detail: tuple
    names: tuple[str, ...]


def checked_columns(table: str) -> dict[str, str]:
    """The columns of a tiny table that are checked: its schema and the optional
    columns the file has (free text, which nothing breaks, left out)."""
    header = (TINY / TABLE_FILES[table]).read_text().splitlines()[0].split(",")
    optional = {c: k for c, k in OPTIONAL.get(table, {}).items() if c in header}
    return {c: k for c, k in {**SCHEMAS[table], **optional}.items() if k != "text"}


def _cell_cases(table: str) -> st.SearchStrategy[Case]:
    schema = checked_columns(table)
    return st.builds(
        lambda column, row, pick: Case(
            "cell",
            table,
            (column, row, INVALID[schema[column]][pick % len(INVALID[schema[column]])]),
            (TABLE_FILES[table], column),
        ),
        st.sampled_from(sorted(schema)),
        st.integers(0, 4),
        st.integers(0, 10),
    )


def data_cases(tables: list[str]) -> st.SearchStrategy[Case]:
    """Broken cells, dropped columns, empty, missing, mis-encoded, mis-quoted and
    repeated rows of ``tables``, and coordinates swapped or put at sea."""
    located = [t for t in tables if "lat" in SCHEMAS[t]]
    return st.one_of(
        *[_cell_cases(table) for table in tables],
        st.builds(
            lambda table, column: Case(
                "drop", table, (column,), (TABLE_FILES[table], column)
            ),
            st.sampled_from(tables),
            st.sampled_from(["lat", "country", "name"]),
        ).filter(lambda c: c.detail[0] in SCHEMAS[c.target]),
        st.builds(
            lambda table, op: Case(op, table, (), (TABLE_FILES[table],)),
            st.sampled_from(tables),
            st.sampled_from(["empty", "delete", "latin1", "quote", "duplicate"]),
        ),
        st.builds(
            lambda table, op: Case(op, table, (), (TABLE_FILES[table], "lat")),
            st.sampled_from([t for t in ("candidates", "hubs") if t in located]),
            st.sampled_from(["swap", "outside"]),
        ),
    )


#: What breaks a user's own candidates or hubs file, and the words it must name.
OWN_FILES = [
    ("mine.geojson", "broken", ("mine.geojson",)),
    ("mine.geojson", "not-collection", ("mine.geojson",)),
    ("mine.geojson", "line", ("mine.geojson",)),
    ("mine.geojson", "no-geometry", ("mine.geojson",)),
    ("mine.geojson", "no-id", ("mine.geojson",)),
    ("mine.geojson", "polygon", ("mine.geojson",)),
    ("mine.geojson", "at-sea", ("mine.geojson",)),
    ("mine.gpkg", "two-layers", ("mine.gpkg",)),
    ("mine.gpkg", "line", ("mine.gpkg", "geometry")),
    ("mine.gpkg", "empty", ("mine.gpkg",)),
    ("mine.zip", "no-shapefile", ("mine.zip",)),
    ("mine.fgb", "line", ("mine.fgb", "geometry")),
]

#: Scenario fields, values that break them, what the message names besides the file
#: and the first stage that refuses them: "load" (every command reads the scenario),
#: "data" (reading the data it names), "layers" (computing the layers), "problem"
#: (building the problem), "solve".
BAD_SCENARIO = [
    ("selection", "sites", "'five'", "selection.sites", "load"),
    ("selection", "sites", "0", "selection.sites", "load"),
    ("selection", "sites", "1.5", "selection.sites", "load"),
    ("selection", "sites", "9", "selection.sites", "problem"),
    ("selection", "per_country", "nan", "selection.per_country", "load"),
    ("selection", "per_country", "0", "selection.per_country", "load"),
    ("selection", "min_separation_km", "-10", "selection.min_separation_km", "load"),
    ("selection", "min_separation_km", "5000", "min_separation_km", "solve"),
    ("selection", "max_rtt_ms", "0", "selection.max_rtt_ms", "load"),
    ("selection", "max_rtt_ms", "3", "selection.max_rtt_ms", "problem"),
    ("selection", "forced", "['nowhere']", "selection.forced", "problem"),
    ("selection", "forced", "['fi-kajaani', 'fi-kajaani']", "selection.forced", "load"),
    ("selection", "forced", "['fr-paris', 'fr-marseille']", "--per-country", "problem"),
    ("selection", "excluded", "'fi-kajaani'", "selection.excluded", "load"),
    ("selection", "countries", "['XX']", "selection.countries", "layers"),
    ("selection", "online_by_year", "-1", "selection.online_by_year", "load"),
    ("selection", "online_by_year", "2027", "selection.online_by_year", "problem"),
    ("selection", "sitez", "3", "selection.sitez", "load"),
    ("selection", "campuses_max", "0", "selection.campuses_max", "load"),
    ("selection", "campuses_max", "5", "selection.campuses_max", "load"),
    ("selection", "campus_max_rtt_ms", "nan", "selection.campus_max_rtt_ms", "load"),
    ("selection", "campus_min_share", "0", "selection.campus_min_share", "load"),
    ("selection", "campus_share_step", "0.3", "campus_share_step", "load"),
    ("selection", "campus_overhead_eur_per_year", "-1", "campus_overhead", "load"),
    ("objective", "latency_eur_per_researcher_ms_year", "-1", "objective", "load"),
    ("objective", "latency_eur_per_researcher_ms_year", "nan", "objective", "load"),
    ("facility", "accelerators", "'many'", "facility.accelerators", "load"),
    ("facility", "accelerators", "2000000", "facility.accelerators", "problem"),
    ("facility", "utilisation", "1.5", "facility.utilisation", "load"),
    ("facility", "discount_rate", "-0.2", "facility.discount_rate", "load"),
    ("facility", "lifetime_years", "0", "facility.lifetime_years", "load"),
    ("energy", "carbon_price_eur_per_t", "inf", "energy.carbon_price", "load"),
    ("energy", "price_basis", "'spot'", "energy.price_basis", "load"),
    ("energy", "ppa_share", "1.5", "energy.ppa_share", "load"),
    ("energy", "ppa_share", "nan", "energy.ppa_share", "load"),
    ("energy", "ets_price_eur_per_t", "-1", "energy.ets_price_eur_per_t", "load"),
    ("energy", "carbon_adder_eur_per_t", "nan", "energy.carbon_adder", "load"),
    (
        "energy",
        "ppa_technology",
        "'fusion'\nprice_basis = 'ppa'",
        "energy.ppa_technology",
        "layers",
    ),
    ("zone_overrides.XX", "wholesale_eur_per_mwh", "50", "zone_overrides", "layers"),
    ("zone_overrides.FI", "wholesale_eur_per_mwh", "-50", "zone_overrides.FI", "load"),
    ("zone_overrides.FI", "wholesale_eur_per_mwh", "'x'", "zone_overrides.FI", "load"),
    ("zone_overrides.FI", "bogus", "1", "zone_overrides.FI.bogus", "load"),
    ("country_overrides.XX", "price_eur_per_mwh", "50", "country_overrides", "load"),
    ("country_overrides.FI", "price_eur_per_mwh", "-50", "country_overrides", "load"),
    ("country_overrides.FI", "price_eur_per_mwh", "50", "country_overrides", "load"),
    ("cooling", "technology", "'immersion'", "cooling.technology", "load"),
    ("cooling", "daily_swing_c", "[1, 2]", "cooling.daily_swing_c", "load"),
    ("cooling", "water_price_eur_per_m3", "1e308", "[cooling]", "problem"),
    ("cooling.air", "pue_free", "0.5", "cooling.air", "load"),
    ("grid", "plant_share", "2", "grid.plant_share", "load"),
    ("grid", "capacity_mw_by_kv", "{abc = 10}", "capacity_mw_by_kv", "load"),
    ("grid", "reinforcement_eur_per_mw", "1e308", "[grid]", "problem"),
    ("grid", "base_year", "3000", "grid.base_year", "load"),
    ("sites", "default_max_mw", "0", "sites.default_max_mw", "load"),
    ("sites.max_mw_by_kind", "rocket", "5", "sites.max_mw_by_kind", "layers"),
    ("capex", "land_ha_per_mw", "-1", "capex.land_ha_per_mw", "load"),
    ("connectivity", "route_factor", "0.5", "connectivity.route_factor", "load"),
    ("network", "fibre_us_per_km", "0", "network.fibre_us_per_km", "load"),
    ("network", "hop_delay_ms", "'fast'", "network.hop_delay_ms", "load"),
    ("network", "route_factor", "inf", "network.route_factor", "load"),
    ("solver", "name", "'gurobi'", "solver.name", "load"),
    ("solver", "time_limit_s", "-5", "solver.time_limit_s", "load"),
    ("solver", "time_limit_s", "nan", "solver.time_limit_s", "load"),
    ("uncertainty", "seed", "-1", "uncertainty.seed", "load"),
    ("uncertainty.pue_overhead", "distribution", "'cauchy'", "pue_overhead", "load"),
    ("uncertainty.pue_overhead", "spread", "-1", "pue_overhead.spread", "load"),
    ("data", "price_band", "'X'", "data.price_band", "load"),
    ("data", "price_semester", "'2025'", "data.price_semester", "load"),
    ("data", "candidates", "'nothere.csv'", "data.candidates", "data"),
    ("data", "hubs", "'nothere.gpkg'", "data.hubs", "data"),
    ("data", "placement_tolerance_km", "-1", "data.placement_tolerance_km", "load"),
    ("bogus", "x", "1", "bogus", "load"),
]

STAGES = ("load", "data", "layers", "problem", "solve")


def scenario_cases(last_stage: str) -> list[Case]:
    """Broken scenario fields refused at ``last_stage`` or before, and broken TOML."""
    reached = STAGES[: STAGES.index(last_stage) + 1]
    fields = [
        Case("scenario", entry[0], entry[1:3], ("scenario.toml", entry[3]))
        for entry in BAD_SCENARIO
        if entry[4] in reached
    ]
    texts = ["[selection\nsites = 3\n", "sites = = 3\n", "\xff\xfe"]
    return fields + [
        Case("scenario-text", "scenario", (text,), ("scenario.toml",)) for text in texts
    ]


#: Every broken own candidates or hubs file.
OWN_FILE_CASES = [
    Case("own", table, entry[:2], entry[2])
    for table in ("candidates", "hubs")
    for entry in OWN_FILES
]


def option_cases(options: list[tuple[tuple[str, ...], str]]) -> list[Case]:
    """Command-line arguments (each with the option the message must name)."""
    return [Case("args", "", args, (option,)) for args, option in options]


def case_id(case: Case) -> str:
    """A short readable id of a case for pytest."""
    return "-".join(str(part) for part in (case.kind, case.target, *case.detail))[:60]


def _previous_results() -> dict[str, bytes]:
    folder = Path(tempfile.mkdtemp()) / "out"
    args = ["optimise", "--out", str(folder), "--data-dir", str(TINY)]
    assert CliRunner().invoke(main, [*args, "--sites", "3", "-q"]).exit_code == 0
    return {path.name: path.read_bytes() for path in folder.iterdir()}


#: The outputs of an earlier run on the tiny data, in every case's ``out`` folder.
PREVIOUS = _previous_results()


@dataclass(frozen=True)
class Workspace:
    """A case's copy of the tiny data, its scenario file and the ``out`` folder."""

    root: Path
    data: Path
    scenario: Path
    out: Path


@contextmanager
def workspace() -> Iterator[Workspace]:
    """A fresh copy of the tiny data, a scenario naming it (3 sites) and an ``out``
    folder holding :data:`PREVIOUS`; all deleted afterwards."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        data = root / "data"
        copytree(TINY, data)
        scenario = root / "scenario.toml"
        scenario.write_text(f"[data]\ndir = '{data}'\n[selection]\nsites = 3\n")
        out = root / "out"
        out.mkdir()
        for name, content in PREVIOUS.items():
            (out / name).write_bytes(content)
        yield Workspace(root, data, scenario, out)


def apply(case: Case, space: Workspace) -> list[str]:
    """Break the workspace's data or scenario as ``case`` says; return the extra
    command-line arguments it needs."""
    path = space.data / TABLE_FILES.get(case.target, "none")
    if case.kind == "cell":
        column, row, value = case.detail
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        row = row % len(frame)
        if checked_columns(case.target)[column] == "id" and value == "":
            value = frame[column].iloc[(row + 1) % len(frame)]  # a duplicate id
        frame.loc[row, column] = value
        frame.to_csv(path, index=False)
    elif case.kind == "drop":
        frame = pd.read_csv(path, dtype=str)
        frame.drop(columns=[case.detail[0]]).to_csv(path, index=False)
    elif case.kind == "empty":
        path.write_text(path.read_text().splitlines()[0] + "\n")
    elif case.kind == "delete":
        path.unlink()
    elif case.kind == "latin1":
        path.write_bytes(path.read_bytes().replace(b"\n", b"\xe9\xff\n", 2))
    elif case.kind == "quote":
        lines = path.read_text().splitlines()
        path.write_text("\n".join([lines[0], '"' + lines[1], *lines[2:]]) + "\n")
    elif case.kind == "duplicate":
        lines = path.read_text().splitlines()
        path.write_text("\n".join([*lines, lines[1]]) + "\n")
    elif case.kind in ("swap", "outside"):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        if case.kind == "swap":
            frame.loc[0, ["lat", "lon"]] = frame.loc[0, ["lon", "lat"]].to_numpy()
        else:
            frame.loc[0, ["lat", "lon"]] = ["0.5", "-30.0"]
        frame.to_csv(path, index=False)
    elif case.kind == "own":
        name, op = case.detail
        mine = own_file(space.root / name, case.target, op)
        return [f"--{case.target}", str(mine)]
    elif case.kind == "scenario":
        section, (field, value) = case.target, case.detail
        text = space.scenario.read_text()
        if section == "data":  # one [data] table already names the data folder
            text = text.replace("[selection]", f"{field} = {value}\n[selection]")
        elif section == "selection":  # the default 5 sites, with this field
            text = text.replace("sites = 3\n", f"{field} = {value}\n")
        else:
            text += f"[{section}]\n{field} = {value}\n"
        space.scenario.write_text(text)
    elif case.kind == "scenario-text":
        space.scenario.write_bytes(case.detail[0].encode("latin-1"))
    elif case.kind == "args":
        return list(case.detail)
    return []


def own_file(path: Path, table: str, op: str) -> Path:
    """A user's candidates or hubs file broken by ``op`` (see :data:`OWN_FILES`)."""
    import geopandas as gpd

    if path.suffix == ".geojson":
        path.write_text(_broken_geojson(op, table))
        return path
    if path.suffix == ".zip":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("readme.txt", "no shapefile here")
        return path
    id_column = "site_id" if table == "candidates" else "hub_id"
    wkt = (
        "LINESTRING (24 60, 25 61)" if op in ("line", "two-layers") else "POINT (24 60)"
    )
    frame = gpd.GeoDataFrame(
        {id_column: ["a"], "name": ["A"], "country": ["FI"], "population": [1000]},
        geometry=gpd.GeoSeries.from_wkt([wkt]),
        crs="EPSG:4326",
    )
    if op == "empty":
        frame = frame.iloc[:0]
    if path.suffix == ".gpkg":
        layers = ("sites", "other") if op == "two-layers" else (table,)
        for layer in layers:
            frame.to_file(path, layer=layer)
    else:
        frame.to_file(path, driver="FlatGeobuf")
    return path


def _broken_geojson(op: str, table: str) -> str:
    id_column = "site_id" if table == "candidates" else "hub_id"
    point = '{"type": "Point", "coordinates": [24.9, 60.2]}'
    props = (
        f'{{"{id_column}": "a", "name": "A", "country": "FI", "kind": "dc_campus", '
        '"population": 1000}'
    )

    def collection(geometry: str, properties: str = props) -> str:
        return (
            '{"type": "FeatureCollection", "features": [{"type": "Feature", '
            f'"geometry": {geometry}, "properties": {properties}}}]}}'
        )

    return {
        "broken": '{"type": "FeatureCollection", "features": [',
        "not-collection": '{"type": "Feature"}',
        "line": collection('{"type": "LineString", "coordinates": [[1, 2], [3, 4]]}'),
        "polygon": collection(
            '{"type": "Polygon", "coordinates": [[[24, 60], [25, 60], [25, 61], '
            "[24, 60]]]}"
        ),
        "no-geometry": collection("null"),
        "no-id": collection(point, '{"name": "A", "country": "FI"}'),
        "at-sea": collection('{"type": "Point", "coordinates": [-30.0, 0.5]}'),
    }[op]


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file of ``folder`` by name, with its bytes."""
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def assert_refused(
    args: list[str],
    case: Case,
    space: Workspace,
    *,
    before: dict[str, bytes] | None = None,
) -> str:
    """Run ``siting`` with ``args`` and check the refusal; returns the message.

    The exit status is 2, the output has an ``Error:`` line, no traceback and every
    word of ``case.names``; ``out`` holds what it held (``before``, else
    :data:`PREVIOUS`) and no hidden staging file is left anywhere.
    """
    result = CliRunner().invoke(main, args)
    message = result.output
    assert result.exit_code == 2, (case, message, result.exception)
    assert isinstance(result.exception, SystemExit), (case, result.exception)
    assert "Error: " in message, (case, message)
    assert "Traceback" not in message
    for name in case.names:
        assert name in message, (case, message)
    assert snapshot(space.out) == (PREVIOUS if before is None else before)
    hidden = [p.name for p in space.root.rglob(".*")]
    assert hidden == [], (case, hidden)
    return message
