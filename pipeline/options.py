"""What a render is asked for (input, language, quality, voice) and the checks run before any
rendering: a bad value stops with one line naming it and the allowed ones (exit 2)."""
from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from common.cli import BadValue, check_lang, parse_or_exit
from common.paths import PROJECT_ROOT, media_dir  # noqa: F401 (the pipeline's names for them)
from common.text import shown
from engine import DEFAULT_WEIGHTS, to_letters, weights_tag
from script.sections import SCENE_IDS
from script.voice import VOICES


@dataclass(frozen=True)
class Quality:
    name: str          # what users type: low, medium, high, 4k
    manim: str         # Manim's quality preset
    height: int
    fps: int

    @property
    def label(self) -> str:  # 1080p60
        return f"{self.height}p{self.fps}"


QUALITIES = {q.name: q for q in (
    Quality("low", "low_quality", 480, 15),
    Quality("medium", "medium_quality", 720, 30),
    Quality("high", "high_quality", 1080, 60),
    Quality("4k", "fourk_quality", 2160, 60),
)}
STILLS_QUALITY = QUALITIES["high"]

# Where the video's captions go, one delivery per file. picture: drawn in the picture (the MP4
# has no subtitle track: a player would show them twice; the .srt/.vtt are beside it). track: a
# clean picture, the subtitle track enabled by default, for platforms and players that show
# their own subtitles.
SUBS = ("picture", "track")  # beat-end stills are for looking at: always 1080p


@dataclass(frozen=True)
class Settings:
    input_text: str              # normalised letters, e.g. CBABBC
    lang: str
    voice: str
    quality: Quality
    weights: str = str(DEFAULT_WEIGHTS)
    subs: str = "picture"        # one of SUBS

    @property
    def captions_in_picture(self) -> bool:
        return self.subs == "picture"

    @property
    def weights_tag(self) -> str:
        """'' for the shipped weights, else '-w<8 hex digits of their hash>': a render with
        other weights never takes the name (or cache slot) of the default one."""
        return weights_tag(self.weights)

    @property
    def name(self) -> str:
        """Stem of every output file: nanogpt-CBABBC-zh-1080p60 (+ -w1a2b3c4d, other weights)."""
        return f"nanogpt-{self.input_text}-{self.lang}-{self.quality.label}{self.weights_tag}"


def choose(kind: str, value: str, allowed) -> str:
    if value not in allowed:
        raise BadValue(f"unknown {kind} {shown(value)}; allowed: {', '.join(allowed)}")
    return value


def settings(input_text: str, lang: str, quality: str = "high", voice: str = "auto",
             weights: str | None = None, subs: str = "picture") -> Settings:
    """Checked Settings; raises BadValue (exit 2, one line) on the first bad value."""
    letters = to_letters(parse_or_exit(input_text))
    check_lang(lang, "--lang")
    choose("quality", quality, QUALITIES)
    choose("voice", voice, VOICES)
    choose("subs", subs, SUBS)
    return Settings(letters, lang, voice, QUALITIES[quality], str(weights or DEFAULT_WEIGHTS), subs)


def scene_ids(names) -> tuple[str, ...]:
    """Scene ids in narration order; all of them when `names` is empty."""
    for name in names:
        choose("scene", name, SCENE_IDS)
    return tuple(s for s in SCENE_IDS if s in names) if names else SCENE_IDS


def job_count(text: str | None) -> int | None:
    """--jobs as a number of processes, 1 or more (None: one per core)."""
    if text is None:
        return None
    try:
        jobs = int(text)
    except ValueError:
        raise BadValue(f"--jobs {shown(text)} is not a whole number; allowed: 1 or more") from None
    if jobs < 1:
        raise BadValue(f"--jobs {jobs} must be at least 1")
    return jobs


def check_media_dir() -> Path:
    """The media folder, made if missing and proven writable before any work starts: a folder
    that cannot take the outputs is one line naming it and why (an OSError the CLI reports)."""
    folder = media_dir()
    folder.mkdir(parents=True, exist_ok=True)
    probe = tempfile.NamedTemporaryFile(dir=folder, prefix=".write-test-")
    probe.close()
    return folder
