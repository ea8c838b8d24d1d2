"""A font for reportlab from the language's caption font, embedded in the PDF.

reportlab embeds TrueType outlines only, and Noto Sans CJK (Debian's fonts-noto-cjk) has
PostScript (CFF) outlines. So the font is cut with fontTools to the characters the document
uses (a few hundred of its 65,000 glyphs: about a second), its cubic outlines turned into
quadratic TrueType ones (within 1/1000 em: no visible change), and handed to reportlab, which
embeds that subset. Fonts that are TrueType already are cut the same way.
"""
from __future__ import annotations

import hashlib
import io
import logging
import subprocess

MAX_ERROR = 1.0   # font units (of 1000 an em): how far a quadratic outline may stray from the cubic


class FontMissing(RuntimeError):
    """fontconfig has no file for the family; the message says what to install."""


def font_file(family: str, bold: bool = False) -> tuple[str, int]:
    """(file, index in a collection) that fontconfig picks for `family`."""
    pattern = f"{family}:bold" if bold else family
    try:
        found = subprocess.run(["fc-match", "-f", "%{file}\n%{index}\n%{family}", pattern],
                               capture_output=True, text=True, check=True).stdout.split("\n")
    except (OSError, subprocess.CalledProcessError):
        raise FontMissing("fc-match (fontconfig) is not there; install it: apt-get install fontconfig") from None
    if family.lower() not in found[2].lower():   # fontconfig fell back to another family
        raise FontMissing(f"font '{family}' is not installed (fontconfig offers {found[2]!r}); "
                          "install it: apt-get install fonts-noto-cjk")
    return found[0], int(found[1] or 0)


def register(family: str, text: str, bold: bool = False) -> str:
    """`family` cut to the characters of `text`, registered with reportlab; returns the name
    to use in styles (unique per family, weight and character set)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    chars = "".join(sorted(set(text) | set(" 0123456789")))
    name = f"{family.replace(' ', '')}{'-Bold' if bold else ''}-{hashlib.sha1(chars.encode()).hexdigest()[:8]}"
    if name not in pdfmetrics.getRegisteredFontNames():
        path, index = font_file(family, bold)
        pdfmetrics.registerFont(TTFont(name, io.BytesIO(truetype_subset(path, index, chars))))
    return name


def truetype_subset(path: str, index: int, chars: str) -> bytes:
    """The font at `path` (face `index` of a collection) cut to `chars`, as TrueType bytes."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    logging.getLogger("fontTools").setLevel(logging.WARNING)   # (it reports every table it cuts)
    font = TTFont(path, fontNumber=index, lazy=True)
    options = subset.Options()
    options.name_IDs, options.notdef_outline, options.hinting = ["*"], True, False
    options.layout_features = []   # plain text: no shaping tables needed
    cutter = subset.Subsetter(options)
    cutter.populate(text=chars)
    cutter.subset(font)
    if "CFF " in font:
        _to_quadratic(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def _to_quadratic(font) -> None:
    """Replace the CFF table with glyf/loca (fontTools' otf2ttf recipe)."""
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import newTable

    order = font.getGlyphOrder()
    glyphs = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder, glyf.glyphs = order, {}
    for name in order:
        pen = TTGlyphPen(glyphs)
        glyphs[name].draw(Cu2QuPen(pen, MAX_ERROR, reverse_direction=True))
        glyf[name] = pen.glyph()
    font["glyf"], font["loca"] = glyf, newTable("loca")
    for table in ("CFF ", "VORG"):
        if table in font:
            del font[table]
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    for field in ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                  "maxStackElements", "maxSizeOfInstructions", "maxComponentElements"):
        setattr(maxp, field, 0)
    maxp.maxZones = 1
    font["head"].glyphDataFormat = 0
    post = font["post"]
    post.formatType, post.extraNames, post.mapping = 2.0, [], {}
    post.glyphOrder = order
    font.sfntVersion = "\0\1\0\0"
