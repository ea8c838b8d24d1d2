"""The caption band: the cues of the current narration line, drawn in the picture.

CaptionArea holds one Text per cue of the line NanoScene (scenes/base.py) is playing and shows
the one due; CaptionTrack switches cues during a play that crosses a cue boundary. Holds switch
them between frozen waits (NanoScene.hold).
"""
from __future__ import annotations

from manim import Animation, Text, VGroup

from . import style


class CaptionTrack(Animation):
    """Shows the right caption cue at each frame of a play that crosses a cue boundary."""

    def __init__(self, captions: "CaptionArea", start: float, run_time: float, **kwargs):
        self.captions, self.start = captions, start
        super().__init__(captions, run_time=run_time, rate_func=lambda t: t, **kwargs)

    def interpolate_mobject(self, alpha: float) -> None:
        self.captions.show_at(self.start + alpha * self.run_time)


class CaptionArea(VGroup):
    """The caption band at the bottom: one Text per cue of the current line, one visible."""

    def __init__(self, language, shown: bool = True):
        super().__init__()
        self.language, self.shown = language, shown   # shown False: never any cue (SUBS=track)
        self.cues = []

    def set_line(self, line, texts: bool = True) -> None:
        """The cues of `line`; `texts` False: their timing only (nothing shown)."""
        self.remove(*self.submobjects)
        self.cues = list(line.cues) if self.shown else []
        texts = [self._text(cue.text) for cue in self.cues] if texts else []
        if texts:
            self.add(*texts)
        self.show_at(0.0)

    def _text(self, text: str) -> Text:
        t = Text(text, font=self.language.font, font_size=self.language.caption_size, color=style.INK,
                 line_spacing=0.9)
        # Inside title-safe (5% of the frame each side) and above the frame's bottom 5%.
        max_w, max_h = 2 * style.TITLE_SAFE_X, style.CAPTION_TOP + style.TITLE_SAFE_Y - 0.1
        if t.width > max_w:
            t.scale_to_fit_width(max_w)
        if t.height > max_h:
            t.scale_to_fit_height(max_h)
        return t.move_to([0, (style.CAPTION_TOP - style.TITLE_SAFE_Y) / 2, 0])

    def active_index(self, t: float) -> int | None:
        for i, cue in enumerate(self.cues):
            if cue.offset <= t + 1e-9 < cue.offset + cue.duration:
                return i
        return None

    def show_at(self, t: float) -> None:
        active = self.active_index(t)
        for i, text in enumerate(self.submobjects):
            text.set_opacity(1.0 if i == active else 0.0)

    def boundaries(self) -> list[float]:
        return sorted({c.offset for c in self.cues} | {c.offset + c.duration for c in self.cues})
