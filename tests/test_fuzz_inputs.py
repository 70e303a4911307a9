"""Generated malformed scenarios and data files: each one gives exit status 2, one clear
message naming the file and the field, no traceback, and the output folder untouched."""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siting.cli import main
from siting.data import SCHEMAS, TABLE_FILES
from siting.data.tables import OPTIONAL
from tests.conftest import TINY

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

#: Scenario fields and values that break them.
BAD_SCENARIO = [
    ("selection", "sites", "'five'"),
    ("selection", "sites", "0"),
    ("selection", "sites", "1.5"),
    ("selection", "sites", "9"),  # more sites than member states allowed
    ("selection", "per_country", "nan"),
    ("selection", "min_separation_km", "-10"),
    ("selection", "max_rtt_ms", "0"),
    ("selection", "forced", "['nowhere']"),
    ("selection", "excluded", "'fi-kajaani'"),
    ("selection", "sitez", "3"),
    ("objective", "latency_eur_per_researcher_ms_year", "-1"),
    ("objective", "latency_eur_per_researcher_ms_year", "nan"),
    ("facility", "accelerators", "'many'"),
    ("facility", "utilisation", "1.5"),
    ("facility", "discount_rate", "-0.2"),
    ("energy", "carbon_price_eur_per_t", "inf"),
    ("cooling", "technology", "'immersion'"),
    ("cooling", "daily_swing_c", "[1, 2]"),
    ("cooling.air", "pue_free", "0.5"),
    ("grid", "plant_share", "2"),
    ("grid", "capacity_mw_by_kv", "{abc = 10}"),
    ("selection", "online_by_year", "-1"),
    ("sites", "default_max_mw", "0"),
    ("capex", "land_ha_per_mw", "-1"),
    ("connectivity", "route_factor", "0.5"),
    ("network", "fibre_us_per_km", "0"),
    ("network", "hop_delay_ms", "'fast'"),
    ("solver", "name", "'gurobi'"),
    ("solver", "time_limit_s", "-5"),
    ("bogus", "x", "1"),
    ("country_overrides.XX", "price_eur_per_mwh", "50"),
    ("country_overrides.FI", "price_eur_per_mwh", "-50"),
]


@dataclass(frozen=True)
class Case:
    """One malformed input: how to make it and what the message must name."""

    kind: str
    target: str
    detail: tuple
    names: tuple[str, ...]


def _checked(table: str) -> dict[str, str]:
    """The columns of a tiny table that are checked: its schema and the optional
    columns the file has (free text, which nothing breaks, left out)."""
    header = (TINY / TABLE_FILES[table]).read_text().splitlines()[0].split(",")
    optional = {c: k for c, k in OPTIONAL.get(table, {}).items() if c in header}
    return {c: k for c, k in {**SCHEMAS[table], **optional}.items() if k != "text"}


def _cell_cases(table: str) -> st.SearchStrategy[Case]:
    schema = _checked(table)
    columns = sorted(schema)
    return st.builds(
        lambda column, row, pick: Case(
            "cell",
            table,
            (column, row, INVALID[schema[column]][pick % len(INVALID[schema[column]])]),
            (TABLE_FILES[table],),
        ),
        st.sampled_from(columns),
        st.integers(0, 4),
        st.integers(0, 10),
    )


TABLES = [name for name in TABLE_FILES if name != "sources"]

cases = st.one_of(
    *[_cell_cases(table) for table in TABLES],
    st.builds(
        lambda table, column: Case(
            "drop", table, (column,), (TABLE_FILES[table], column)
        ),
        st.sampled_from(
            [
                "countries",
                "candidates",
                "hubs",
                "climate",
                "power_plants",
                "substations",
            ]
        ),
        st.sampled_from(["lat", "country", "name"]),
    ).filter(lambda c: c.detail[0] in SCHEMAS[c.target]),
    st.builds(
        lambda table, op: Case(op, table, (), (TABLE_FILES[table],)),
        st.sampled_from(TABLES),
        st.sampled_from(["empty", "delete", "latin1", "quote", "duplicate"]),
    ),
    st.builds(
        lambda table, op: Case(op, table, (), (TABLE_FILES[table], "lat")),
        st.sampled_from(["candidates", "hubs"]),
        st.sampled_from(["swap", "outside"]),
    ),
    st.builds(
        lambda op: Case("geojson", "candidates", (op,), ("mine.geojson",)),
        st.sampled_from(["broken", "not-collection", "line", "no-geometry", "no-id"]),
    ),
    st.builds(
        lambda op: Case("vector", "candidates", (op[0],), op),
        st.sampled_from(
            [
                ("mine.gpkg", "candidates"),
                ("mine.zip", "candidates"),
                ("mine.fgb", "geometry"),
            ]
        ),
    ),
    st.builds(
        lambda entry: Case("scenario", entry[0], entry[1:], ("scenario.toml",)),
        st.sampled_from(BAD_SCENARIO),
    ),
    st.builds(
        lambda text: Case("scenario-text", "scenario", (text,), ("scenario.toml",)),
        st.sampled_from(["[selection\nsites = 3\n", "sites = = 3\n", "\xff\xfe"]),
    ),
)


def _previous_results() -> dict[str, bytes]:
    folder = Path(tempfile.mkdtemp()) / "out"
    args = [
        "optimise",
        "--out",
        str(folder),
        "--data-dir",
        str(TINY),
        "--sites",
        "3",
        "-q",
    ]
    assert CliRunner().invoke(main, args).exit_code == 0
    return {path.name: path.read_bytes() for path in folder.iterdir()}


PREVIOUS = _previous_results()


def _apply(case: Case, data: Path, scenario: Path) -> list[str]:
    """Break the copy of the data or the scenario; return extra CLI arguments."""
    scenario.write_text(f"[data]\ndir = '{data}'\n[selection]\nsites = 3\n")
    path = data / TABLE_FILES.get(case.target, "none")
    if case.kind == "cell":
        column, row, value = case.detail
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        row = row % len(frame)
        if _checked(case.target)[column] == "id" and value == "":
            value = frame[column].iloc[(row + 1) % len(frame)]  # a duplicate id
        frame.loc[row, column] = value
        frame.to_csv(path, index=False)
    elif case.kind == "drop":
        pd.read_csv(path, dtype=str).drop(columns=[case.detail[0]]).to_csv(
            path, index=False
        )
    elif case.kind == "empty":
        path.write_text(path.read_text().splitlines()[0] + "\n")
    elif case.kind == "delete":
        path.unlink()
    elif case.kind == "latin1":
        path.write_bytes(path.read_bytes().replace(b"\n", b"\xe9\xff\n", 2))
    elif case.kind == "quote":
        lines = path.read_text().splitlines()
        lines[1] = '"' + lines[1]
        path.write_text("\n".join(lines) + "\n")
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
    elif case.kind == "geojson":
        mine = data.parent / "mine.geojson"
        mine.write_text(_broken_geojson(case.detail[0]))
        return ["--candidates", str(mine)]
    elif case.kind == "vector":
        return ["--candidates", str(_broken_vector(data.parent / case.detail[0]))]
    elif case.kind == "scenario":
        section, (field, value) = case.target, case.detail
        text = scenario.read_text().replace("[selection]\nsites = 3\n", "")
        scenario.write_text(text + f"[{section}]\n{field} = {value}\n")
    elif case.kind == "scenario-text":
        scenario.write_bytes(case.detail[0].encode("latin-1"))
    return []


def _broken_vector(path: Path) -> Path:
    """A GeoPackage of two layers, neither called 'candidates'; a zip holding no
    vector file; a FlatGeobuf of lines."""
    import geopandas as gpd

    frame = gpd.GeoDataFrame(
        {"site_id": ["a"], "name": ["A"], "country": ["FI"]},
        geometry=gpd.GeoSeries.from_wkt(["LINESTRING (24 60, 25 61)"]),
        crs="EPSG:4326",
    )
    if path.suffix == ".gpkg":
        frame.to_file(path, layer="sites")
        frame.to_file(path, layer="other")
    elif path.suffix == ".zip":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("readme.txt", "no shapefile here")
    else:
        frame.to_file(path, driver="FlatGeobuf")
    return path


def _broken_geojson(op: str) -> str:
    point = '{"type": "Point", "coordinates": [24.9, 60.2]}'
    props = '{"site_id": "a", "name": "A", "country": "FI", "kind": "city"}'
    return {
        "broken": '{"type": "FeatureCollection", "features": [',
        "not-collection": '{"type": "Feature"}',
        "line": '{"type": "FeatureCollection", "features": [{"type": "Feature", '
        '"geometry": {"type": "LineString", "coordinates": [[1, 2], [3, 4]]}, '
        f'"properties": {props}}}]}}',
        "no-geometry": '{"type": "FeatureCollection", "features": [{"type": "Feature", '
        f'"geometry": null, "properties": {props}}}]}}',
        "no-id": '{"type": "FeatureCollection", "features": [{"type": "Feature", '
        f'"geometry": {point}, "properties": {{"name": "A", "country": "FI"}}}}]}}',
    }[op]


@settings(
    max_examples=220,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(cases)
def test_malformed_input_exits_2_with_a_clear_message(case):
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        data = root / "data"
        shutil.copytree(TINY, data)
        scenario = root / "scenario.toml"
        out = root / "out"
        out.mkdir()
        for name, content in PREVIOUS.items():
            (out / name).write_bytes(content)
        extra = _apply(case, data, scenario)
        args = ["optimise", "--out", str(out), "--scenario", str(scenario), "--force"]
        result = CliRunner().invoke(main, [*args, *extra])
        message = result.output
        assert result.exit_code == 2, (case, message, result.exception)
        assert message.startswith("Error: "), (case, message)
        assert "Traceback" not in message
        for name in case.names:
            assert name in message, (case, message)
        after = {path.name: path.read_bytes() for path in out.iterdir()}
        assert after == PREVIOUS
        assert sorted(p.name for p in root.iterdir() if p.name.startswith(".")) == []
