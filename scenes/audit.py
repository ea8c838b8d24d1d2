"""The scene audit: layout and legibility checks a test switches on (a mixin of NanoScene).

    scene = SceneClass(context=ctx, audit=True)   # every play and every beat end is checked
    scene.render()
    scene.audit_log, scene.legibility_log         # what a viewer would see go wrong
    scene.layout_findings                         # Finding(line, rule, message) of the frame rules
    scene.shown_labels                            # every ValueLabel that was on screen
    scene.boundary_images                         # the first/last frames of the hand-off

The frame rules (issue 23, "every frame earns its width"), each a `rule` of layout_findings:

    width     a beat's drawing, as a time-weighted median over its frames, covers under
              MIN_WIDTH_SHARE of the title-safe width: the x-extents of what is drawn, gaps
              under WIDTH_GAP bridged (empty stretches wider than that are not covered), the
              docked mini-map, ghosts and veils left out
    margin    something is drawn inside the 5 % title-safe margin
    captions  the drawing comes closer than style.CAPTION_CLEARANCE (30 px) to the captions
    ghost     something is drawn over ghosted (dimmed) content
    dock      something is drawn over the dock (the mini-map and its "you are here" name)
    contrast  a text in the foreground (not a ghost) is fainter than MIN_CONTRAST against the
              background, its colour blended by its opacity (a half-faded label reads as a smudge)

Off (the default), nothing is measured and nothing costs.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from manim import ImageMobject, Text

from . import style
from .kit import ValueLabel
from .kit.highlights import is_visible

# ---- legibility: what the audit enforces on every text --------------------------------------
PX_PER_UNIT = 1080 / style.FRAME_H        # 135 px per scene unit at 1080p
DIGIT_PX_PER_SIZE = 1.417                 # a digit's height in px at 1080p per font_size point
MIN_TEXT_PX = 24                          # no text under 24 px at 1080p
TEXT_GAP = 0.0                            # scene units two texts' boxes keep apart (at least)
FOREGROUND_OPACITY = 0.5                  # texts at least this opaque must not overlap

# ---- the frame rules -----------------------------------------------------------------------
MIN_WIDTH_SHARE = 0.70        # a beat's median drawing width, of the title-safe width (2 x TITLE_SAFE_X)
WIDTH_GAP = 0.6               # scene units (80 px): a narrower gap between two drawn things still counts
GHOST_OPACITY = 0.5           # drawn parts fainter than this (and visible) are ghosted content
GHOST_OVERLAP = 0.1           # scene units (13 px) both ways a drawing may touch a ghost: frames, edges
DOCK_OVERLAP = 0.02           # ... and the dock (3 px): a name 6 px under the dock's name passed at 13
EDGE = 1e-3                   # rounding slack on every limit
MIN_CONTRAST = 4.5            # WCAG AA for text, against style.BACKGROUND


@dataclass(frozen=True)
class Finding:
    line: str      # the narration line (beat) it happened in
    rule: str      # width, margin, captions or ghost
    message: str


@dataclass
class _Parts:
    """Every drawn part on screen, in drawing order: boxes [n, 4] (left, bottom, right, top),
    opacity, and whether it is a veil (a background-coloured cover that dims what is under it)
    or part of the dock (the mini-map)."""
    boxes: np.ndarray
    opacity: np.ndarray
    veil: np.ndarray
    dock: np.ndarray
    names: list


class Audit:
    """Mixin for NanoScene: records what is off-frame, in the caption band or unreadable."""

    def __init__(self, *args, audit: bool = False, **kwargs):
        self.auditing = audit
        self.audit_log: list[str] = []
        self.legibility_log: list[str] = []   # texts under MIN_TEXT_PX or outside title-safe
        self.shown_labels: set = set()
        self.boundary_images: dict[str, np.ndarray] = {}   # "first"/"last" hand-off frames
        self.layout_findings: list[Finding] = []
        self.width_medians: dict[str, float] = {}         # line id -> median drawing width share
        self._legibility_seen: set = set()
        self._found: set = set()
        self._widths: list[tuple[int, float]] = []          # (frames, width share) of this beat
        self._width_now, self._width_since = None, 0
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
        self.audit_frame()

    # ---- the frame rules ------------------------------------------------------------------

    def audit_frame(self) -> None:
        parts = self._parts()
        self._check_edges(parts)
        self._check_ghosts(parts)
        self._check_dock(parts)
        self._track_width(parts)

    def audit_play(self, start_frame: int) -> None:
        """After a play that began at `start_frame`: its frames show (about) its end state."""
        if not self.auditing:
            return
        self._close_width_span(start_frame)
        self.audit()
        self._widths.append((self.frames - start_frame, self._width_now))
        self._width_since = self.frames

    def audit_beat_start(self) -> None:
        if self.auditing:
            self._widths, self._width_since = [], self.frames

    def audit_beat_end(self) -> None:
        """The beat's median drawing width, checked against MIN_WIDTH_SHARE."""
        if not self.auditing:
            return
        self.audit()
        self._close_width_span(self.frames)
        spans = [(n, w) for n, w in self._widths if n > 0 and w is not None]
        if not spans:
            return
        widths = np.array([w for _, w in spans])
        weights = np.array([n for n, _ in spans], dtype=float)
        order = np.argsort(widths)
        cumulative = np.cumsum(weights[order])
        median = float(widths[order][np.searchsorted(cumulative, cumulative[-1] / 2)])
        self.width_medians[self.line.id] = median
        if median < MIN_WIDTH_SHARE:
            self._find("width", f"the drawing spans {median:.0%} of the title-safe width "
                                f"(median over the beat; at least {MIN_WIDTH_SHARE:.0%})")

    def _close_width_span(self, frame: int) -> None:
        """The frames since the last sample (a hold) showed the last sampled picture."""
        if self._width_now is not None and frame > self._width_since:
            self._widths.append((frame - self._width_since, self._width_now))
        self._width_since = frame

    def _track_width(self, parts: _Parts) -> None:
        drawing = (parts.opacity >= GHOST_OPACITY) & ~parts.veil & ~parts.dock
        if not drawing.any():
            self._width_now = 0.0
            return
        self._width_now = covered(parts.boxes[drawing][:, [0, 2]]) / (2 * style.TITLE_SAFE_X)

    def _check_edges(self, parts: _Parts) -> None:
        shown = ~parts.veil
        left, bottom, right, top = parts.boxes[shown].T if shown.any() else (np.zeros(0),) * 4
        names = [n for n, s in zip(parts.names, shown) if s]
        safe_x, safe_y = style.TITLE_SAFE_X + EDGE, style.TITLE_SAFE_Y + EDGE
        outside = np.flatnonzero((left < -safe_x) | (right > safe_x) | (top > safe_y))
        if outside.size:
            i = outside[0]
            edge = min(left[i] + style.FRAME_W / 2, style.FRAME_W / 2 - right[i], style.FRAME_H / 2 - top[i])
            self._find("margin", f"{names[i]} (and {outside.size - 1} more) is drawn {edge * PX_PER_UNIT:.0f} px "
                                 f"from the frame's edge (x {left[i]:.2f}..{right[i]:.2f}, top {top[i]:.2f}; "
                                 f"title-safe keeps {0.05 * 1920:.0f} px free)")
        low = np.flatnonzero(bottom < style.STAGE_BOTTOM - EDGE)
        if low.size:
            i = low[np.argmin(bottom[low])]
            gap = (bottom[i] - style.CAPTION_TOP) * PX_PER_UNIT
            self._find("captions", f"{names[i]} (and {low.size - 1} more) comes {gap:.0f} px from the captions "
                                   f"(bottom {bottom[i]:.2f}; at least {style.CAPTION_CLEARANCE * PX_PER_UNIT:.0f} px)")

    def _check_ghosts(self, parts: _Parts) -> None:
        """Something drawn after (over) ghosted content that it overlaps: a dimmed part, or
        what a veil dims."""
        ghost = ((parts.opacity > 0.01) & (parts.opacity < GHOST_OPACITY) & ~parts.veil) | (
            parts.veil & (parts.opacity >= GHOST_OPACITY) & (parts.opacity < 1.0 - EDGE))
        drawn = (parts.opacity >= GHOST_OPACITY) & ~parts.veil
        if not ghost.any() or not drawn.any():
            return
        g, d = np.flatnonzero(ghost), np.flatnonzero(drawn)
        over = _overlaps(parts.boxes[d], parts.boxes[g]) & (d[:, None] > g[None, :])
        pairs = np.argwhere(over)
        if pairs.size:
            i, j = pairs[0]
            self._find("ghost", f"{parts.names[d[i]]} is drawn over ghosted {parts.names[g[j]]} "
                                f"({len(pairs)} such overlaps)")

    def _check_dock(self, parts: _Parts) -> None:
        """Nothing of the chapter's own drawing on the dock."""
        dock, drawn = np.flatnonzero(parts.dock), np.flatnonzero(~parts.dock & ~parts.veil & (parts.opacity > 0.01))
        if not dock.size or not drawn.size:
            return
        pairs = np.argwhere(_overlaps(parts.boxes[drawn], parts.boxes[dock], DOCK_OVERLAP))
        if pairs.size:
            i, j = pairs[0]
            self._find("dock", f"{parts.names[drawn[i]]} is drawn on the dock's {parts.names[dock[j]]} "
                               f"({len(pairs)} such overlaps)")

    def _check_contrast(self, text: Text, shown: str, alpha: float) -> None:
        """A foreground text (a ghost steps back on purpose, and nothing may cover it) at least
        MIN_CONTRAST against the background, its colour (its glyphs') blended by its opacity."""
        glyph = next(m for m in text.get_family() if m.has_points())
        ratio = contrast(glyph.get_fill_color(), round(alpha, 2))
        if ratio < MIN_CONTRAST:
            self._find("contrast", f"text {shown!r} is {ratio:.1f}:1 against the background "
                                   f"(at least {MIN_CONTRAST}:1)")

    def _find(self, rule: str, message: str) -> None:
        """One finding per beat and rule: the first time the rule breaks in it."""
        line = self.line.id if self.line else "-"
        if (line, rule) in self._found:
            return
        self._found.add((line, rule))
        self.layout_findings.append(Finding(line, rule, message))

    def _parts(self) -> _Parts:
        """The drawn parts of everything on screen but the captions (a text is one part)."""
        rows, names, veils, docks, opacities, z = [], [], [], [], [], []
        for top in self.visible_mobjects():
            dock = bool(getattr(top, "is_dock", False))
            for part in _drawn_parts(top):
                z.append(part.z_index)
                points = part.get_points_defining_boundary()
                (left, bottom), (right, up) = points[:, :2].min(axis=0), points[:, :2].max(axis=0)
                rows.append((left, bottom, right, up))
                opacities.append(_part_opacity(part))
                veils.append(_is_veil(part))
                docks.append(dock or bool(getattr(part, "is_dock", False)))
                names.append(_name(part))
        order = np.argsort(np.array(z, dtype=float), kind="stable")   # as the camera draws them
        return _Parts(np.array(rows, dtype=float).reshape(-1, 4)[order], np.array(opacities, dtype=float)[order],
                      np.array(veils, dtype=bool)[order], np.array(docks, dtype=bool)[order],
                      [names[i] for i in order])

    def audit_text(self) -> None:
        """Record texts a viewer cannot read comfortably: under MIN_TEXT_PX at 1080p (a
        digit's height, from the font size after any scaling), outside title-safe, or over
        another text (of those in the foreground: a dimmed layer steps back on purpose)."""
        where = f"{self.scene_id} beat {self.line.id if self.line else '-'}"
        seen = self._legibility_seen
        boxes = []   # (text, box) of every foreground text, for the overlap check
        for mob in self.visible_mobjects():
            docked = getattr(mob, "is_dock", False)   # what runs into the dock is the dock rule's
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
                alpha = _opacity(part)
                if alpha >= FOREGROUND_OPACITY and not docked:   # a dimmed layer steps back on purpose
                    boxes.append((shown, (left, bottom, right, top)))
                if alpha >= GHOST_OPACITY and not docked:
                    self._check_contrast(part, shown, alpha)
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


def covered(spans: np.ndarray) -> float:
    """The length of the x-axis the [left, right] `spans` cover, gaps under WIDTH_GAP bridged."""
    total, start, end = 0.0, None, None
    for left, right in spans[np.argsort(spans[:, 0])]:
        if start is None:
            start, end = left, right
        elif left - end < WIDTH_GAP:
            end = max(end, right)
        else:
            total, start, end = total + end - start, left, right
    return float(total + (end - start if start is not None else 0.0))


@functools.lru_cache(maxsize=4096)
def _contrast(rgb: tuple, alpha: float) -> float:
    bg = np.array(style.BACKGROUND.to_rgb())
    fg = np.array(rgb) * alpha + bg * (1 - alpha)

    def luminance(c):
        c = np.where(c <= 0.03928, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
        return float(c @ [0.2126, 0.7152, 0.0722])
    return (luminance(fg) + 0.05) / (luminance(bg) + 0.05)


def contrast(color, alpha: float = 1.0) -> float:
    """WCAG contrast ratio of `color` drawn at `alpha` over style.BACKGROUND."""
    return _contrast(tuple(float(c) for c in color.to_rgb()), float(alpha))


def _overlaps(a: np.ndarray, b: np.ndarray, slack: float = None) -> np.ndarray:
    """[len(a), len(b)]: whether box a[i] and box b[j] overlap by more than `slack` (default
    GHOST_OVERLAP) both ways."""
    slack = GHOST_OVERLAP if slack is None else slack
    across = np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0])
    up = np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1])
    return (across > slack) & (up > slack)


def _drawn_parts(top):
    """The drawn parts of `top` in drawing order: a text whole, else every part with points."""
    parts = []

    def walk(mob):
        if isinstance(mob, Text):
            if _has_any_points(mob) and is_visible(mob):
                parts.append(mob)
            return
        if mob.has_points() and is_visible(mob):
            parts.append(mob)
        for sub in mob.submobjects:
            walk(sub)
    walk(top)
    return parts


def _part_opacity(part) -> float:
    """How opaque a part is drawn: an image's alpha, else its most opaque fill or stroke."""
    if isinstance(part, ImageMobject):
        return float(getattr(part, "stroke_opacity", 1.0))
    fills = [m.get_fill_opacity() for m in part.get_family() if m.has_points()]
    strokes = [m.get_stroke_opacity() for m in part.get_family() if m.has_points() and m.get_stroke_width() > 0]
    return max(fills + strokes, default=0.0)


def _is_veil(part) -> bool:
    """A cover in the background colour without an outline: it dims or hides what is under it."""
    if isinstance(part, ImageMobject) or isinstance(part, Text) or part.get_stroke_width() > 0 and \
            part.get_stroke_opacity() > 0.01:
        return False
    return part.get_fill_opacity() > 0.01 and part.get_fill_color().to_hex().lower() == \
        style.BACKGROUND.to_hex().lower()


def _name(part) -> str:
    if isinstance(part, Text):
        return f"text {' '.join(str(part.text).split())[:24]!r}"
    return type(part).__name__
