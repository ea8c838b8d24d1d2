"""The PPTX deck, written with python-pptx: a title slide, one slide per narration line, the
credits.

A line's slide is its clip over the whole slide (16:9), starting by itself when the slide
opens, with the clip's first frame as its poster; the caption is the slide's notes page. The
chapters are PowerPoint sections (the slide sorter groups the lines by chapter).
"""
from __future__ import annotations

import uuid
from pathlib import Path

from lxml import etree
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Emu, Pt

from .deck import Deck, poster_of

SLIDE_WIDTH, SLIDE_HEIGHT = Emu(12192000), Emu(6858000)   # 13.33 x 7.5 in: PowerPoint's 16:9
BACKGROUND = RGBColor(0x0F, 0x11, 0x17)   # scenes/style.py: the clips' own background
INK = RGBColor(0xE8, 0xE6, 0xE3)
MUTED = RGBColor(0x8B, 0x93, 0xA1)
HIGHLIGHT = RGBColor(0xFF, 0xD5, 0x4A)
BLANK_LAYOUT = 6                          # the default template's "Blank"
# PowerPoint 2010's sections (p14:sectionLst), in presentation.xml's extension list.
P14 = "http://schemas.microsoft.com/office/powerpoint/2010/main"
SECTIONS_EXTENSION = "{521415D9-36F7-43E2-AB2F-B90AF26B5E84}"


def write_pptx(deck: Deck, clips: dict[str, Path], dest: Path) -> Path:
    """The deck as a PPTX at `dest` (the caller writes it under a temporary name)."""
    presentation = Presentation()
    presentation.slide_width, presentation.slide_height = SLIDE_WIDTH, SLIDE_HEIGHT
    sections = [(deck.title, [_title_slide(presentation, deck)])]
    for chapter in deck.chapters:
        sections.append((chapter.title, [_beat_slide(presentation, deck, beat, clips[beat.line.id])
                                         for beat in chapter.beats]))
    sections.append((deck.credits.heading or "credits", [_credits_slide(presentation, deck)]))
    _add_sections(presentation, sections)
    presentation.save(str(dest))
    return dest


def _new_slide(presentation):
    slide = presentation.slides.add_slide(presentation.slide_layouts[BLANK_LAYOUT])
    fill = slide.background.fill
    fill.solid()
    fill.fore_color.rgb = BACKGROUND
    return slide


def _beat_slide(presentation, deck: Deck, beat, clip: Path):
    slide = _new_slide(presentation)
    movie = slide.shapes.add_movie(str(clip), 0, 0, SLIDE_WIDTH, SLIDE_HEIGHT,
                                   poster_frame_image=str(poster_of(clip)), mime_type="video/mp4")
    movie.name = beat.line.id
    _play_on_open(slide, movie)
    notes = slide.notes_slide.notes_text_frame
    notes.text = beat.caption
    for paragraph in notes.paragraphs:
        for run in paragraph.runs:
            _set_font(run, deck.font)
    return slide


def _play_on_open(slide, movie) -> None:
    """The clip starts by itself when the slide opens: python-pptx's media node waits for a
    click (delay "indefinite"); delay 0 starts it with the slide."""
    shape_id = movie.shape_id
    for target in slide.element.iter(qn("p:spTgt")):
        if target.get("spid") == str(shape_id) and target.getparent().getparent().tag == qn("p:cMediaNode"):
            condition = target.getparent().getparent().find(f"{qn('p:cTn')}/{qn('p:stCondLst')}/{qn('p:cond')}")
            condition.set("delay", "0")


def _title_slide(presentation, deck: Deck):
    slide = _new_slide(presentation)
    _text(slide, deck, deck.title, top=0.33, size=54, bold=True)
    _text(slide, deck, deck.subtitle, top=0.52, size=36, color=HIGHLIGHT)
    return slide


def _credits_slide(presentation, deck: Deck):
    slide = _new_slide(presentation)
    rows = [(deck.credits.heading, 36, INK, True)]
    for what, where in deck.credits.entries:
        rows += [(what, 24, INK, False), (where, 18, MUTED, False)]
    top = 0.5 - 0.045 * len(rows)
    for text, size, color, bold in rows:
        _text(slide, deck, text, top=top, size=size, color=color, bold=bold)
        top += 0.09 + (0.03 if bold else 0.0)
    return slide


def _text(slide, deck: Deck, text: str, top: float, size: int, color=INK, bold: bool = False):
    """A line of centred text across the slide, its top at `top` (a share of the height)."""
    box = slide.shapes.add_textbox(Emu(int(SLIDE_WIDTH * 0.05)), Emu(int(SLIDE_HEIGHT * top)),
                                   Emu(int(SLIDE_WIDTH * 0.9)), Emu(int(SLIDE_HEIGHT * 0.1)))
    frame = box.text_frame
    frame.word_wrap = True
    frame.vertical_anchor = MSO_ANCHOR.TOP
    paragraph = frame.paragraphs[0]
    paragraph.alignment = PP_ALIGN.CENTER
    run = paragraph.add_run()
    run.text = text
    run.font.size, run.font.bold = Pt(size), bold
    run.font.color.rgb = color
    _set_font(run, deck.font)
    return box


def _set_font(run, family: str) -> None:
    """`family` for Latin and East Asian text alike (python-pptx's font.name sets Latin only)."""
    run.font.name = family
    properties = run._r.get_or_add_rPr()
    for tag in ("a:ea", "a:cs"):
        element = properties.find(qn(tag))
        if element is None:
            element = etree.SubElement(properties, qn(tag))
        element.set("typeface", family)


def _add_sections(presentation, sections: list[tuple[str, list]]) -> None:
    """PowerPoint sections: (name, slides) in order, every slide in one."""
    root = presentation.part._element
    extensions = root.find(qn("p:extLst"))
    if extensions is None:
        extensions = etree.SubElement(root, qn("p:extLst"))
    extension = etree.SubElement(extensions, qn("p:ext"), uri=SECTIONS_EXTENSION)
    section_list = etree.SubElement(extension, f"{{{P14}}}sectionLst", nsmap={"p14": P14})
    for index, (name, slides) in enumerate(sections):
        guid = uuid.uuid5(uuid.NAMESPACE_URL, f"{index}:{name}")   # the same for the same deck
        section = etree.SubElement(section_list, f"{{{P14}}}section", name=name, id=f"{{{str(guid).upper()}}}")
        ids = etree.SubElement(section, f"{{{P14}}}sldIdLst")
        for slide in slides:
            etree.SubElement(ids, f"{{{P14}}}sldId", id=str(slide.slide_id))


def sections_of(path: Path) -> list[tuple[str, list[int]]]:
    """(name, slide ids) of each section of the PPTX at `path` (for tests and checks)."""
    root = Presentation(str(path)).part._element
    return [(section.get("name"), [int(s.get("id")) for s in section.iter(f"{{{P14}}}sldId")])
            for section in root.iter(f"{{{P14}}}section")]
