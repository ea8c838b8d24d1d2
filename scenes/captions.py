"""The caption band: the cues of the current narration line, drawn in the picture.

CaptionArea holds one Paragraph (its lines centred) per cue of the line NanoScene
(scenes/base.py) is playing and shows the one due in each frame; CaptionTrack switches cues
during a play that crosses a cue boundary, NanoScene.hold between frozen waits.

Which cue a frame shows is decided in one place, in whole frames: cue i is shown from the frame
nearest its start (round(offset * fps), counted from the line's first frame) until the next
cue's. A play or a hold cuts its frames at those same frames. (Cutting at the nearest frame but
then asking which cue is due at that frame's time showed the cue before whenever the nearest
frame fell just before the cue's start: through a hold, the cue never appeared until the next
play, up to seconds late. tests/test_captions_in_step.py.)
"""
from __future__ import annotations

from manim import Animation, Paragraph, VGroup

from . import style


class CaptionTrack(Animation):
    """Shows the right caption cue at each frame of a play that crosses a cue boundary: the
    play's frame j (at j / fps into it) is frame `first` + j of the line."""

    def __init__(self, captions: "CaptionArea", first: int, run_time: float, **kwargs):
        self.captions, self.first = captions, first
        super().__init__(captions, run_time=run_time, rate_func=lambda t: t, **kwargs)

    def interpolate_mobject(self, alpha: float) -> None:
        self.captions.show_frame(self.first + int(alpha * self.run_time * self.captions.fps + 0.5))


class CaptionArea(VGroup):
    """The caption band at the bottom: one Paragraph per cue of the current line, one visible."""

    def __init__(self, language, fps: float, shown: bool = True):
        super().__init__()
        self.language, self.fps, self.shown = language, fps, shown   # shown False: never a cue (SUBS=track)
        self.cues = []
        self.starts: list[int] = []   # the line's frame where each cue appears
        self.end = 0                  # ... and where the last one goes

    def set_line(self, line, texts: bool = True) -> None:
        """The cues of `line`; `texts` False: their timing only (nothing shown)."""
        self.remove(*self.submobjects)
        self.cues = list(line.cues) if self.shown else []
        self.starts = [self.frame_of(cue.offset) for cue in self.cues]
        self.end = self.frame_of(self.cues[-1].offset + self.cues[-1].duration) if self.cues else 0
        texts = [self._text(cue.text) for cue in self.cues] if texts else []
        if texts:
            self.add(*texts)
        self.show_frame(0)

    def frame_of(self, seconds: float) -> int:
        """The frame of the line nearest `seconds` into it."""
        return int(seconds * self.fps + 0.5)

    def _text(self, text: str) -> Paragraph:
        """A cue's lines, each centred (a Text would align a second line left). Ligatures off:
        Paragraph shares the glyphs out to the lines by counting characters, and DejaVu Sans
        sets "ff" as one glyph ("Different ... | but" drew "bu" on the first line)."""
        t = Paragraph(*text.split("\n"), font=self.language.font, font_size=self.language.caption_size,
                      color=style.INK, line_spacing=0.9, alignment="center", disable_ligatures=True)
        # Inside title-safe (5% of the frame each side) and above the frame's bottom 5%.
        max_w, max_h = 2 * style.TITLE_SAFE_X, style.CAPTION_TOP + style.TITLE_SAFE_Y - 0.1
        if t.width > max_w:
            t.scale_to_fit_width(max_w)
        if t.height > max_h:
            t.scale_to_fit_height(max_h)
        return t.move_to([0, (style.CAPTION_TOP - style.TITLE_SAFE_Y) / 2, 0])

    def cue_at(self, frame: int) -> int | None:
        """The index of the cue frame `frame` of the line shows (None: no cue)."""
        if not self.cues or frame < self.starts[0] or frame >= self.end:
            return None
        return max(i for i, start in enumerate(self.starts) if start <= frame)

    def show_frame(self, frame: int) -> None:
        """Show the cue of the line's frame `frame`, and only that one."""
        active = self.cue_at(frame)
        for i, text in enumerate(self.submobjects):
            text.set_opacity(1.0 if i == active else 0.0)

    def changes(self) -> list[int]:
        """The line's frames at which the shown cue changes."""
        return sorted(set(self.starts) | {self.end}) if self.cues else []
