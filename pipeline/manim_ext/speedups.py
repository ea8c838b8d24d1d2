"""Which render speed-ups are on, and the one line that says so.

A speed-up is on unless NANOGPT_SPEEDUPS leaves it out ("off", or a comma list of names such
as "joins,images") or Manim's code it was written against has changed (upstream.py): then
Manim's own code runs (the same pictures, more slowly), `status()` says which and why in one
line, the render prints it and `nanogpt-video doctor` reports it.
"""
from __future__ import annotations

import os

from . import upstream

# In the order of the module docstring of pipeline/manim_ext/__init__.py.
SPEEDUPS = ("encoding", "images", "joins", "handoff", "paths", "svg", "copies", "skipping")
OFF = ("off", "0", "none", "no")


def wanted() -> list[str]:
    """The speed-ups NANOGPT_SPEEDUPS asks for (all, by default)."""
    setting = os.environ.get("NANOGPT_SPEEDUPS", "").strip().lower()
    if setting in OFF:
        return []
    left_out = {name.strip() for name in setting.split(",") if name.strip()}
    return [name for name in SPEEDUPS if name not in left_out]


def cannot_apply() -> dict[str, list[str]]:
    """Speed-up -> the Manim functions (Class.function) it was written for that have changed since."""
    changed: dict[str, list[str]] = {}
    for source in upstream.drifted():
        changed.setdefault(source.speedup, []).append(source.short_name)
    return changed


def enabled() -> frozenset[str]:
    """The speed-ups that are on: wanted, and written for this Manim's code."""
    changed = cannot_apply()
    return frozenset(name for name in wanted() if name not in changed)


def status() -> str:
    """One line: which speed-ups are on, and why any is off."""
    changed, asked = cannot_apply(), wanted()
    parts = []
    if changed:
        which = ", ".join(f"{name} ({', '.join(names)})" for name, names in changed.items())
        parts.append(f"render speed-ups off where Manim {upstream.manim_version()} changed the code they "
                     f"were written for: {which} (same pictures, slower; tests/test_speedups.py names "
                     f"what to re-derive)")
    left_out = [name for name in SPEEDUPS if name not in asked]
    if left_out:
        parts.append(f"render speed-ups left out (NANOGPT_SPEEDUPS): {', '.join(left_out)}")
    if parts:
        return "; ".join(parts)
    return f"render speed-ups on (Manim {upstream.manim_version()}): {', '.join(SPEEDUPS)}"


def all_on() -> bool:
    return enabled() == frozenset(SPEEDUPS)
