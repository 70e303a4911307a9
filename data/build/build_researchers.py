"""Researchers (FTE) at each research hub: fill the `researchers` column of hubs.csv.

Run from the repository root: ``python data/build/build_researchers.py`` (add
``--check`` to compare with hubs.csv instead of writing it). It reads only files of the
repository:

- ``data/build/research_units.csv``: the EU-27 researchers (Eurostat tsc00004, 2023)
  split into units (NUTS 2, NUTS 1, rest of a country, or a country) with their
  researchers FTE and sources;
- ``data/build/research_sites.csv``: universities and research organisations, each in
  one unit and one hub, with a size (students or staff, head count) where one was read;
- ``data/build/research_sectors.csv``: each country's researchers by sector of
  performance (tsc00004 2023);
- ``data/hubs.csv`` (hub populations, the fallback key) and ``data/countries.csv``
  (the national totals the result must add up to).

The rule (docs/data.md, "Researcher weight rule") shares each unit's researchers over
its sites; a hub's researchers are the sum over its sites.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import pandas as pd

DATA = Path(__file__).resolve().parents[1]
BUILD = DATA / "build"
#: Largest allowed gap between a country's hubs and its national total, FTE.
ROUNDING_FTE = 1.0


def unit_researchers(
    units: pd.DataFrame, sites: pd.DataFrame, national: pd.Series
) -> pd.Series:
    """Researchers of each unit (step 0 of the rule): a unit with no listed site passes
    its researchers to the other units of its country in proportion to theirs, and
    each country's units are scaled to its national total (``national``, FTE)."""
    researchers = units.set_index("unit")["researchers_fte"].astype(float)
    country = units.set_index("unit")["country"]
    listed = researchers.index.isin(sites["unit"])
    researchers, country = researchers[listed], country[listed]
    return (
        researchers
        * country.map(national)
        / country.map(researchers.groupby(country).sum())
    )


def site_shares(
    units: pd.DataFrame,
    sites: pd.DataFrame,
    sectors: pd.DataFrame,
    hubs: pd.DataFrame,
    national: pd.Series,
) -> pd.DataFrame:
    """Researchers (FTE) of every site, and the step of the rule that gave them."""
    researchers = unit_researchers(units, sites, national)
    sectors = sectors.set_index("country")
    population = hubs.set_index("hub_id")["population"].astype(float)
    rows = []
    for unit, total in researchers.items():
        members = sites[sites["unit"] == unit]
        shares, method = _split(members, total, sectors.loc[members["country"].iloc[0]])
        if method == "fallback":
            shares = _by_population(members, total, population)
        rows.extend(
            {"site_id": s, "unit": unit, "researchers_fte": v, "method": method}
            for s, v in shares.items()
        )
    return pd.DataFrame(rows).set_index("site_id")


def _split(members: pd.DataFrame, total: float, sector: pd.Series):
    """Steps 1 and 2 of the rule; ``(None, "fallback")`` when neither applies."""
    if members["hub_id"].nunique() == 1:
        share = total / len(members)
        return pd.Series(share, index=members["site_id"]), "single hub"
    universities = members[members["kind"] == "university"]
    sized = universities["size_value"].notna()
    if not len(universities) or 2 * sized.sum() <= len(universities):
        return None, "fallback"
    # an unsized university counts as the smallest sized one of its unit
    students = universities["size_value"].fillna(universities["size_value"].min())
    organisations = members[members["kind"] == "research_org"]
    staff = organisations["size_value"].dropna()
    government = total * (sector["gov_fte"] + sector["pnp_fte"]) / sector["total_fte"]
    higher = total * sector["hes_fte"] / sector["total_fte"]
    taken = min(staff.sum(), government)
    public = pd.Series(0.0, index=members["site_id"])
    if len(staff):
        ids = organisations.loc[staff.index, "site_id"]
        public[ids] = (taken * staff / staff.sum()).to_numpy()
    university_pool = higher + government - taken
    public[universities["site_id"]] = (
        university_pool * students / students.sum()
    ).to_numpy()
    # business researchers follow the public allocation
    return public * total / public.sum(), "size rule"


def _by_population(
    members: pd.DataFrame, total: float, population: pd.Series
) -> pd.Series:
    """Step 3: the unit's researchers over its sites' hub cities by population, then
    evenly over the sites of a hub."""
    cities = members["hub_id"].drop_duplicates()
    weight = population[cities] / population[cities].sum()
    per_site = members["hub_id"].map(weight * total) / members["hub_id"].map(
        members["hub_id"].value_counts()
    )
    return pd.Series(per_site.to_numpy(), index=members["site_id"])


def hub_researchers(shares: pd.DataFrame, sites: pd.DataFrame) -> pd.Series:
    """Researchers (FTE) of each hub: the sum over its sites, to 0.1 FTE."""
    hub = sites.set_index("site_id")["hub_id"]
    researchers = shares["researchers_fte"].groupby(hub).sum().round(1)
    return researchers[researchers > 0]


def hub_sources(
    shares: pd.DataFrame, sites: pd.DataFrame, units: pd.DataFrame
) -> pd.Series:
    """Source ids behind each hub's figure: its units' researcher sources, the sector
    split and the size sources of its own sites (size rule), or GeoNames (fallback)."""
    frame = sites.set_index("site_id").join(shares[["method"]])
    unit_source = units.set_index("unit")["source"]
    cells = {}
    for hub, group in frame.groupby("hub_id"):
        ids = [i for u in group["unit"].unique() for i in unit_source[u].split(";")]
        if (group["method"] == "size rule").any():
            ids.append("estat_tsc00004_sectors")
            for cell in group["size_source"].dropna():
                ids.extend(re.findall(r"[a-z][a-z0-9]*_[a-z0-9_]+", cell))
        if (group["method"] == "fallback").any():
            ids.append("geonames")
        cells[hub] = ";".join(dict.fromkeys(ids))
    return pd.Series(cells)


def build() -> tuple[pd.DataFrame, pd.DataFrame]:
    """hubs.csv with the researchers columns filled in, and the per-site shares."""
    units = pd.read_csv(BUILD / "research_units.csv")
    sites = pd.read_csv(BUILD / "research_sites.csv")
    sectors = pd.read_csv(BUILD / "research_sectors.csv")
    hubs = pd.read_csv(DATA / "hubs.csv", dtype=str, keep_default_na=False)
    national = pd.read_csv(DATA / "countries.csv").set_index("country")
    national = national["researchers_fte"]
    shares = site_shares(
        units, sites, sectors, hubs.astype({"population": float}), national
    )
    # a site the rule gives nothing (an unsized research organisation under the size
    # rule) needs no hub
    placed = sites[sites["site_id"].isin(shares.index[shares["researchers_fte"] > 0])]
    unknown = sorted(set(placed["hub_id"]) - set(hubs["hub_id"]))
    if unknown:
        raise SystemExit(f"research_sites.csv: hub_id not in hubs.csv: {unknown}")
    researchers = hub_researchers(shares, sites)
    sources = hub_sources(shares, sites, units)
    hubs["researchers"] = hubs["hub_id"].map(researchers)
    hubs["researchers_source"] = hubs["hub_id"].map(sources)
    missing = hubs.loc[hubs["researchers"].isna(), "hub_id"].tolist()
    if missing:
        raise SystemExit(f"hubs.csv: hubs without a research site: {missing}")
    gap = (hubs.groupby("country")["researchers"].sum() - national).abs()
    if (gap > ROUNDING_FTE).any():
        raise SystemExit(f"country totals differ from countries.csv: {gap[gap > 1]}")
    hubs["researchers"] = hubs["researchers"].map(lambda v: f"{v:.1f}")
    return hubs, shares


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args()
    hubs, shares = build()
    if args.check:
        current = pd.read_csv(DATA / "hubs.csv", dtype=str, keep_default_na=False)
        if not current.equals(hubs):
            sys.exit("hubs.csv differs from the rule's result; run without --check")
        print("hubs.csv agrees with the rule")
        return
    hubs.to_csv(DATA / "hubs.csv", index=False, lineterminator="\n")
    print(shares.groupby(["unit", "method"]).size().to_string())


if __name__ == "__main__":
    main()
