"""`make help` names every target and every variable of the Makefile, one line each."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_make_help_lists_every_target_and_variable():
    makefile = (ROOT / "Makefile").read_text()
    targets = re.search(r"^\.PHONY:(.*)$", makefile, re.M).group(1).split()
    variables = re.findall(r"^([A-Z_]+)\s*\?=", makefile, re.M) + ["LANG"]
    shown = subprocess.run(["make", "-s", "--no-print-directory", "help"], cwd=ROOT, capture_output=True,
                           text=True, check=True, timeout=60).stdout.splitlines()
    for target in targets:
        assert sum(line.split()[:2] == ["make", target] for line in shown) == 1, target
    for variable in variables:
        assert sum(line.strip().startswith(f"{variable}=") for line in shown) == 1, variable
