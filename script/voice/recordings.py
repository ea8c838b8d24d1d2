"""For a human narrator: the script to read aloud, and a check of the recordings made."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from .audio import VoiceError, clean, load_audio, seconds, too_short
from .backends import RECORDING_EXTENSIONS, recordings_dir

NOT_AUDIO = {".md", ".txt"}  # notes a narrator may keep next to the recordings


@dataclass
class RecordingCheck:
    folder: Path
    found: dict[str, float] = field(default_factory=dict)   # line id -> seconds of speech
    missing: list[str] = field(default_factory=list)         # line ids with no file
    extra: list[Path] = field(default_factory=list)          # files named after no line id
    unreadable: list[str] = field(default_factory=list)      # one-line errors naming the file
    duplicates: list[str] = field(default_factory=list)      # line ids with several files
    ignored: list[Path] = field(default_factory=list)        # files in formats we do not read
    too_short: list[str] = field(default_factory=list)       # takes shorter than their text allows

    @property
    def ok(self) -> bool:
        return not (self.extra or self.unreadable or self.duplicates)


def check_recordings(line_ids: Iterable[str], lang: str, root: str | Path | None = None,
                     texts: dict[str, str] | None = None) -> RecordingCheck:
    """Compare <root>/<lang>/ with the narration's line ids and try to read every file;
    with `texts` (line id -> caption) a take too short for its caption is flagged too."""
    line_ids = list(line_ids)
    report = RecordingCheck(recordings_dir(root) / lang)
    files_by_id: dict[str, list[Path]] = {}
    for path in sorted(report.folder.iterdir()) if report.folder.is_dir() else []:
        if not path.is_file() or path.name.startswith("."):
            continue
        if path.suffix[1:] in RECORDING_EXTENSIONS:
            files_by_id.setdefault(path.stem, []).append(path)
        elif path.suffix.lower() not in NOT_AUDIO:
            report.ignored.append(path)
    known = set(line_ids)
    report.extra = [p for stem, paths in files_by_id.items() if stem not in known for p in paths]
    for line_id in line_ids:
        paths = files_by_id.get(line_id, [])
        if not paths:
            report.missing.append(line_id)
        elif len(paths) > 1:
            report.duplicates.append(f"line {line_id}: {', '.join(p.name for p in paths)}; keep one")
        else:
            try:
                report.found[line_id] = seconds(clean(load_audio(paths[0]), str(paths[0])))
            except VoiceError as err:
                report.unreadable.append(str(err))
                continue
            warning = too_short(line_id, report.found[line_id], (texts or {}).get(line_id), lang)
            if warning:
                report.too_short.append(warning)
    return report


def recording_script(timeline, root: str | Path | None = None, input_text: str | None = None,
                     varying: Iterable[str] = ()) -> str:
    """A Markdown script for a narrator: every line id and its text, section by section.

    `timeline` supplies order, sections, titles, texts and a reading-pace length per line;
    `varying` names lines whose text changes with the input (numbers from the run)."""
    lang, varying = timeline.lang, set(varying)
    folder = recordings_dir(root) / lang
    formats = ", ".join(f".{ext}" for ext in RECORDING_EXTENSIONS)
    out = [f"# Recording script: {lang}" + (f", input {input_text}" if input_text else ""), "",
           f"Record one file per line below and save it as `{folder}/<line id>.wav`",
           f"(any of {formats}; one file per line). Silence at the start and end is trimmed and",
           "the loudness is evened out, so just leave a breath of room around each take.",
           "A take may run longer or shorter than the time shown: the video follows the",
           "recording, it is never cut. Lines without a file are read by espeak-ng (VOICE=auto).",
           "",
           f"Check the folder: `nanogpt-video voice check --lang {lang}`", ""]
    if varying:
        out += [f"Lines marked **depends on the input** quote numbers from input {input_text}: a take "
                "matches that input only; record again (or delete the file) for another input.", ""]
    number = 0
    for index, (section, lines) in enumerate(timeline.sections.items(), start=1):
        title = timeline.titles.get(section, section)
        out += [f"## {index}. {title} (`{section}`)", ""]
        for line in lines:
            number += 1
            mark = " **depends on the input**" if line.id in varying else ""
            out += [f"### {number}. `{line.id}` -> `{line.id}.wav`{mark}", ""]
            out += [f"> {row}" for row in line.text.splitlines() or [""]]
            hint = f"about {getattr(line, 'held_from', line.duration):.0f} s at reading pace"
            if getattr(line, "hold", 0):
                hint += f"; then a {line.hold:g} s hold (do not record it: the video adds the silence)"
            out += ["", f"_{hint}" + (f"; on screen: {line.cue}" if line.cue else "") + "_", ""]
    return "\n".join(out)
