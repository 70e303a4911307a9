"""Eurostat's code list that the scenario and the command line share.

It lives apart from :mod:`siting.scenario` (which loads pydantic) so that
``siting data fetch --help`` can list the bands without importing it.
"""

from __future__ import annotations

from typing import Literal, get_args

#: Consumption bands of Eurostat's nrg_pc_205 (annual MWh), from its code list.
PriceBand = Literal[
    "MWH_LT20",
    "MWH20-499",
    "MWH500-1999",
    "MWH2000-19999",
    "MWH20000-69999",
    "MWH70000-149999",
    "MWH_GE150000",
]
PRICE_BANDS: tuple[str, ...] = get_args(PriceBand)
#: A semester of nrg_pc_205, e.g. 2025-S2 (the year and the half).
SEMESTER_PATTERN = r"^\d{4}-S[12]$"
