"""The suite's own tools: seeded randomness and the slow marker."""
import random

import pytest

from tests.conftest import SEED, pytest_collection_modifyitems


def test_the_rng_fixture_is_seeded_from_the_run_seed_and_the_test_id(rng, request):
    assert rng.seed_text == f"{SEED}:{request.node.nodeid}" and rng.run_seed == SEED
    replay = random.Random(rng.seed_text)
    assert [rng.random() for _ in range(3)] == [replay.random() for _ in range(3)]


def test_the_run_seed_is_printed_in_the_report_header(pytestconfig):
    answers = pytestconfig.hook.pytest_report_header(config=pytestconfig, start_path=pytestconfig.rootpath)
    lines = [line for answer in answers for line in ([answer] if isinstance(answer, str) else answer)]
    assert f"random seed: {SEED} (replay with PANTAU_TEST_SEED={SEED})" in lines


def test_hypothesis_draws_from_the_run_seed_unless_given_its_own(pytestconfig):
    from hypothesis import core

    given = pytestconfig.option.hypothesis_seed  # the run's SEED when --hypothesis-seed is not given
    assert given is not None and core.global_force_seed == int(given)


def test_every_browser_test_is_counted_as_slow():
    class Item:
        def __init__(self, *names):
            self.marks = {name: getattr(pytest.mark, name) for name in names}

        def get_closest_marker(self, name):
            return self.marks.get(name)

        def add_marker(self, mark):
            self.marks[mark.name] = mark

    browser, plain = Item("browser"), Item()
    pytest_collection_modifyitems(None, [browser, plain])
    assert set(browser.marks) == {"browser", "slow"} and plain.marks == {}
