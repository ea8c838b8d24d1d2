"""Pieces shared by the overview scenes (intro, input, prediction, transformer, stack).

TokenStrip: the sequence as a row of slots (position numbers above, token chips, token ids
below as ValueLabels). ProbBars: one step's next-token probabilities as bars with their
values. word_share: when in a line the caption names a word (to highlight it *while* said).
"""
from __future__ import annotations

from manim import DOWN, RIGHT, UP, DashedVMobject, Rectangle, RoundedRectangle, VGroup

from . import style
from .kit import TokenChip, ValueLabel, highlight_box, label


class MovingFrame:
    """Scene mixin: one highlight frame that travels to whatever the caption names."""

    frame = None

    def move_frame(self, target, share: float, buff: float = 0.08):
        """Animate the highlight frame onto `target` (creating it the first time)."""
        from manim import Create, Transform
        box = highlight_box(target, buff=buff)
        if self.frame is None:
            self.frame = box
            self.play(Create(box), run_time=self.t(share))
        else:
            self.bring_to_front(self.frame)   # only the frame is redrawn while it moves
            self.play(Transform(self.frame, box), run_time=self.t(share))

    def drop_frame(self, share: float = 0.05):
        from manim import FadeOut
        if self.frame is not None:
            self.play(FadeOut(self.frame), run_time=self.t(share))
            self.frame = None


class TokenStrip(VGroup):
    """`n` slots in a row. Nothing but the empty slots is drawn until asked:
    chip(i, token) -> a TokenChip placed on slot i; position(i) -> its number (from 1);
    id_label(i, run, source, index) -> the token id under slot i, as a ValueLabel."""

    def __init__(self, n: int, size: float = 0.6, buff: float = 0.18, font_size: float = style.SIZE_BODY):
        super().__init__()
        self.size, self.font_size = size, font_size
        self.slots = VGroup(*[DashedVMobject(RoundedRectangle(corner_radius=size * 0.18, width=size,
                                                              height=size, stroke_color=style.EDGE,
                                                              stroke_width=2), num_dashes=16)
                              for _ in range(n)])
        self.slots.arrange(RIGHT, buff=buff)
        self.add(self.slots)

    def chip(self, i: int, token: int) -> TokenChip:
        return TokenChip(token, size=self.size, font_size=self.font_size).move_to(self.slots[i])

    def position(self, i: int, font_size: float = style.MIN_FONT_SIZE):
        return label(str(i + 1), font_size=font_size, color=style.MUTED).next_to(self.slots[i], UP, buff=0.1)

    def positions(self, n: int | None = None) -> VGroup:
        return VGroup(*[self.position(i) for i in range(n or len(self.slots))])

    def id_label(self, i: int, run, source: str, index=(), font_size: float = style.SIZE_LABEL) -> ValueLabel:
        return ValueLabel.of(run, source, index, precision=0, font_size=font_size).next_to(
            self.slots[i], DOWN, buff=0.12)


class ProbBars(VGroup):
    """The next-token probabilities of generation step `step`: a bar per token, its chip
    under it and its value (ValueLabel 'step<k>/.probs') on top. `baseline` is the y of the
    chips' centres; bars grow up from there, `height` tall for probability 1."""

    def __init__(self, run, step: int, height: float = 2.2, bar_width: float = 0.6, buff: float = 0.45,
                 font_size: float = style.SIZE_NUMBER):
        super().__init__()
        self.step = step
        probs = run.steps[step].probs
        self.chips, self.bars, self.values = VGroup(), VGroup(), VGroup()
        for t, p in enumerate(probs):
            chip = TokenChip(t, size=0.5, font_size=style.SIZE_LABEL).move_to(RIGHT * t * (bar_width + buff))
            bar = Rectangle(width=bar_width, height=max(0.02, height * float(p)), stroke_width=0,
                            fill_color=style.TOKEN_COLORS[t], fill_opacity=0.85)
            bar.next_to(chip, UP, buff=0.08)
            value = ValueLabel.of(run, f"step{step}/.probs", (t,), precision=2, font_size=font_size)
            value.next_to(bar, UP, buff=0.08)
            self.chips.add(chip)
            self.bars.add(bar)
            self.values.add(value)
        self.add(self.chips, self.bars, self.values)

    def column(self, t: int) -> VGroup:
        return VGroup(self.chips[t], self.bars[t], self.values[t])

    def settle(self, other: "ProbBars") -> "ProbBars":
        """Place self where `other` is (same chip baseline), for swapping steps in place."""
        return self.shift(other.chips.get_center() - self.chips.get_center())


def word_share(line, words, default: float) -> float:
    """Share of `line`'s duration at which its captions first say one of `words` (any
    language); `default` when none is found (e.g. placeholder lines)."""
    cues = [(c.text.replace("\n", ""), c.offset, c.duration) for c in getattr(line, "cues", ())]
    for text, offset, duration in cues:
        hits = [text.lower().find(w.lower()) for w in words]
        hits = [h for h in hits if h >= 0]
        if hits:
            return min(0.95, (offset + duration * min(hits) / max(1, len(text))) / line.duration)
    return default


def wait_until(scene, share: float, room: float = 0.0) -> None:
    """Hold the picture until `share` of the current line has passed (no-op if already),
    but no later than leaves `room` (a share) plus a short calm for what follows."""
    share = min(share, 0.96 - room)
    seconds = share * scene.line.duration - scene._beat_time()
    if seconds * scene.fps >= 1:
        scene.hold(seconds)
