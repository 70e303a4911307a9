"""Gigafactories over several campuses: the sites at each share of the facility, the
configurations of campuses, and the answer back to ids.

Council Regulation (EU) 2026/150 lets one AI gigafactory span several sites, also
across member states. With ``selection.campuses_max = K > 1`` each gigafactory is one
to K campuses (``docs/model.md``, "Multi-site gigafactories"):

- **Shares.** The facility's power is split in steps of ``campus_share_step``; each
  campus of a multi-site gigafactory hosts at least ``campus_min_share``. A campus of
  share s is priced by the same layers as a whole facility of s x the accelerators
  (:func:`share_tables`): its energy, water and construction scale with its MW, its grid
  node, connection and ready year are those of its own power, and the site size and
  ``online_by_year`` limits are checked at that power. A campus of a split
  gigafactory must also fit the free capacity of its grid node (splitting exists to
  avoid new transmission); a gigafactory on one site follows the single-site rules,
  where a shortfall is priced as reinforcement.
- **Configurations.** Every set of 1..K sites allowed at their shares, pairwise within
  ``campus_max_rtt_ms`` of modelled RTT and on distinct grid nodes, once for each site
  that can be its largest campus, with the cheapest split that makes it so. Its cost
  is the sum of its campuses' annual costs plus, per extra campus,
  ``campus_overhead_eur_per_year`` and the annualised fibre between campuses (the
  connectivity layer's price per km along the shortest tree linking them).
- **Groups.** A gigafactory counts once for ``per_country``, in the state of its
  largest campus (where two campuses are equal, either may be the largest).
- **Conflicts.** Campuses of different gigafactories keep ``min_separation_km`` apart
  and never draw on one grid node (the node each site uses at any share).

The solver stage gets arrays (:class:`~siting.solve.CampusInstance`); this package is
where their positions meet site and hub ids, as :mod:`siting.problem` is for one site
per gigafactory: :mod:`.problem` builds the problem, :mod:`.configurations` lists the
configurations, :mod:`.answer` labels the answer.
"""

from siting.gigafactory.answer import (
    gigafactory_table,
    label_campus_solution,
    single_site_gigafactories,
)
from siting.gigafactory.configurations import MAX_CONFIGURATIONS
from siting.gigafactory.problem import (
    CampusProblem,
    build_campus_problem,
    infeasible_message,
    share_levels,
    share_tables,
)

__all__ = [
    "MAX_CONFIGURATIONS",
    "CampusProblem",
    "build_campus_problem",
    "gigafactory_table",
    "infeasible_message",
    "label_campus_solution",
    "share_levels",
    "share_tables",
    "single_site_gigafactories",
]
