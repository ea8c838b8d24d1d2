"""A scene's state at the start of each beat, kept so a beat can be drawn again without playing
the scene up to it (author mode, pipeline/watch/).

A render job (pipeline/worker.py) that draws beat k builds the scene (its layout: hundreds of
Texts) and plays beats 0..k-1 with drawing off: ~10 s for a late attention beat. Here the scene's
state (its __dict__: every mobject, the highlight frame, the beat vocabulary's bookkeeping, and
Python's and NumPy's random state) is pickled at each beat's start, once, and a later render
restores it and plays from there. The frames are the render job's: the same scene code plays the
same beats from the same state (tests/test_watch.py compares frame hashes).

A snapshot is named by the scene's segment base, the beat and the picture the beat starts from
(pipeline/segments.py `scene_picture`): it is only used where the store's chain of beats says
the beat starts from that very picture, so a snapshot from before an edit that changed the
picture is never taken for the new one.

What the scene gets from its context (the Run, the Timeline, the words) is not pickled: those
references are written as names and resolved to the render's own objects when loaded.
"""
from __future__ import annotations

import collections
import io
import pickle
import random
import zlib
from pathlib import Path

import numpy as np

from common.files import atomic_write

# Scene attributes a snapshot leaves out: set afresh by every render (setup() from the context,
# the render job), or Manim's state of the play in progress.
NOT_STATE = frozenset({
    "renderer", "queue", "animations", "moving_mobjects", "static_mobjects", "camera_class",
    "key_to_function_map", "mouse_press_callbacks", "widgets", "stop_condition", "time_progression",
    "context", "run", "trace", "weights", "cfg", "lang", "words", "timeline",
    "beat_recorder", "on_frames", "resume_at", "resume_data", "snapshot_at", "playing",
    "restore_seconds", "resume_state",
    # Manim 0.22's render session, made by Scene.__init__ for this render's work folder
    "manager", "session_spec", "output_plan", "file_writer_settings", "_log_file_path",
})

_live: dict[str, object] = {}   # name -> the object a shared reference resolves to while loading


def _shared(name: str):
    return _live[name]


def _shared_objects(scene) -> dict[str, object]:
    """The objects a scene's state refers to but does not own."""
    context = scene.context
    return {"scene": scene, "context": context, "run": context.run, "timeline": context.timeline,
            "language": context.language}


def dump(scene) -> bytes:
    """The scene's state now, compressed (~1-2 MB for the attention scene)."""
    import cloudpickle   # pickles the closures some mobjects keep (ParametricFunction)

    table = {}
    for name, obj in _shared_objects(scene).items():
        table[type(obj)] = (lambda n: lambda _: (_shared, (n,)))(name)
    state = {k: v for k, v in scene.__dict__.items() if k not in NOT_STATE}
    state["__random__"] = (random.getstate(), np.random.get_state())

    def pickled(value) -> bytes:
        buffer = io.BytesIO()
        pickler = cloudpickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
        pickler.dispatch_table = collections.ChainMap(table, cloudpickle.Pickler.dispatch_table)
        pickler.dump(value)
        return buffer.getvalue()

    try:
        return zlib.compress(pickled(state), 1)
    except (TypeError, pickle.PicklingError) as err:   # name the attribute (a new Manim's, say)
        for name, value in state.items():
            try:
                pickled(value)
            except (TypeError, pickle.PicklingError):
                raise TypeError(f"the scene's {name!r} cannot be snapshotted ({err}); "
                                f"if Manim sets it afresh, add it to snapshot.NOT_STATE") from err
        raise


def load(scene, data: bytes) -> dict:
    """A dumped state, its shared references resolved to `scene`'s (apply() puts it in)."""
    _live.update(_shared_objects(scene))
    try:
        return pickle.loads(zlib.decompress(data))
    finally:
        _live.clear()


def apply(scene, state: dict) -> None:
    """Put a loaded state into `scene`."""
    state = dict(state)
    python_random, numpy_random = state.pop("__random__")
    random.setstate(python_random)
    np.random.set_state(numpy_random)
    scene.__dict__.update(state)


def restore(scene, data: bytes) -> None:
    """Put a dumped state back into `scene` (built with the render's own context)."""
    apply(scene, load(scene, data))


class Store:
    """Snapshots in a folder: <scene>/<base>-<beat>-<picture>.pz, each written whole."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def path(self, scene_id: str, base: str, index: int, picture: str) -> Path:
        return self.folder / scene_id / f"{base}-{index:03d}-{picture}.pz"

    def has(self, scene_id: str, base: str, index: int, picture: str) -> bool:
        return self.path(scene_id, base, index, picture).is_file()

    def read(self, scene_id: str, base: str, index: int, picture: str) -> bytes | None:
        try:
            return self.path(scene_id, base, index, picture).read_bytes()
        except OSError:
            return None

    def write(self, scene_id: str, base: str, index: int, picture: str, data: bytes) -> None:
        path = self.path(scene_id, base, index, picture)
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, data)
