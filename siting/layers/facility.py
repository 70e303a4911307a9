"""Site-independent model of one gigafactory: IT power and energy, and annuities."""

from __future__ import annotations

from siting.sections import Facility

HOURS_PER_YEAR = 8760.0


def it_power_mw(facility: Facility) -> float:
    """Peak IT power (MW): accelerators x rack W per accelerator x (1 + overhead)."""
    watts = facility.accelerators * facility.rack_w_per_accelerator
    return watts * (1.0 + facility.it_overhead_fraction) / 1e6


def it_energy_mwh_per_year(facility: Facility) -> float:
    """IT energy per year (MWh): peak IT power x 8,760 h x utilisation."""
    return it_power_mw(facility) * HOURS_PER_YEAR * facility.utilisation


def capital_recovery_factor(facility: Facility) -> float:
    """Share of a capital cost paid each year over the lifetime at the discount rate.

    ``r / (1 - (1 + r) ** -n)``, and ``1 / n`` when ``r`` is 0.
    """
    r, n = facility.discount_rate, facility.lifetime_years
    if r == 0:
        return 1.0 / n
    return r / (1.0 - (1.0 + r) ** -n)
