"""What the report shows of each chosen site: declared columns with units and formats,
and short names with their descriptions.

:data:`SITE_FIGURES` and :func:`cost_figures` declare the per-site columns the report
can show, each with its heading (unit included), scale and format. A column that a
run's table lacks, or holds only empty values, is skipped, so a column added to the
data or to a layer later appears in the report as soon as it exists, with no other
change. :func:`short_name` and :func:`description` split a candidate's label into a
short name for tables and a longer description shown beside it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from siting.layers.table import COST_PARTS


@dataclass(frozen=True)
class SiteFigure:
    """One per-site column of the report.

    Attributes
    ----------
    column
        The column of the site table.
    heading
        The table heading, with the unit shown.
    scale
        The column's values are multiplied by this before formatting (e.g. 1e-6 for
        MWh to TWh); ignored for text.
    spec
        Format spec of the scaled number (``",.1f"``); "" for text shown as it is.
    """

    column: str
    heading: str
    scale: float = 1.0
    spec: str = ",.0f"

    def cell(self, value: object) -> str:
        """One value as shown in the report ("-" when missing)."""
        if isinstance(value, str):
            return value.strip() or "-"
        if value is None or pd.isna(value):
            return "-"
        if not self.spec:
            return str(value)
        return format(float(value) * self.scale, self.spec)


#: What a chosen site needs, emits and brings (skipped when the column is absent).
SITE_FIGURES = (
    SiteFigure("kind", "kind", spec=""),
    SiteFigure("consortium", "bid by", spec=""),
    SiteFigure("announced_mw", "announced or bid (MW)"),
    SiteFigure("bidding_zone", "bidding zone", spec=""),
    SiteFigure("wholesale_eur_per_mwh", "wholesale (EUR/MWh)", spec=",.1f"),
    SiteFigure("network_eur_per_mwh", "network (EUR/MWh)", spec=",.1f"),
    SiteFigure("levies_eur_per_mwh", "levies (EUR/MWh)", spec=",.1f"),
    SiteFigure("taxes_eur_per_mwh", "taxes (EUR/MWh)", spec=",.1f"),
    SiteFigure("price_eur_per_mwh", "price (EUR/MWh)", spec=",.1f"),
    SiteFigure("power_mw", "power (MW)"),
    SiteFigure("energy_mwh_per_year", "energy (TWh/yr)", 1e-6, ",.2f"),
    SiteFigure("carbon_t_per_year", "emissions (tCO2/yr)"),
    SiteFigure("water_m3_per_year", "water (m3/yr)"),
    SiteFigure("pue", "PUE", spec=".2f"),
    SiteFigure("capex_eur", "capex (EUR m)", 1e-6, ",.0f"),
    SiteFigure("grid_capacity_mw", "grid capacity (MW)"),
    SiteFigure("grid_ready_year", "grid ready (year)", spec=".0f"),
    SiteFigure("site_max_mw", "site limit (MW)"),
    SiteFigure("power_limit", "binding limit", spec=""),
)


def cost_figures() -> tuple[SiteFigure, ...]:
    """The annual cost of a site and each of its parts (EUR m/yr): the layers of
    :data:`~siting.layers.table.COST_PARTS`."""
    return (
        SiteFigure("annual_cost_eur", "annual cost (EUR m/yr)", 1e-6, ",.1f"),
        *(
            SiteFigure(
                f"{layer}_cost_eur_per_year", f"{layer} (EUR m/yr)", 1e-6, ",.1f"
            )
            for layer in COST_PARTS
        ),
    )


def present(
    table: pd.DataFrame, figures: tuple[SiteFigure, ...]
) -> tuple[SiteFigure, ...]:
    """The figures whose column ``table`` has with at least one filled value."""
    shown = []
    for figure in figures:
        if figure.column not in table.columns:
            continue
        values = table[figure.column]
        filled = values.notna() & (values.astype(str).str.strip() != "")
        if filled.any():
            shown.append(figure)
    return tuple(shown)


def figure_rows(
    table: pd.DataFrame, figures: tuple[SiteFigure, ...]
) -> list[list[str]]:
    """The cells of ``figures`` for each row of ``table``, in its order."""
    return [
        [figure.cell(row[figure.column]) for figure in figures]
        for _, row in table.iterrows()
    ]


def short_name(name: str, limit: int = 40) -> str:
    """A candidate's name up to its first ``": "`` and at most ``limit`` characters
    (packaged names read "Place: what is there")."""
    head = name.split(": ")[0].strip()
    return head if len(head) <= limit else head[: limit - 1] + "…"


def description(row: pd.Series) -> str:
    """The ``description`` of a candidate, else what its name says after the short
    name ("" when nothing more)."""
    given = row.get("description")
    if isinstance(given, str) and given.strip():
        return given.strip()
    name = str(row["name"])
    head, _, tail = name.partition(": ")
    return tail.strip() if tail else ("" if len(name) <= 40 else name)


def label(site_id: str, row: pd.Series) -> str:
    """``"<short name> (<site_id>)"``, how tables name a site."""
    return f"{short_name(str(row['name']))} ({site_id})"
