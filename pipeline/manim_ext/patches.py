"""The speed-ups that cannot be handed to a scene: process-wide patches, installed in the render
processes only (pipeline/worker.py).

They change mobjects, which a scene's code builds itself (Text, VGroup...) before any renderer
sees them: Manim has no hook for the class of a mobject a scene makes, so these replace a
method on Manim's classes. Each is tested to give Manim's points, lists and copies.

svg: every Text is an SVG that Manim parses into paths (~50 ms each; a scene builds hundreds,
   and every render process builds them again). The parsed paths are kept on disk,
   media/cache/svg/<digest of the SVG file's bytes and parse settings>.pickle, and loaded
   (~1 ms) instead of parsed. The store is the render's own cache: only files this code wrote
   are read back.
copies: Manim copies mobjects at the start of most animations (Transform, FadeIn...). A glyph's
   copy also deep-copied the parsed SVG path it was made from (svgelements objects, read only
   when the glyph is built), and each colour went through copy's generic protocol; here the
   path is shared and a colour copies its one array (a Text copies ~6x faster).

(A third, "families", replaced Mobject.get_family with one walk de-duplicated once. Manim 0.22
walks the tree once itself; what was left, 5.8% of the intro's CPU at 480p15 and nothing
measurable at 1080p60, did not pay for replacing a method of every mobject in the process.)
"""
from __future__ import annotations

import copy
from pathlib import Path

from common.paths import media_dir

from . import upstream

GLOBAL = ("svg", "copies")

_installed: list[str] = []
_originals: dict[tuple[type, str], object] = {}  # Manim's own functions, for uninstall()


def install(names) -> list[str]:
    """Install the patches of `names` that are GLOBAL (others are ignored); returns them."""
    for name in GLOBAL:
        if name in names and name not in _installed:
            {"svg": _keep_svg_outlines, "copies": _cheaper_copies}[name]()
            _installed.append(name)
    return list(_installed)


def installed() -> list[str]:
    return list(_installed)


def uninstall() -> None:
    """Put Manim's own functions back (tests draw the same frame with and without)."""
    for (owner, name), original in _originals.items():
        if original is None:
            delattr(owner, name)   # added by _patch_new
        else:
            setattr(owner, name, original)
    _originals.clear()
    _installed.clear()


def _patch(owner: type, name: str, new) -> None:
    original = _originals.setdefault((owner, name), owner.__dict__[name])
    new.__manim_original__ = original   # what upstream.py hashes while the patch is in place
    setattr(owner, name, new)


def _patch_new(owner: type, name: str, new) -> None:
    """_patch for an attribute `owner` does not define itself (uninstall deletes it again)."""
    if name in owner.__dict__:
        _patch(owner, name, new)
    else:
        _originals.setdefault((owner, name), None)
        setattr(owner, name, new)


# --- svg: Text outlines kept on disk ------------------------------------------------------------

def svg_store() -> Path:
    return media_dir() / "cache" / "svg"


def _keep_svg_outlines() -> None:
    from manim.mobject.svg.svg_mobject import SVGMobject

    original = SVGMobject.__dict__["init_svg_mobject"]

    def init_svg_mobject(self, use_svg_cache: bool):
        key = _svg_key(self) if self.file_name is not None else None   # Text: use_svg_cache False
        stored = _load_outlines(key) if key else None
        if stored is not None:
            submobjects, self.id_to_vgroup_dict = stored
            for mob in submobjects:
                mob.__dict__.setdefault("path_obj", None)
            self.add(*submobjects)   # as Manim's own in-memory cache: parsed and flipped
            return self
        original(self, use_svg_cache)
        if key:
            _store_outlines(key, (self.submobjects, self.id_to_vgroup_dict))
        return self

    _patch(SVGMobject, "init_svg_mobject", init_svg_mobject)


def _svg_key(mob) -> str | None:
    """What SVGMobject.generate_mobject's result depends on: the file's bytes and the settings
    it is parsed with (not the file's name: every render process has its own text folder), and
    the Manim version that parsed it."""
    import hashlib

    from manim import config
    from manim.mobject.svg.svg_mobject import SVGMobject

    if any(getattr(type(mob), name) is not getattr(SVGMobject, name)
           for name in ("generate_mobject", "modify_xml_tree", "get_mobjects_from", "generate_config_style_dict")):
        return None   # a class that parses in its own way (e.g. Typst): not cached
    try:
        data = mob.get_file_path().read_bytes()
    except (OSError, ValueError):
        return None
    seed = repr((upstream.manim_version(), type(mob).__name__, mob.svg_default, mob.path_string_config,
                 config.renderer)).encode()
    return hashlib.blake2b(seed + b"\0" + data, digest_size=16).hexdigest()


def _load_outlines(key: str):
    import pickle

    try:
        with open(svg_store() / f"{key}.pickle", "rb") as file:
            return pickle.load(file)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, ValueError):
        return None


def _store_outlines(key: str, outlines) -> None:
    import pickle

    from common.files import atomic_path

    submobjects = outlines[0]
    paths = [m.__dict__.pop("path_obj", None) for m in submobjects]   # read only when built: not stored
    try:
        svg_store().mkdir(parents=True, exist_ok=True)
        with atomic_path(svg_store() / f"{key}.pickle") as tmp, open(tmp, "wb") as file:
            pickle.dump(outlines, file, protocol=pickle.HIGHEST_PROTOCOL)
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        pass   # only slower next time
    finally:
        for mob, path in zip(submobjects, paths):
            if path is not None:
                mob.path_obj = path


# --- copies ----------------------------------------------------------------------------------------

def _cheaper_copies() -> None:
    from manim.mobject.mobject import Mobject
    from manim.mobject.svg.svg_mobject import VMobjectFromSVGPath
    from manim.utils.color.core import ManimColor

    def copy_glyph(self, memo):
        path = self.__dict__.get("path_obj")
        if path is not None:
            memo.setdefault(id(path), path)   # the copy shares it: it is never changed
        return Mobject.__deepcopy__(self, memo)

    def copy_color(self, memo):
        new = object.__new__(type(self))
        memo[id(self)] = new
        new.__dict__.update({k: copy.deepcopy(v, memo) for k, v in self.__dict__.items()})
        return new

    _patch_new(VMobjectFromSVGPath, "__deepcopy__", copy_glyph)
    _patch_new(ManimColor, "__deepcopy__", copy_color)

