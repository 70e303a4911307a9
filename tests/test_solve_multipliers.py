"""A related solve's Lagrangian multipliers (Solution.multipliers): the bound they
give (siting.solve.lagrangian_bound) holds on every restriction of the instance, and
as a start of the fast path (solve_pmedian's multipliers) they change no answer;
in the caller's units, and refused when malformed."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from siting.errors import InputError
from siting.solve import evaluate, lagrangian_bound, make_instance, solve_pmedian


def _case(seed: int):
    rng = np.random.default_rng(seed)
    n_sites, n_hubs = 9, 25
    sites, hubs = rng.uniform(0, 100, (n_sites, 2)), rng.uniform(0, 100, (n_hubs, 2))
    cost = np.sqrt(((hubs[:, None] - sites[None]) ** 2).sum(axis=2))
    opts = {
        "fixed_cost": rng.uniform(0, 300, n_sites),
        "groups": rng.integers(0, 4, n_sites),
        "max_per_group": 1,
    }
    return make_instance(cost, rng.uniform(0.5, 4.0, n_hubs), 3, **opts)


def _optimum(inst) -> float:
    """Lowest objective of every selection the instance allows (inf when none)."""
    forced, excluded = set(inst.forced.tolist()), set(inst.excluded.tolist())
    best = np.inf
    for sel in itertools.combinations(range(inst.n_sites), inst.p):
        if not forced <= set(sel) or excluded & set(sel):
            continue
        if np.bincount(inst.group_codes[list(sel)]).max() > 1:
            continue
        best = min(best, evaluate(inst, sel)[1])
    return best


@pytest.mark.parametrize("seed", range(12))
def test_parent_multipliers_bound_every_child(seed):
    inst = _case(seed)
    root = solve_pmedian(inst, solver="fast")
    assert root.multipliers is not None and root.multipliers.shape == (inst.n_hubs,)
    own = lagrangian_bound(inst, root.multipliers)
    assert own <= root.objective * (1 + 1e-12)
    # the children of a Lawler partition of the root optimum
    free = root.selected.tolist()
    for k, site in enumerate(free):
        child = inst.with_sites(forced=free[:k], excluded=[site])
        optimum = _optimum(child)
        assert np.isfinite(optimum)  # 4 groups for 3 sites: every child has some
        bound = lagrangian_bound(child, root.multipliers)
        assert bound <= optimum * (1 + 1e-12)
        assert bound >= own * (1 - 1e-12)  # a restriction only raises it


def test_no_room_for_p_sites_gives_an_infinite_bound():
    inst = _case(6)
    lam = solve_pmedian(inst, solver="fast").multipliers
    codes = inst.group_codes
    # two groups left: three sites cannot be chosen at one per group
    kept = np.flatnonzero(np.isin(codes, np.unique(codes)[:2]))
    out = [i for i in range(inst.n_sites) if i not in kept]
    assert lagrangian_bound(inst.with_sites(excluded=out), lam) == np.inf


def test_multipliers_are_in_the_callers_units():
    inst = _case(3)
    base = solve_pmedian(inst, solver="fast")
    scaled = inst.with_costs(
        weights=inst.weights * 1e6, fixed_cost=inst.fixed_cost * 1e6
    )
    big = solve_pmedian(scaled, solver="fast")
    np.testing.assert_allclose(big.multipliers, base.multipliers * 1e6, rtol=1e-9)
    assert lagrangian_bound(scaled, big.multipliers) == pytest.approx(
        1e6 * lagrangian_bound(inst, base.multipliers), rel=1e-9
    )


def test_zero_multipliers_give_the_cheapest_fixed_costs():
    inst = _case(5)
    bound = lagrangian_bound(inst, np.zeros(inst.n_hubs))
    codes, fixed = inst.group_codes, inst.fixed_cost
    cheapest_per_group = sorted(fixed[codes == g].min() for g in np.unique(codes))
    assert bound == pytest.approx(sum(cheapest_per_group[: inst.p]))


def test_other_backends_return_no_multipliers():
    assert solve_pmedian(_case(1), solver="highs").multipliers is None


@pytest.mark.parametrize("bad", [np.zeros(3), np.full(25, np.nan), np.zeros((25, 1))])
def test_malformed_multipliers_are_refused(bad):
    with pytest.raises(InputError, match="one per hub"):
        lagrangian_bound(_case(0), bad)


@pytest.mark.parametrize("seed", range(12))
def test_a_start_from_the_parent_changes_no_answer(seed):
    inst = _case(seed)
    root = solve_pmedian(inst, solver="fast")
    free = root.selected.tolist()
    for k, site in enumerate(free):
        child = inst.with_sites(forced=free[:k], excluded=[site])
        optimum = _optimum(child)
        if not np.isfinite(optimum):
            continue
        warm = solve_pmedian(child, solver="fast", multipliers=root.multipliers)
        assert warm.status == "optimal"
        assert warm.objective == pytest.approx(optimum, rel=1e-12)
        assert warm.bound <= warm.objective


def test_any_finite_start_changes_no_answer():
    inst = _case(2)
    optimum = _optimum(inst)
    rng = np.random.default_rng(0)
    for start in (np.zeros(inst.n_hubs), rng.uniform(0, 1e3, inst.n_hubs)):
        sol = solve_pmedian(inst, solver="fast", multipliers=start)
        assert sol.status == "optimal"
        assert sol.objective == pytest.approx(optimum, rel=1e-12)


def test_the_mip_backends_ignore_a_start():
    inst = _case(4)
    start = solve_pmedian(inst, solver="fast").multipliers
    sol = solve_pmedian(inst, solver="highs", multipliers=start)
    assert sol.objective == pytest.approx(_optimum(inst), rel=1e-9)


@pytest.mark.parametrize("bad", [np.zeros(4), [np.inf] * 25, ["x"] * 25])
def test_a_malformed_start_is_refused(bad):
    with pytest.raises(InputError, match="one per hub"):
        solve_pmedian(_case(0), solver="fast", multipliers=bad)
