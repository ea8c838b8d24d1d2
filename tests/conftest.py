"""Tests are hermetic: no neural voice unless a test asks for one (tests/test_neural.py).

The neural voices run in their own environments (.venv-voice-<lang>) and take seconds to load;
by default every test uses espeak-ng or silence, as VOICE=auto does without them."""
import os

os.environ.setdefault("NANOGPT_NEURAL", "0")


def pytest_collection_modifyitems(items):
    """Parallel runs (pytest-xdist, --dist loadgroup): a test file stays in one worker, so its
    fixtures (a rendered deck, a rendered video) are built once; the scene audit, the longest
    file, is split by its case (input, language), each case with the boundary checks that reuse
    its builds."""
    import pytest

    for item in items:
        group = item.module.__name__
        case = getattr(item, "callspec", None) and item.callspec.params.get("case")
        if isinstance(case, tuple):
            group += "-" + "-".join(case)
        item.add_marker(pytest.mark.xdist_group(group))
