"""Outlines, veils and flights: how something is pointed at, pushed back or combined.

The scene-side vocabulary (the one moving highlight frame, dim/undim, reveal) is in
scenes/beats.py; these are the shapes it uses.
"""
from __future__ import annotations

from manim import AnimationGroup, FadeIn, ImageMobject, LaggedStart, Rectangle, VMobject

from .. import style


def highlight_box(mobject: VMobject | ImageMobject, color=style.HIGHLIGHT, buff: float = 0.06,
                  stroke_width: float = 3) -> Rectangle:
    """A frame around something the caption is naming."""
    return Rectangle(width=mobject.width + 2 * buff, height=mobject.height + 2 * buff,
                     color=color, stroke_width=stroke_width).move_to(mobject)

def pour(sources, target, lag_ratio: float = 0.1, **kwargs) -> AnimationGroup:
    """Copies of `sources` (images or shapes) fly into `target` and fade while it appears: a
    combination of things becoming one thing (a weighted sum, a residual add)."""
    ghosts = [src.copy() for src in sources]
    flights = [ghost.animate(remover=True).replace(target, stretch=True).set_opacity(0) for ghost in ghosts]
    return AnimationGroup(LaggedStart(*flights, lag_ratio=lag_ratio), FadeIn(target), **kwargs)

def remember_look(mob):
    """Note each drawn part's own fill and stroke opacity (once), so set_look scales from them:
    a token chip's faint fill stays faint when the chip comes back (outline, never fill)."""
    for part in mob.get_family():
        if isinstance(part, VMobject) and part.has_points() and not hasattr(part, "natural_look"):
            part.natural_look = (part.get_fill_opacity(), part.get_stroke_opacity())
    return mob


def set_look(mob, opacity: float):
    """Set a mobject's visible opacity: images whole, vector parts as `opacity` times their own
    (remember_look; a curve's empty fill stays empty, a label's absent stroke stays absent)."""
    if isinstance(mob, ImageMobject):
        return mob.set_opacity(opacity)
    remember_look(mob)
    for part in mob.get_family():
        if isinstance(part, ImageMobject):
            part.set_opacity(opacity)
        elif isinstance(part, VMobject) and part.has_points():
            fill, stroke = part.natural_look
            if fill > 0:
                part.set_fill(opacity=opacity * fill, family=False)
            if part.get_stroke_width() > 0 and stroke > 0:
                part.set_stroke(opacity=opacity * stroke, family=False)
    return mob

def veil(image: ImageMobject) -> Rectangle:
    """The image's veil (created transparent on first use, kept on the image)."""
    if getattr(image, "veil", None) is None:
        image.veil = Rectangle(width=image.width, height=image.height, stroke_width=0,
                               fill_color=style.BACKGROUND, fill_opacity=0)
    return image.veil.move_to(image)


def is_visible(mob) -> bool:
    """False for fully transparent VMobjects (e.g. faded out but still in the scene)."""
    if mob.__class__.__name__ == "ImageMobject" or not hasattr(mob, "get_fill_opacity"):
        return True
    return any(m.get_fill_opacity() > 0.01 or (m.get_stroke_width() > 0 and m.get_stroke_opacity() > 0.01)
               for m in mob.get_family() if m.has_points())
