"""The handout: a printable A4 PDF of the video's beats, written with reportlab.

The first page opens with the title and the input with its sorted output; then chapter by
chapter (the chapter's title as a heading), each beat's end picture with its caption beside
it, BEATS_PER_PAGE to a page; the credits close the last page. The pictures are the stills
the beat segments keep (pipeline/segments.py), without the caption band (the caption is
printed beside them); the font is the language's caption font, embedded (pipeline/pdf_fonts.py).
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from .deck import Deck

PAGE_MARGIN_MM = 15
PICTURE_WIDTH_MM = 100         # a beat's picture; its caption takes the rest of the line
PICTURE_PIXELS = 1280          # a picture's width in the PDF: 325 dpi at PICTURE_WIDTH_MM
JPEG_QUALITY = 88
BEATS_PER_PAGE = 4             # what fits beside a heading or two (the pictures set the pace)
TITLE_PT, SUBTITLE_PT, HEADING_PT, CAPTION_PT, SMALL_PT = 24, 15, 15, 10.5, 8.5
INK = "#1d2330"
MUTED = "#6b7280"
HIGHLIGHT = "#b7791f"          # the video's yellow, dark enough for paper


def write_handout(deck: Deck, dest: Path) -> Path:
    """The handout of `deck` at `dest` (the caller writes it under a temporary name)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    styles = _styles(deck)
    with tempfile.TemporaryDirectory() as folder:
        story = _story(deck, styles, Path(folder))
        document = SimpleDocTemplate(str(dest), pagesize=A4, title=_footer_text(deck),
                                     author=deck.title, lang=deck.lang,
                                     initialFontName=styles["caption"].fontName,   # (not Helvetica: unembedded)
                                     leftMargin=PAGE_MARGIN_MM * mm, rightMargin=PAGE_MARGIN_MM * mm,
                                     topMargin=PAGE_MARGIN_MM * mm, bottomMargin=PAGE_MARGIN_MM * mm)
        footer = _footer(deck, styles["small"].fontName)
        document.build(story, onFirstPage=footer, onLaterPages=footer)
    return dest


def _styles(deck: Deck) -> dict:
    """The paragraph styles, in the deck's font cut to the deck's text."""
    from reportlab.lib.styles import ParagraphStyle

    from .pdf_fonts import register

    text = "".join([_footer_text(deck), deck.credits.heading,
                    *[part for entry in deck.credits.entries for part in entry],
                    *[chapter.title for chapter in deck.chapters], *[beat.caption for beat in deck.beats]])
    regular, bold = register(deck.font, text), register(deck.font, text, bold=True)
    # CJK text breaks between any two characters; other text at spaces.
    wrap = "CJK" if any("\u3000" <= c <= "\u9fff" or "\uff00" <= c <= "\uffef" for c in text) else None
    style = lambda name, font, size, color=INK, **more: ParagraphStyle(
        name, fontName=font, fontSize=size, leading=size * 1.45, textColor=color, wordWrap=wrap, **more)
    return {"title": style("title", bold, TITLE_PT, spaceAfter=4),
            "subtitle": style("subtitle", regular, SUBTITLE_PT, HIGHLIGHT, spaceAfter=10),
            "heading": style("heading", bold, HEADING_PT, spaceBefore=10, spaceAfter=6, keepWithNext=True),
            "caption": style("caption", regular, CAPTION_PT),
            "small": style("small", regular, SMALL_PT, MUTED)}


def _story(deck: Deck, styles: dict, folder: Path) -> list:
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, Paragraph, Spacer

    story = [Paragraph(_text(deck.title), styles["title"]), Paragraph(_text(deck.subtitle), styles["subtitle"])]
    number = 0
    for chapter in deck.chapters:
        story.append(Paragraph(_text(chapter.title), styles["heading"]))
        for beat in chapter.beats:
            number += 1
            picture = _picture(beat.still, folder / f"{number:03d}.jpg")
            story += [_beat_row(picture, beat.caption, styles), Spacer(0, 4 * mm)]
    credits = [Paragraph(_text(deck.credits.heading), styles["heading"])]
    for what, where in deck.credits.entries:
        credits += [Paragraph(_text(what), styles["caption"]), Paragraph(_text(where), styles["small"]),
                    Spacer(0, 2 * mm)]
    return story + [KeepTogether(credits)]


def _beat_row(picture: Path, caption: str, styles: dict):
    """A beat: its picture, and its caption beside it."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import Image, Paragraph, Table, TableStyle

    width = PICTURE_WIDTH_MM * mm
    image = Image(str(picture), width=width, height=width * _aspect(picture))
    text_width = A4[0] - 2 * PAGE_MARGIN_MM * mm - width
    row = Table([[image, Paragraph(_text(caption), styles["caption"])]], colWidths=[width, text_width])
    row.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), styles["caption"].fontName),  # (not Helvetica)
                             ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("LEFTPADDING", (0, 0), (0, 0), 0),
                             ("LEFTPADDING", (1, 0), (1, 0), 5 * mm), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                             ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 0)]))
    return row


def _aspect(picture: Path) -> float:
    from PIL import Image

    with Image.open(picture) as image:
        return image.height / image.width


def _picture(still: Path, out: Path) -> Path:
    """The beat's still without its caption band (nothing but captions is drawn there,
    scenes/style.py), PICTURE_PIXELS wide, as a JPEG (reportlab embeds it as it is)."""
    from PIL import Image

    from scenes import style

    with Image.open(still) as image:
        picture = image.convert("RGB")
    keep = (style.FRAME_H / 2 - style.CAPTION_TOP) / style.FRAME_H   # above the captions
    picture = picture.crop((0, 0, picture.width, round(picture.height * keep)))
    if picture.width > PICTURE_PIXELS:
        height = round(picture.height * PICTURE_PIXELS / picture.width)
        picture = picture.resize((PICTURE_PIXELS, height), Image.LANCZOS)
    picture.save(out, format="JPEG", quality=JPEG_QUALITY)
    return out


def _footer(deck: Deck, font: str):
    """Each page's foot: the title and input on the left, the page number on the right."""
    from reportlab.lib.colors import HexColor
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm

    def draw(canvas, document):
        canvas.saveState()
        canvas.setFont(font, SMALL_PT)
        canvas.setFillColor(HexColor(MUTED))
        y = PAGE_MARGIN_MM * mm / 2
        canvas.drawString(PAGE_MARGIN_MM * mm, y, _footer_text(deck))
        canvas.drawRightString(A4[0] - PAGE_MARGIN_MM * mm, y, str(document.page))
        canvas.restoreState()
    return draw


def _footer_text(deck: Deck) -> str:
    return f"{deck.title}: {deck.subtitle}"


def _text(text: str) -> str:
    """`text` for a reportlab Paragraph, which reads a little markup: <, > and & escaped."""
    from xml.sax.saxutils import escape

    return escape(text)
