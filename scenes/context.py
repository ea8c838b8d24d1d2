"""What a scene is handed: the Run (engine), the Timeline (script), the Language and its words.

The pipeline builds one SceneContext per render and passes it to each scene
(`SceneClass(context=ctx)`). The plain Manim CLI has no pipeline, so a scene built without a
context reads it from the environment in one place, context_from_env():

    NANOGPT_INPUT=CABACA NANOGPT_LANG=en manim -qh scenes/attention.py Attention

NANOGPT_INPUT (default CBABBC), NANOGPT_LANG (zh), NANOGPT_VOICE (auto), NANOGPT_WEIGHTS (the
shipped file), NANOGPT_STILLS_DIR (none: where a PNG of every beat's end goes).
"""
from __future__ import annotations

import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from engine import DEFAULT_WEIGHTS, Run, default_run
from script.languages import Language, Words, language, word_tables
from script.timeline import Timeline


@dataclass(frozen=True)
class SceneContext:
    run: Run
    timeline: Timeline
    language: Language
    tables: dict = field(repr=False, default_factory=dict)  # section -> Words (see words())
    stills_dir: Path | None = None   # where a PNG of every beat's end goes, if anywhere
    captions_in_picture: bool = True  # False: no caption band drawn (the video's track shows them)

    @property
    def lang(self) -> str:
        return self.language.code

    @property
    def weights(self) -> dict:
        return self.run.weights

    def words(self, section: str) -> Words:
        """The on-screen words of a scene (or of a kit part such as 'model')."""
        return self.tables[section]

    @classmethod
    def build(cls, run: Run, timeline: Timeline, stills_dir: Path | None = None) -> "SceneContext":
        """The context of `run` narrated as `timeline` (its language's words loaded once)."""
        return cls(run, timeline, language(timeline.lang), word_tables(timeline.lang), stills_dir)

    @classmethod
    def narrated(cls, input_text: str = "CBABBC", lang: str = "zh", voice: str = "auto",
                 weights: str | Path = DEFAULT_WEIGHTS) -> "SceneContext":
        """Run the engine and voice the narration (what the pipeline does, in one call)."""
        from script.voice import narrate

        run = default_run(input_text, weights=weights)
        return cls.build(run, narrate(run, lang, voice=voice).timeline)


def context_from_env() -> SceneContext:
    """The plain-Manim entry: settings from NANOGPT_* variables. A bad value prints one line
    and exits with code 2 (no traceback), as the pipeline's commands do."""
    from common.errors import UserError

    get = lambda key, default: os.environ.get(key) or default
    try:
        context = SceneContext.narrated(get("NANOGPT_INPUT", "CBABBC"), get("NANOGPT_LANG", "zh"),
                                        get("NANOGPT_VOICE", "auto"),
                                        get("NANOGPT_WEIGHTS", str(DEFAULT_WEIGHTS)))
        stills = _writable_folder(os.environ.get("NANOGPT_STILLS_DIR"))
    except (UserError, OSError) as err:  # bad input, weights, language, narration, voice; files
        # SystemExit, not an exception: Manim would wrap an exception in a 90-line traceback.
        print(f"Error: {_one_line(err)}", file=sys.stderr)
        raise SystemExit(2) from None
    return SceneContext(context.run, context.timeline, context.language, context.tables, stills)


def _writable_folder(folder: str | None) -> Path | None:
    """NANOGPT_STILLS_DIR made and proven writable now, not halfway through the render."""
    if not folder:
        return None
    Path(folder).mkdir(parents=True, exist_ok=True)
    tempfile.NamedTemporaryFile(dir=folder, prefix=".write-test-").close()
    return Path(folder)


def _one_line(err: Exception) -> str:
    from common.cli import os_error_line

    if isinstance(err, OSError):
        return os_error_line(err)
    return err.summary()
