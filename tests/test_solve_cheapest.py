"""The greedy optimum of a weightless p-median against the exact solver."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from siting.errors import InfeasibleError
from siting.solve import cheapest_portfolio, make_instance, solve_pmedian


@settings(max_examples=150, deadline=None, derandomize=True)
@given(
    st.integers(2, 9).flatmap(
        lambda n: st.tuples(
            st.just(n),
            st.lists(st.floats(0, 1e6), min_size=n, max_size=n),
            st.lists(st.integers(0, 2), min_size=n, max_size=n),
            st.integers(1, 3),
            st.integers(1, 2),
            st.lists(st.integers(0, n - 1), max_size=2),
            st.lists(st.integers(0, n - 1), max_size=2),
            st.lists(
                st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=2
            ),
        )
    )
)
def test_the_greedy_choice_is_the_exact_optimum(case):
    n, fixed, groups, p, limit, forced, excluded, pairs = case
    pairs = [(a, b) for a, b in pairs if a != b]
    forced = [i for i in forced if i not in excluded]
    kw = {
        "fixed_cost": fixed,
        "groups": [str(g) for g in groups],
        "max_per_group": limit,
        "forced": sorted(set(forced)),
        "excluded": sorted(set(excluded)),
        "incompatible": pairs,
    }
    try:
        inst = make_instance(np.ones((2, n)), [0.0, 0.0], p, **kw)
    except InfeasibleError:
        return
    chosen = cheapest_portfolio(inst)
    if chosen is None:  # an incompatible pair in the greedy choice: no answer here
        return
    try:
        exact = solve_pmedian(inst, solver="highs")
    except InfeasibleError:
        assert chosen.size == 0
        return
    assert chosen.size == p
    assert float(inst.fixed_cost[chosen].sum()) == exact.objective
    assert set(inst.forced.tolist()) <= set(chosen.tolist())


def test_weights_or_a_coverage_limit_leave_it_to_the_solver():
    inst = make_instance(np.ones((1, 3)), [1.0], 1)
    assert cheapest_portfolio(inst) is None
    inst = make_instance(np.ones((1, 3)), [0.0], 1, max_cost=5.0)
    assert cheapest_portfolio(inst) is None
