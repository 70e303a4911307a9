"""The gaps of the cost-latency search shared among processes: the same front for any
number of workers, the thinning of the gaps' points, and the pool's hand-over."""

import dataclasses
import math
import os
import pickle
import time
from pathlib import Path

import pytest

from siting.analysis import pareto_front, pareto_gaps
from siting.analysis.objectives import Portfolio
from siting.analysis.pareto_gaps import Gap, GapPool, GapResult, gaps_between, thin
from siting.analysis.pareto_search import TwoPhaseSearch
from siting.errors import InputError
from siting.run import prepare
from siting.scenario import load_scenario
from tests.brute import all_portfolios, non_dominated
from tests.test_analysis_pareto import _positions, _subset


def _point(cost, rtt, sites=(0,)):
    return Portfolio(tuple(sites), float(cost), float(rtt), 0.0, 0.0)


def test_thin_keeps_the_staircase_and_drops_what_is_beaten_or_within_the_step():
    a = _point(10, 5.0, (1,))
    b = _point(11, 4.0, (2,))
    same_cost_slower = _point(11, 4.5, (3,))
    beaten = _point(12, 4.0, (4,))
    within = _point(13, 3.95, (5,))  # 0.05 faster than b: within a step of 0.1
    beyond = _point(14, 3.85, (6,))
    points = [beyond, within, beaten, same_cost_slower, b, a]
    assert thin(points, 0.1) == [a, b, beyond]
    assert thin(points, 1e-9) == [a, b, within, beyond]
    assert thin([], 0.1) == []


@pytest.fixture(scope="module")
def packaged():
    return prepare(load_scenario())


@pytest.mark.parametrize(("step", "p", "per_country"), [(5, 3, 1), (6, 3, 2)])
def test_two_workers_find_the_same_front_as_one(
    packaged, monkeypatch, step, p, per_country
):
    inputs = _subset(packaged, step, p, per_country)
    one = pareto_front(inputs, workers=1)
    monkeypatch.setattr(pareto_gaps, "START_AFTER_S", 0.0)  # start them at once
    two = pareto_front(inputs, workers=2)
    assert two.equals(one)
    expected = non_dominated(all_portfolios(inputs), ("cost", "mean_rtt"))
    assert _positions(inputs, two["site_ids"]) == {q.selected for q in expected}


def test_a_pickled_search_searches_a_gap_as_the_original_does(packaged):
    # what a worker receives: the search, pickled once after its supported points
    search = TwoPhaseSearch(_subset(packaged, 6, 3, 2), 1e-4, lambda _m: None)
    supported = search.supported_points()
    gaps = gaps_between(supported)
    assert len(gaps) >= 3
    copy = pickle.loads(pickle.dumps(search))
    for gap in gaps:
        here, there = search.search_gap(supported, gap), copy.search_gap(supported, gap)
        assert there.points == here.points
        assert there.solves == here.solves and here.proven


def test_search_gap_leaves_the_search_as_it_was(packaged):
    search = TwoPhaseSearch(_subset(packaged, 5, 3, 1), 1e-4, lambda _m: None)
    supported = search.supported_points()
    front, solves = search.front, search.solves
    result = search.search_gap(supported, gaps_between(supported)[0])
    assert result.solves > 0 and result.points[0] == supported[0]
    assert search.front == front and search.solves == solves


def test_gaps_between_supported_points_cover_every_cost():
    supported = [_point(10, 5.0), _point(12, 3.0), _point(20, 2.0)]
    assert gaps_between(supported) == [
        Gap(1.0, -math.inf, 12.0),
        Gap(8.0, 12.0, math.inf),
    ]
    assert gaps_between(supported[:1]) == []


@dataclasses.dataclass
class _SlowSearch:
    """Stands in for a search: each gap takes a while and says which process took
    it; this process's first gap waits until a worker has begun one."""

    marker: Path

    def search_gap(self, supported, gap):
        if os.getpid() != self.parent:
            self.marker.touch()
        else:
            deadline = time.monotonic() + 120
            while not self.marker.exists() and time.monotonic() < deadline:
                time.sleep(0.05)
        time.sleep(0.05)
        return GapResult((), os.getpid(), True)

    parent: int = dataclasses.field(default_factory=os.getpid)


def test_the_pool_shares_the_gaps_and_reports_each_once(tmp_path):
    gaps = [Gap(1.0, k, k + 1) for k in range(8)]
    reported = []
    with GapPool(2, start_after_s=0.0) as pool:
        results = pool.search(
            _SlowSearch(tmp_path / "begun"), [], gaps, lambda k, r: reported.append(k)
        )
    pids = [r.solves for r in results]
    assert os.getpid() in pids
    assert any(pid != os.getpid() for pid in pids)
    assert sorted(reported) == list(range(8))
    # this process starts from the dearest end, the worker from the cheapest
    assert pids[-1] == os.getpid() and pids[0] != os.getpid()


def test_one_worker_or_a_short_search_starts_no_process(tmp_path):
    marker = tmp_path / "begun"
    marker.touch()  # nothing waits
    for pool in (GapPool(1, start_after_s=0.0), GapPool(2, start_after_s=math.inf)):
        with pool:
            results = pool.search(
                _SlowSearch(marker), [], [Gap(1.0, 0, 1)] * 3, lambda k, r: None
            )
            assert not pool.tick()
        assert [r.solves for r in results] == [os.getpid()] * 3


@pytest.mark.parametrize("workers", [0, -1, 1.5, True, "2"])
def test_workers_must_be_a_whole_number_of_at_least_one(tiny_scenario, workers):
    with pytest.raises(InputError, match="workers must be a whole number >= 1"):
        pareto_front(prepare(tiny_scenario), workers=workers)


@dataclasses.dataclass
class _DyingSearch:
    """Stands in for a search whose worker process dies on its first gap; this
    process's first gap waits until a worker has begun (and died on) one."""

    marker: Path
    parent: int = dataclasses.field(default_factory=os.getpid)

    def search_gap(self, supported, gap):
        if os.getpid() != self.parent:
            self.marker.touch()
            os._exit(1)
        deadline = time.monotonic() + 120
        while not self.marker.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        return GapResult((), os.getpid(), True)


def test_a_dead_worker_costs_time_not_the_answer(tmp_path):
    gaps = [Gap(1.0, k, k + 1) for k in range(6)]
    reported = []
    search = _DyingSearch(tmp_path / "begun")
    with GapPool(2, start_after_s=0.0) as pool:
        results = pool.search(search, [], gaps, lambda k, r: reported.append(k))
    assert search.marker.exists()  # a worker took gap 0 and died on it
    assert [r.solves for r in results] == [os.getpid()] * 6
    assert sorted(reported) == list(range(6))
