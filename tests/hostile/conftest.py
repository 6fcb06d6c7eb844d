"""Fixtures of the hostile-input corpus: one world per test module, left as it was by every refusal, so it is built
once; the tables are emptied when the module ends instead of after each test."""
from __future__ import annotations

import pytest

from tests.conftest import empty_tables
from tests.hostile.harness import People, build_hostile_world


@pytest.fixture(autouse=True)
def _empty_tables():
    """Replaces the suite's wipe after every test: the module's world stays (see `world`)."""
    yield


@pytest.fixture(scope="module")
def world(app):
    built = build_hostile_world(app)
    yield built
    empty_tables(app)


@pytest.fixture(scope="module")
def people(app, world) -> People:
    """Everyone signs in before the first test, so no sign-in (an audited event) happens inside a check."""
    everyone = People(app, world)
    for actor in ("visitor", "colleague@A", *world.base.actors):
        everyone(actor)
    return everyone
