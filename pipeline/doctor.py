"""`nanogpt-video doctor`: is everything rendering needs here? Each check says how to fix it."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from importlib import metadata

from .options import PROJECT_ROOT

APT = "sudo apt-get install -y"
CJK_FONT = "Noto Sans CJK SC"
FFMPEG_ENCODERS = ("libx264", "aac", "mov_text")


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def debian_packages() -> list[str]:
    """The list tools/setup.sh installs (one source of truth)."""
    text = (PROJECT_ROOT / "tools" / "setup.sh").read_text()
    found = re.search(r"DEBIAN_PACKAGES=\(([^)]*)\)", text)
    return found.group(1).split() if found else []


def check_debian_packages() -> list[Check]:
    if not shutil.which("dpkg-query"):
        return [Check("Debian packages", True, "not a Debian system: checked by function below")]
    checks = []
    for package in debian_packages():
        result = _output(["dpkg-query", "-W", "-f=${Status} ${Version}", package])
        installed = result.startswith("install ok installed")
        checks.append(Check(f"package {package}", installed,
                            result.split()[-1] if installed else "not installed", f"{APT} {package}"))
    return checks


def check_ffmpeg() -> list[Check]:
    checks = []
    for tool in ("ffmpeg", "ffprobe"):
        path = shutil.which(tool)
        version = " ".join(_output([tool, "-version"]).split()[:3]) if path else ""
        checks.append(Check(tool, bool(path), version or "not on PATH", f"{APT} ffmpeg"))
    if shutil.which("ffmpeg"):
        encoders = _output(["ffmpeg", "-hide_banner", "-encoders"])
        missing = [e for e in FFMPEG_ENCODERS if not re.search(rf"\s{re.escape(e)}\s", encoders)]
        checks.append(Check("ffmpeg encoders", not missing,
                            f"missing {', '.join(missing)}" if missing else ", ".join(FFMPEG_ENCODERS),
                            f"{APT} ffmpeg (Debian's build has them)"))
    return checks


def check_cjk_font() -> Check:
    if not shutil.which("fc-list"):
        return Check("CJK font", False, "fc-list not found", f"{APT} fontconfig fonts-noto-cjk")
    families = _output(["fc-list", ":lang=zh", "family"])
    ok = CJK_FONT in families
    return Check("CJK font", ok, CJK_FONT if ok else f"{CJK_FONT} not found by fc-list",
                 f"{APT} fonts-noto-cjk && fc-cache -f")


def check_espeak() -> list[Check]:
    if not shutil.which("espeak-ng"):
        return [Check("espeak-ng", False, "not on PATH (VOICE=auto falls back to silence)",
                      f"{APT} espeak-ng")]
    version = _output(["espeak-ng", "--version"]).split("Data at")[0].strip()
    checks = [Check("espeak-ng", True, version)]
    from script.languages import language, language_codes

    for voice in dict.fromkeys(language(code).espeak_voice for code in language_codes()):
        listed = _output(["espeak-ng", f"--voices={voice.split('-')[0]}"])
        ok = re.search(rf"\s{re.escape(voice)}\s", listed) is not None
        checks.append(Check(f"espeak-ng voice {voice}", ok, "found" if ok else "missing",
                            f"{APT} espeak-ng-data"))
    return checks


def check_voices() -> list[Check]:
    """The voice each language will speak with (VOICE=auto, no recordings) and its licence.
    A neural voice that is not installed is no failure: espeak-ng speaks instead."""
    from script.languages import language, language_codes
    from script.voice.neural import unavailable_reason, voice_info

    checks = []
    for code in language_codes():
        info, reason = voice_info(code), unavailable_reason(code)
        if info is not None and reason is None:
            detail = f"{info.name} (neural, {info.venv.name}); licence: {info.licence}"
        else:
            fallback = "espeak-ng" if shutil.which("espeak-ng") else "silence (no espeak-ng)"
            detail = (f"{fallback} {language(code).espeak_voice} (GPL-3.0-or-later)"
                      + (f"; {reason}" if reason else ""))
            if info is not None:
                detail += f"; the neural voice would be {info.name}, licence: {info.licence}"
        checks.append(Check(f"voice {code}", True, detail))
    return checks


def check_python() -> list[Check]:
    version = ".".join(map(str, sys.version_info[:3]))
    checks = [Check("Python", (3, 11) <= sys.version_info[:2] <= (3, 13), version,
                    "use Python 3.11-3.13: PYTHON=python3.11 make setup")]
    try:
        requirements = metadata.requires("nanogpt-explained") or []
    except metadata.PackageNotFoundError:
        return checks + [Check("project installed", False, "nanogpt-explained is not installed",
                               "make setup")]
    from packaging.requirements import Requirement  # there with pytest (make setup installs it)

    for text in requirements:
        requirement = Requirement(text)
        if requirement.marker and not requirement.marker.evaluate({"extra": ""}):
            continue  # an optional extra (tests)
        try:
            installed = metadata.version(requirement.name)
        except metadata.PackageNotFoundError:
            installed = None
        ok = installed is not None and requirement.specifier.contains(installed, prereleases=True)
        checks.append(Check(f"python {requirement.name}", ok,
                            f"{installed or 'missing'} (needs {requirement.specifier or 'any'})",
                            f"{sys.executable} -m pip install '{requirement}'  (or: make setup)"))
    return checks


def check_manim() -> Check:
    result = subprocess.run([sys.executable, "-c", "import manim, manimpango"],
                            capture_output=True, text=True, check=False)
    reason = (result.stderr.strip().splitlines() or [""])[-1]
    return Check("manim imports (cairo, pango)", result.returncode == 0, reason or "ok",
                 f"{APT} libcairo2-dev libpango1.0-dev pkg-config && make setup")


def check_speedups() -> Check:
    """pipeline/manim_ext/ speed-ups written for another Manim's code are off: renders are slower."""
    from . import manim_ext

    changed = manim_ext.cannot_apply()
    return Check("render speed-ups", not changed, manim_ext.status(),
                 "make setup (the Manim pinned in pyproject.toml), or re-derive what "
                 "`.venv/bin/python -m pytest tests/test_speedups.py -k upstream` names")


def check_revealjs() -> Check:
    """reveal.js for the offline HTML deck, in its cache and matching its sha512."""
    from . import revealjs

    path = revealjs.tarball_path()
    ok = path.is_file() and revealjs.verified(path.read_bytes())
    return Check(f"reveal.js {revealjs.VERSION} (slide deck)", ok,
                 str(path) if ok else f"not in {path.parent}",
                 f"{sys.executable} -m pipeline.revealjs  (needs the npm registry once; or: make setup)")


def all_checks() -> list[Check]:
    return [*check_debian_packages(), *check_ffmpeg(), check_cjk_font(), *check_espeak(),
            *check_voices(), *check_python(), check_manim(), check_speedups(), check_revealjs()]


def run_checks(console) -> bool:
    checks = all_checks()
    for check in checks:
        mark = "[green]ok[/]     " if check.ok else "[red]MISSING[/]"
        console.print(f"{mark} {check.name}: {check.detail}", highlight=False)
        if not check.ok and check.fix:
            console.print(f"        fix: {check.fix}", highlight=False, markup=False)
    bad = [c for c in checks if not c.ok]
    console.print(f"{len(checks) - len(bad)} of {len(checks)} checks passed"
                  + (f"; fix the {len(bad)} above, then run `make doctor` again" if bad else ""))
    return not bad


def _output(command: list[str]) -> str:
    try:
        return subprocess.run(command, capture_output=True, text=True, check=False, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return ""
