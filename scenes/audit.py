"""The scene audit: layout and legibility checks a test switches on (a mixin of NanoScene).

    scene = SceneClass(context=ctx, audit=True)   # every play and every beat end is checked
    scene.render()
    scene.audit_log, scene.legibility_log         # what a viewer would see go wrong
    scene.shown_labels                            # every ValueLabel that was on screen
    scene.boundary_images                         # the first/last frames of the hand-off

Off (the default), nothing is measured and nothing costs.
"""
from __future__ import annotations

import numpy as np
from manim import Text

from . import style
from .kit import ValueLabel
from .kit.highlights import is_visible

# ---- legibility: what the audit enforces on every text --------------------------------------
PX_PER_UNIT = 1080 / style.FRAME_H        # 135 px per scene unit at 1080p
DIGIT_PX_PER_SIZE = 1.417                 # a digit's height in px at 1080p per font_size point
MIN_TEXT_PX = 24                          # no text under 24 px at 1080p
TEXT_GAP = 0.0                            # scene units two texts' boxes keep apart (at least)
FOREGROUND_OPACITY = 0.5                  # texts at least this opaque must not overlap


class Audit:
    """Mixin for NanoScene: records what is off-frame, in the caption band or unreadable."""

    def __init__(self, *args, audit: bool = False, **kwargs):
        self.auditing = audit
        self.audit_log: list[str] = []
        self.legibility_log: list[str] = []   # texts under MIN_TEXT_PX or outside title-safe
        self.shown_labels: set = set()
        self.boundary_images: dict[str, np.ndarray] = {}   # "first"/"last" hand-off frames
        self._legibility_seen: set = set()
        super().__init__(*args, **kwargs)

    def capture(self, which: str) -> None:
        """Keep the current picture as the scene's first/last frame (boundary tests)."""
        if not self.auditing:
            return
        self.renderer.update_frame(self, ignore_skipping=True)
        self.boundary_images[which] = np.array(self.camera.get_image().convert("RGB"))

    def visible_mobjects(self):
        """Top-level mobjects on screen other than the captions."""
        return [m for m in self.mobjects if m is not self.captions and is_visible(m)]

    def audit(self) -> None:
        """Record layout problems: off-frame, or reaching into the caption band."""
        if not self.auditing:
            return
        where = f"{type(self).__name__} beat {self.line.id if self.line else '-'}"
        half_w, half_h = style.FRAME_W / 2, style.FRAME_H / 2
        for mob in self.visible_mobjects():
            family = mob.get_family()
            for part in family:
                # ValueLabels are few: the type test first spares a visibility walk per part.
                if isinstance(part, ValueLabel) and _has_any_points(part) and (part is mob or is_visible(part)):
                    self.shown_labels.add(part)
            if not any(_has_points(m) for m in family):
                continue
            # get_left()[0], get_bottom()[1]... each walk the boundary points: one walk here
            points = mob.get_points_defining_boundary()
            (left, bottom), (right, top) = points[:, :2].min(axis=0), points[:, :2].max(axis=0)
            name = type(mob).__name__
            if left < -half_w or right > half_w or top > half_h or bottom < -half_h:
                self.audit_log.append(f"{where}: {name} leaves the frame "
                                      f"(x {left:.2f}..{right:.2f}, y {bottom:.2f}..{top:.2f})")
            elif bottom < style.CAPTION_TOP - 1e-6:
                self.audit_log.append(f"{where}: {name} reaches into the caption band "
                                      f"(bottom {bottom:.2f} < {style.CAPTION_TOP})")
        self.audit_text()

    def audit_text(self) -> None:
        """Record texts a viewer cannot read comfortably: under MIN_TEXT_PX at 1080p (a
        digit's height, from the font size after any scaling), outside title-safe, or over
        another text (of those in the foreground: a dimmed layer steps back on purpose)."""
        where = f"{self.scene_id} beat {self.line.id if self.line else '-'}"
        seen = self._legibility_seen
        boxes = []   # (text, box) of every foreground text, for the overlap check
        for mob in self.visible_mobjects():
            for part in mob.get_family():
                if not isinstance(part, Text) or not _has_any_points(part) or not is_visible(part):
                    continue
                shown = " ".join(str(part.text).split())[:30]
                px = part.font_size * DIGIT_PX_PER_SIZE
                if px < MIN_TEXT_PX - 0.05 and (shown, "size") not in seen:
                    seen.add((shown, "size"))
                    self.legibility_log.append(f"{where}: text {shown!r} is {px:.1f} px at 1080p "
                                               f"(font_size {part.font_size:.1f}; min {MIN_TEXT_PX} px)")
                points = part.get_points_defining_boundary()
                (left, bottom), (right, top) = points[:, :2].min(axis=0), points[:, :2].max(axis=0)
                if _opacity(part) >= FOREGROUND_OPACITY:   # a dimmed layer steps back on purpose
                    boxes.append((shown, (left, bottom, right, top)))
                safe_x, safe_y = style.TITLE_SAFE_X, style.TITLE_SAFE_Y
                if (left < -safe_x - 1e-3 or right > safe_x + 1e-3 or top > safe_y + 1e-3
                        or bottom < -safe_y - 1e-3) and (shown, "margin") not in seen:
                    seen.add((shown, "margin"))
                    edge = min(left + style.FRAME_W / 2, style.FRAME_W / 2 - right,
                               style.FRAME_H / 2 - top, bottom + style.FRAME_H / 2) * PX_PER_UNIT
                    self.legibility_log.append(f"{where}: text {shown!r} is {edge:.0f} px from the frame's "
                                               f"edge at 1080p (title-safe: {0.05 * 1920:.0f} px)")
        for a, b in _overlapping(boxes):
            if (a, b, "overlap") not in seen:
                seen.add((a, b, "overlap"))
                self.legibility_log.append(f"{where}: text {a!r} runs into text {b!r}")


def _has_points(mob) -> bool:
    return mob.has_points() if hasattr(mob, "has_points") else True


def _has_any_points(mob) -> bool:
    """True if the mobject or any part of it has points (a Text's points are in its glyphs)."""
    return any(_has_points(m) for m in mob.get_family())


def _overlapping(boxes):
    """The pairs of texts, of (text, (left, bottom, right, top)) `boxes`, whose boxes come
    closer than TEXT_GAP across both axes (one text over or against another)."""
    for i, (a, (l1, b1, r1, t1)) in enumerate(boxes):
        for b, (l2, b2, r2, t2) in boxes[i + 1:]:
            if min(r1, r2) - max(l1, l2) > -TEXT_GAP and min(t1, t2) - max(b1, b2) > -TEXT_GAP:
                yield a, b


def _opacity(mob) -> float:
    """The most opaque fill among the mobject's drawn parts (a Text's glyphs)."""
    return max((m.get_fill_opacity() for m in mob.get_family() if m.has_points()), default=0.0)
