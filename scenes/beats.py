"""The beat vocabulary: what every scene says while a narration line plays (NanoScene has it).

    self.at_word("mean", default=0.5)                # hold until the caption says [layernorm.cues] mean
    self.at_cue(1)                                   # ... or until its second cue is up
    self.highlight(self.mean, share=0.1)             # the yellow frame moves to what is named
    self.play(self.highlight_to(self.var), ...)      # ... moves along, played with others
    self.play(self.unhighlight(), ...)               # ... and leaves
    self.play(*self.dim(self.heatmap, opacity=0.3))  # push something back; opacity=1 restores
    self.play(self.reveal(self.heatmap))             # show an image without redrawing it

Times are shares of the current line up to its hold (self.t(share) turns one into seconds), so a
beat fits its line whatever the voice, and the picture is still through a narration pause. Drawing order is a policy here too: before each play,
what it animates is lifted above what stays still (see lift_movers), because Manim redraws on
every frame each mobject from the first animated one upward, and images are the costly part.
"""
from __future__ import annotations

import re

from manim import (Animation, ApplyFunction, Create, FadeIn, FadeOut, ImageMobject, LaggedStart,
                   Rectangle, ReplacementTransform, VGroup, VMobject)
from manim.animation.animation import prepare_animation

from . import style
from .kit.highlights import highlight_box, remember_look, set_look, veil

FRONT = 10   # z-index of highlight frames: always drawn over images


class Beats:
    """Mixin for NanoScene: timing within a line, the highlight frame, dimming, drawing order."""

    highlighted = None   # the highlight frame on screen, if any
    unsaid: list         # (line id, cue word) of every cue word its line did not say

    # ---- when in the line ----------------------------------------------------------------

    def cue_share(self, i: int) -> float:
        """Where caption cue i starts, as a share of the line (0 if the line has fewer cues)."""
        cues = self.line.cues
        return cues[i].offset / self.line.held_from if i < len(cues) else 0.0

    def word_share(self, cue: str, default: float) -> float:
        """Share of the line at which its captions first say the cue word `cue` (a key of this
        scene's [<scene>.cues] words table), else `default`."""
        spellings = self.words["cues"][cue]
        return self.said_share([spellings] if isinstance(spellings, str) else spellings, default, cue)

    def said_share(self, texts, default: float, cue: str | None = None) -> float:
        """Share of the line at which its captions first say one of `texts`, else `default`
        (and the miss is noted in self.unsaid, which the scene tests check is empty)."""
        pattern = re.compile("|".join(_said(text) for text in texts))
        said = pattern.search(self.line.text) if self.line.words else None
        spoken_at = self.line.time_at(said.start()) if said else None
        if spoken_at is not None:   # the voice timed its words: the moment it says this one
            return min(0.95, spoken_at / self.line.held_from)
        joiner = "" if self.context.language.cjk else " "
        for c in getattr(self.line, "cues", ()):
            text = c.text.replace("\n", joiner)
            found = pattern.search(text)
            if found:
                return min(0.95, (c.offset + c.duration * found.start() / max(1, len(text))) / self.line.held_from)
        self.unsaid.append((self.line.id, cue or texts[0]))
        return default

    def at_share(self, share: float, room: float = 0.0, calm: float = 0.04) -> None:
        """Hold the picture until `share` of the line has passed (no-op if it has), but no
        later than leaves `room` (the shares still to play) plus `calm` at the end."""
        share = min(share, 1.0 - room - calm)
        # The said time, but never later than the same share of the beat's own time (the line
        # less the handoff's opening and closing; see NanoScene.t), so the beat still fits.
        target = min(share * self.line.held_from, self.lead + share * self.span)
        seconds = target - self._beat_time()
        if seconds * self.fps >= 1:
            self.hold(seconds)

    def at_cue(self, i: int, room: float = 0.0, calm: float = 0.04) -> None:
        """Hold until caption cue i is up (see at_share)."""
        self.at_share(self.cue_share(i), room, calm)

    def at_word(self, cue: str, default: float, room: float = 0.0) -> None:
        """Hold until the caption says the cue word `cue` (see word_share and at_share)."""
        self.at_share(self.word_share(cue, default), room)

    def at_said(self, texts, default: float, room: float = 0.0) -> None:
        """Hold until the caption says one of `texts` (for words from the run, not the words file)."""
        self.at_share(self.said_share(texts, default), room)

    # ---- the highlight frame: an outline on what the caption names ------------------------

    def frame_around(self, mob, buff: float = 0.05, **kwargs) -> Rectangle:
        """A highlight outline around `mob`, drawn above everything; its buff gives way at the
        title-safe edge (English names reached 6.42 framed, 94 px from the edge)."""
        frame = highlight_box(mob, buff=buff, **kwargs)
        left, right = max(frame.get_left()[0], -style.TITLE_SAFE_X), min(frame.get_right()[0], style.TITLE_SAFE_X)
        if right - left < frame.width and right > left:
            frame.stretch_to_fit_width(right - left).set_x((left + right) / 2)
        return as_frame(frame)

    def highlight(self, target, share: float, *also, buff: float = 0.08) -> None:
        """Move the highlight frame to `target` (drawn in the first time), playing `also`
        alongside, in `share` of the line. `target` is a mobject to frame, or a ready frame
        (from frame_around or as_frame, or a VGroup of them) to move to."""
        new = target if _is_frame(target) else self.frame_around(target, buff=buff)
        new.set_z_index(FRONT)
        if self.highlighted is None:
            first = Create(new)
        else:
            self.bring_to_front(self.highlighted)   # only the frame is redrawn while it moves
            first = ReplacementTransform(self.highlighted, new)
        self.play(first, *also, run_time=self.t(share))
        self.highlighted = new

    def highlight_to(self, target, buff: float = 0.08) -> Animation:
        """An animation moving the highlight frame (already on screen) to `target`: for walks
        inside a Succession, or moves played with other animations."""
        new = target if _is_frame(target) else self.frame_around(target, buff=buff)
        return self.highlighted.animate.become(new)

    def unhighlight(self) -> Animation:
        """An animation that takes the highlight frame away (nothing if there is none)."""
        old, self.highlighted = self.highlighted, None
        return FadeOut(old) if old is not None else FadeIn(VGroup())

    # ---- pushing things back --------------------------------------------------------------

    def dim(self, *mobs, opacity: float) -> list[Animation]:
        """Animations setting `mobs` to `opacity` (1 restores). An image is dimmed by a veil of
        background colour over it: animating the image itself would make Manim redraw it (a
        full-frame composite at 1080p) on every frame."""
        return [veil(mob).animate.set_fill(opacity=1 - opacity) if isinstance(mob, ImageMobject)
                else ApplyFunction(lambda m, o=opacity: set_look(m, o), remember_look(mob)) for mob in mobs]

    def reveal(self, *images, lag_ratio: float = 0.0) -> Animation:
        """An animation showing `images`: they are drawn once, covers fade off them."""
        covers = [Rectangle(width=m.width + 0.02, height=m.height + 0.02, stroke_width=0,
                            fill_color=style.BACKGROUND, fill_opacity=1).move_to(m) for m in images]
        self.add(*images, *covers)
        return LaggedStart(*[FadeOut(c) for c in covers], lag_ratio=lag_ratio)

    # ---- drawing order ---------------------------------------------------------------------

    def lift_movers(self, animations) -> list[Animation]:
        """Bring what `animations` animate to the top of the drawing order (a part lifts its
        top-level group). Groups holding images stay where they are: an image is costly to
        redraw, and its veil must stay above it."""
        animations = [prepare_animation(a) for a in animations]
        movers = []
        for anim in animations:
            top = self._top_level(anim.mobject)
            if top is not None and top not in movers and not any(
                    isinstance(m, ImageMobject) for m in top.get_family()):
                movers.append(top)
        if movers:
            self.bring_to_front(*movers)
        return animations

    def _top_level(self, mob):
        """The mobject of the scene list that holds `mob` (itself if it is there)."""
        if mob in self.mobjects:
            return mob
        return next((top for top in self.mobjects if mob in top.get_family()), None)


def _said(text: str) -> str:
    """A regex for `text` as said: case as written, and a Latin word never inside another
    (the letter "A" is not the a of "case")."""
    edge = "(?<![A-Za-z0-9])" if text[:1].isascii() and text[:1].isalnum() else ""
    end = "(?![A-Za-z0-9])" if text[-1:].isascii() and text[-1:].isalnum() else ""
    return edge + re.escape(text) + end


def as_frame(outline: VMobject) -> VMobject:
    """Mark an outline (e.g. a heatmap's cell_rect) as a highlight frame, drawn above all."""
    outline.is_frame = True
    return outline.set_z_index(FRONT)


def _is_frame(mob) -> bool:
    if getattr(mob, "is_frame", False):
        return True
    return isinstance(mob, VGroup) and bool(mob.submobjects) and all(_is_frame(m) for m in mob.submobjects)
