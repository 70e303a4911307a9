"""The report's declared per-site columns, shown when present, and short names."""

import numpy as np
import pandas as pd

from siting.layers.table import COST_PARTS
from siting.output.figures import (
    SITE_FIGURES,
    cost_figures,
    description,
    figure_rows,
    present,
    short_name,
)

#: A site table with the columns the lead's new layers and data will add.
SITES = pd.DataFrame(
    {
        "name": ["Kajaani", "Vienna: AI:AT AI Factory Austria (TU Wien)"],
        "description": ["LUMI supercomputer site", ""],
        "kind": ["eurohpc_supercomputer", "aigf_bid"],
        "power_mw": [203.4, 198.0],
        "energy_mwh_per_year": [1_425_000.0, 1_387_000.0],
        "carbon_t_per_year": [62_943.2, 51_114.0],
        "water_m3_per_year": [12_572.0, 9_902.0],
        "capex_eur_per_year": [310e6, 295.5e6],
        "grid_ready_year": [2027.0, 2030.0],
        "announced_mw": [np.nan, 500.0],
        "annual_cost_eur": [180e6, 190e6],
        "unknown_column": [1.0, 2.0],
        **{f"{layer}_cost_eur_per_year": [1e6, 2e6] for layer in COST_PARTS},
    },
    index=pd.Index(["fi-kajaani", "at-vienna"], name="site_id"),
)


def test_the_declared_columns_present_are_shown_in_order_with_units():
    shown = present(SITES, SITE_FIGURES)
    assert [f.heading for f in shown] == [
        "kind",
        "announced or bid (MW)",
        "power (MW)",
        "energy (TWh/yr)",
        "emissions (tCO2/yr)",
        "water (m3/yr)",
        "grid ready (year)",
    ]
    assert figure_rows(SITES, shown) == [
        ["eurohpc_supercomputer", "-", "203", "1.43", "62,943", "12,572", "2027"],
        ["aigf_bid", "500", "198", "1.39", "51,114", "9,902", "2030"],
    ]


def test_absent_and_empty_columns_are_skipped():
    table = SITES.drop(columns=["power_mw", "grid_ready_year"])
    table["announced_mw"] = np.nan
    table["kind"] = ""
    columns = [f.column for f in present(table, SITE_FIGURES)]
    assert columns == [
        "energy_mwh_per_year",
        "carbon_t_per_year",
        "water_m3_per_year",
    ]


def test_costs_are_the_total_then_each_layer_s_part():
    shown = present(SITES, cost_figures())
    assert "capex" in COST_PARTS
    parts = [f"{layer}_cost_eur_per_year" for layer in COST_PARTS]
    assert [f.column for f in shown] == ["annual_cost_eur", *parts]
    vienna = figure_rows(SITES, shown)[1]
    assert vienna[0] == "190.0"  # EUR m/yr
    assert vienna[-1] == "2.0"


def test_short_names_and_descriptions():
    kajaani, vienna = (row for _, row in SITES.iterrows())
    assert short_name(kajaani["name"]) == "Kajaani"
    assert description(kajaani) == "LUMI supercomputer site"
    assert short_name(vienna["name"]) == "Vienna"
    assert description(vienna) == "AI:AT AI Factory Austria (TU Wien)"
    assert short_name("A" * 50) == "A" * 39 + "…"
