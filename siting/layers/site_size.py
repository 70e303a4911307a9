"""Site size: the most facility power a site can host.

    site_max_mw = announced_mw       where the site's plan announces a facility power
                = max_mw_by_kind     else, by the site's kind (scenario ``[sites]``)
                = default_max_mw     for a kind the table does not name (or no kind)

A site whose facility power exceeds ``site_max_mw`` cannot host the facility alone
(``siting.layers.table`` excludes it, saying so).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from siting.data import CANDIDATE_KINDS
from siting.errors import InputError
from siting.scenario import Scenario


def site_size_layer(candidates: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """Size per site.

    Returns
    -------
    DataFrame indexed by ``site_id`` with ``site_max_mw`` (MW) and
    ``site_max_basis`` ("announced" or "kind: <kind>" or "default").

    Raises
    ------
    InputError
        If ``sites.max_mw_by_kind`` names a kind that is neither one of
        :data:`siting.data.CANDIDATE_KINDS` nor a kind of a candidate (a typo that
        would change nothing).
    """
    sites = scenario.sites
    kind = (
        candidates["kind"]
        if "kind" in candidates.columns
        else pd.Series("", index=candidates.index)
    )
    unknown = sorted(set(sites.max_mw_by_kind) - set(CANDIDATE_KINDS) - set(kind))
    if unknown:
        raise InputError(
            f"{scenario.origin}: field 'sites.max_mw_by_kind': no candidate is of "
            f"kind {', '.join(unknown)}; use one of {', '.join(CANDIDATE_KINDS)} or "
            "a kind of your candidates"
        )
    by_kind = kind.map(sites.max_mw_by_kind).astype(float)
    announced = (
        candidates["announced_mw"].astype(float)
        if "announced_mw" in candidates.columns
        else pd.Series(np.nan, index=candidates.index)
    )
    size = announced.where(announced.notna(), by_kind).fillna(sites.default_max_mw)
    basis = np.where(
        announced.notna(),
        "announced",
        np.where(by_kind.notna(), "kind: " + kind.astype(str), "default"),
    )
    return pd.DataFrame(
        {"site_max_mw": size.to_numpy(float), "site_max_basis": basis},
        index=candidates.index,
    )
