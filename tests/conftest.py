"""Tests are hermetic: no neural voice unless a test asks for one (tests/test_neural.py).

The neural voices run in their own environments (.venv-voice-<lang>) and take seconds to load;
by default every test uses espeak-ng or silence, as VOICE=auto does without them."""
import os
import re

import pytest

os.environ.setdefault("NANOGPT_NEURAL", "0")

# ---- parallel runs (pytest-xdist, --dist loadgroup in pyproject.toml) ----------------------
# A test file stays in one worker, so its module fixtures (a rendered deck, a rendered video, the
# attention scene's segments) are built once; the scene audit, the longest file, is split by its
# case (input, language), each case with the boundary checks that reuse its builds.
#
# The groups are made here, in the controller, from the test ids: xdist's own xdist_group marks
# do nothing under pytest 9 (xdist 3.8 renames item._nodeid, which pytest 9 no longer reads), so
# every test became its own unit and the module fixtures were built again in the other worker.

SPLIT_BY_CASE = {"test_scenes.py", "test_equations.py"}   # files grouped by their (input, language) case
# A file that reads test_scenes' builds (tests/test_scenes.build keeps them) runs in its worker.
SAME_WORKER = {"tests/test_equations.py": "tests/test_scenes.py"}
CASE_ID = re.compile(r"\b[ABC]{6}-[a-z]{2}\b")
# The longest groups start first, so neither worker is left with a long one at the end (a
# group's seconds in one worker, roughly, measured 2026-12; a group not named here counts 1 s
# per test). Only their order matters.
GROUP_SECONDS = {
    "tests/test_scenes.py@CABACA-en": 200, "tests/test_scenes.py@CBABBC-zh": 170,
    "tests/test_pipeline.py": 115, "tests/test_segments.py": 80, "tests/test_hostile.py": 50,
    "tests/test_watch.py": 120, "tests/test_deck.py": 25, "tests/test_engine.py": 15, "tests/test_train.py": 15,
    "tests/test_script.py": 15, "tests/test_voice.py": 15, "tests/test_speedups.py": 10,
}


def group_of(nodeid: str) -> str:
    path = nodeid.split("::", 1)[0]
    name = path.rsplit("/", 1)[-1]
    path = SAME_WORKER.get(path, path)
    if name in SPLIT_BY_CASE:
        case = CASE_ID.search(nodeid.split("[", 1)[-1]) if "[" in nodeid else None
        if case:
            return f"{path}@{case.group()}"
    return path


@pytest.hookimpl(tryfirst=True, optionalhook=True)   # optional: a run without xdist works too
def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class GroupScheduling(LoadScopeScheduling):
        """Whole groups (group_of) to a worker, the longest waiting group first."""

        def _split_scope(self, nodeid: str) -> str:
            return group_of(nodeid)

        def _assign_work_unit(self, node) -> None:
            longest = max(self.workqueue, key=lambda g: GROUP_SECONDS.get(g, len(self.workqueue[g])))
            self.workqueue.move_to_end(longest, last=False)
            super()._assign_work_unit(node)

    return GroupScheduling(config, log)
