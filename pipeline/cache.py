"""Content-hash cache of rendered scenes: media/cache/<kind>/<key>/.

A scene's key hashes everything that shapes its pictures: input, language, voice, quality,
whether the captions are drawn (SUBS),
its section's narration (texts, cues and timings), the language's words file, the weights
file, and the code it runs
(engine/, script/ and scenes/ Python files; of the scene modules only its own). A narration
change in one section therefore re-renders that scene only, and two inputs never share a
part. An entry is built in a temporary folder and renamed into place when complete, so an
interrupted render never leaves an entry that looks finished.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path

from common.files import fresh_folder
from scenes.registry import SCENES, scene_file
from script.languages import words_path

from .options import PROJECT_ROOT, Settings, media_dir

CODE_FOLDERS = ("engine", "script", "scenes")
# The voices' code shapes no frame: a scene sees the voice only through the timeline (each
# line's duration and word times), which its key holds. A voice fix re-renders nothing.
NOT_RENDER_CODE = ("script/voice",)
# Our own files that shape a scene's video (how it is rendered), not assembly or the CLI.
RENDER_CODE = ("pipeline/worker.py", "pipeline/options.py", "pipeline/manim_ext")
# How a scene's video is joined from its beat segments (not part of the segments' own keys).
JOIN_VERSION = 2   # 2: frames re-stamped at N / fps
FORMAT_VERSION = 1  # bump when the layout of an entry changes


def cache_root(kind: str) -> Path:
    return media_dir() / "cache" / kind


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@lru_cache(maxsize=1)
def _code_digests() -> tuple[tuple[Path, str, str], ...]:
    """(resolved path, name, digest) of every code file (CODE_FOLDERS' Python files but
    NOT_RENDER_CODE, and RENDER_CODE), listed and hashed once a run: every scene's key asks."""
    files = [p for folder in CODE_FOLDERS for p in sorted((PROJECT_ROOT / folder).rglob("*.py"))
             if not any(p.is_relative_to(PROJECT_ROOT / other) for other in NOT_RENDER_CODE)]
    for name in RENDER_CODE:
        path = PROJECT_ROOT / name
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return tuple((p.resolve(), str(p.relative_to(PROJECT_ROOT)), known_digest(p)) for p in files if p.is_file())


def known_digest(path: Path) -> str:
    """file_digest(path), hashed once a run while the file's size and mtime stay the same."""
    stat = path.stat()
    return _digest_cached(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=None)
def _digest_cached(path: str, mtime_ns: int, size: int) -> str:
    return file_digest(Path(path))


def code_digest(scene_id: str) -> dict[str, str]:
    """The code a scene runs: every code file but the other scenes' modules."""
    other_scenes = {scene_file(s).resolve() for s in SCENES if s != scene_id}
    return {name: digest for real, name, digest in _code_digests() if real not in other_scenes}


def scene_fields(kind: str, scene_id: str, settings: Settings, timeline) -> dict:
    """Everything a scene's pictures depend on except its narration lines."""
    return {
        "format": FORMAT_VERSION, "kind": kind, "scene": scene_id, "class": SCENES[scene_id],
        "input": settings.input_text, "lang": settings.lang, "voice": settings.voice,
        "quality": dataclasses.asdict(settings.quality), "title": timeline.titles.get(scene_id),
        "weights": known_digest(Path(settings.weights)), "words": known_digest(words_path(settings.lang)),
        "code": code_digest(scene_id), "manim": _manim_version(),
        "captions_in_picture": captions_in_picture(kind, settings),
    }


@lru_cache(maxsize=1)
def _manim_version() -> str:
    return version("manim")


def scene_key(kind: str, scene_id: str, settings: Settings, timeline) -> str:
    """The cache key of one scene render (`kind`: video)."""
    lines = [_line_fields(line) for line in timeline.lines(scene_id)]
    return _digest({**scene_fields(kind, scene_id, settings, timeline), "lines": lines, "joined": JOIN_VERSION})


def _line_fields(line) -> dict:
    """dataclasses.asdict(line) (the same JSON), without deep-copying every word time."""
    return {**vars(line), "cues": [vars(cue) for cue in line.cues]}


def segment_base(scene_id: str, settings: Settings, timeline) -> str:
    """What every beat segment of a scene's video depends on besides its own line and picture
    (pipeline/segments.py)."""
    return _digest(scene_fields("video", scene_id, settings, timeline))


def _digest(fields: dict) -> str:
    blob = json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:24]


def captions_in_picture(kind: str, settings: Settings) -> bool:
    """SUBS=track takes the captions out of the video's picture (and so of the deck's)."""
    return kind != "video" or settings.captions_in_picture


def entry(kind: str, key: str) -> Path | None:
    """The finished entry for `key`, or None."""
    path = cache_root(kind) / key
    return path if (path / "manifest.json").is_file() else None


def work_dir(kind: str, key: str) -> Path:
    """A folder of this run's own to build entry `key` in: two runs of the same render never
    share one (leftovers of runs that were killed are removed)."""
    return fresh_folder(cache_root(kind), ".work-", suffix=f"-{key}")


def slot(scene_id: str, settings: Settings) -> str:
    """What an entry renders, whatever the version: a newer entry for a slot replaces the older."""
    return (f"{scene_id} {settings.input_text} {settings.lang} {settings.voice} "
            f"{settings.quality.label}{settings.weights_tag}{'' if settings.captions_in_picture else ' clean'}")


def commit(kind: str, key: str, work: Path, manifest: dict) -> Path:
    """Seal a finished work folder as the entry for `key` (an atomic rename), and drop older
    entries of the same slot (older code or narration) so the cache does not grow forever."""
    (work / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False))
    final = cache_root(kind) / key
    try:
        os.replace(work, final)  # atomic: the entry appears complete or not at all
    except OSError:
        if entry(kind, key) is None:
            raise
        shutil.rmtree(work, ignore_errors=True)  # a concurrent run sealed the same entry first
        return final
    for other in cache_root(kind).glob("*/manifest.json"):
        if other.parent != final and _slot_of(other) == manifest.get("slot"):
            shutil.rmtree(other.parent, ignore_errors=True)
    return final


def _slot_of(manifest_path: Path) -> str | None:
    try:
        return json.loads(manifest_path.read_text()).get("slot")
    except (OSError, ValueError):
        return None


def segments_in_use() -> set[str]:
    """The beat segments the video entries are made of (pipeline/segments.py)."""
    used = set()
    for path in cache_root("video").glob("*/manifest.json"):
        try:
            used.update(json.loads(path.read_text()).get("segments", []))
        except (OSError, ValueError):
            pass
    return used


def manifest(kind: str, key: str) -> dict:
    return json.loads((cache_root(kind) / key / "manifest.json").read_text())
