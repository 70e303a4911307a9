"""Shared fixtures: the tiny hand-made dataset and the path of ../shared."""

from __future__ import annotations

from pathlib import Path

import pytest

from siting.scenario import Scenario, load_scenario

ROOT = Path(__file__).resolve().parent.parent
TINY = Path(__file__).resolve().parent / "fixtures" / "tiny"
SHARED = ROOT.parent / "shared"
#: How far outside its country a point may lie, as the default scenario says (km).
TOLERANCE_KM = load_scenario().data.placement_tolerance_km


@pytest.fixture
def tiny_dir() -> Path:
    """Folder of the tiny dataset (5 countries, 10 sites, 10 hubs)."""
    return TINY


@pytest.fixture
def tiny_scenario() -> Scenario:
    """The default scenario on the tiny dataset, choosing 3 sites."""
    return load_scenario(data__dir=str(TINY), selection__sites=3)


@pytest.fixture
def shared_dir() -> Path:
    """../shared beside the repository, or skip when a user's clone has none."""
    if not SHARED.is_dir():
        pytest.skip("../shared (benchmark instances) is absent in this clone")
    return SHARED
