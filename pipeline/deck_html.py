"""The HTML deck: a small reveal.js page of our own, opened offline from a folder.

    <name>.html           the page: a title slide, a column of slides per chapter (one per
                          narration line, its clip and its caption as speaker notes), credits
    <name>_assets/        the clips and their posters (clips/), reveal.js with its licence
                          (revealjs/, pipeline/revealjs.py): copy both and it opens anywhere

The arrows and the space bar go through every line in order (navigationMode linear); Esc
shows the chapters side by side. A slide's clip plays when the slide opens (reveal.js
data-autoplay) and stops on its last frame, the beat's end picture. S opens the speaker view
(reveal.js's notes plugin, vendored with it); M mutes and unmutes every clip (listed in
reveal.js's help, ?).
"""
from __future__ import annotations

import json
from html import escape
from pathlib import Path
from urllib.parse import quote

from .deck import Deck, poster_of
from .revealjs import base_url

SLIDE_SIZE = (1280, 720)   # reveal.js's slide size: the clips' 16:9, scaled to the window
MUTE_KEY = 77              # M
BACKGROUND = "#0f1117"     # scenes/style.py BACKGROUND: the clips' own background


def page(deck: Deck, clips: dict[str, Path], assets: str, audio: bool) -> str:
    """The deck's page. `clips`: line id -> clip file, inside the folder `assets` (a name
    relative to the page)."""
    reveal = quote(base_url(assets))
    chapters = "\n".join(_chapter(chapter, clips, assets) for chapter in deck.chapters)
    width, height = SLIDE_SIZE
    return f"""<!doctype html>
<html lang="{escape(deck.lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{escape(deck.title)}: {escape(deck.subtitle)}</title>
<link rel="stylesheet" href="{reveal}/dist/reset.css">
<link rel="stylesheet" href="{reveal}/dist/reveal.css">
<link rel="stylesheet" href="{reveal}/dist/theme/black.css">
<style>
  :root {{ --r-main-font: "{escape(deck.font)}", sans-serif; --r-heading-font: "{escape(deck.font)}", sans-serif;
           --r-background-color: {BACKGROUND}; }}
  .reveal .slides section.beat {{ padding: 0; width: {width}px; height: {height}px; }}
  .reveal .slides section.beat video {{ display: block; margin: 0; width: {width}px; height: {height}px;
                                        max-width: none; max-height: none; object-fit: contain; }}
  .reveal .slides section.card > div {{ height: {height}px; display: flex; flex-direction: column;
                                        justify-content: center; align-items: center; gap: 24px; }}
  .reveal .card h1 {{ font-size: 72px; text-transform: none; margin: 0; }}
  .reveal .card h2 {{ font-size: 48px; text-transform: none; margin: 0; }}
  .reveal .card .subtitle {{ font-size: 44px; color: #ffd54a; margin: 0; }}
  .reveal .card .credit {{ font-size: 28px; margin: 0; }}
  .reveal .card .where {{ font-size: 22px; color: #8b93a1; font-family: monospace; margin: 0; }}
  #mute {{ position: fixed; top: 12px; right: 12px; z-index: 40; width: 44px; height: 44px; padding: 8px;
           border: 0; border-radius: 6px; background: rgba(255,255,255,0.12); cursor: pointer; }}
  #mute svg {{ width: 28px; height: 28px; fill: none; stroke: #e8e6e3; stroke-width: 2; }}
  #mute:not(.muted) .slash, #mute.muted .waves {{ display: none; }}
</style>
</head>
<body>
<div class="reveal"><div class="slides">
<section class="card" data-background-color="{BACKGROUND}"><div>
  <h1>{escape(deck.title)}</h1>
  <p class="subtitle">{escape(deck.subtitle)}</p>
</div></section>
{chapters}
{_credits(deck)}
</div></div>
{_MUTE_BUTTON if audio else ""}
<script src="{reveal}/dist/reveal.js"></script>
<script src="{reveal}/dist/plugin/notes.js"></script>
<script>
{_script(audio)}
</script>
</body>
</html>
"""


def _chapter(chapter, clips: dict[str, Path], assets: str) -> str:
    """A chapter: a column of slides, one per line."""
    slides = "\n".join(_beat_slide(beat, clips[beat.line.id], assets) for beat in chapter.beats)
    return (f'<section data-chapter="{escape(chapter.section)}" data-chapter-title="{escape(chapter.title)}">\n'
            f"{slides}\n</section>")


def _beat_slide(beat, clip: Path, assets: str) -> str:
    src = _url(assets, clip)
    poster = _url(assets, poster_of(clip))
    return (f'  <section class="beat" data-line="{escape(beat.line.id)}" data-background-color="{BACKGROUND}">'
            f'<video data-src="{src}" poster="{poster}" data-autoplay playsinline preload="auto"></video>'
            f'<aside class="notes">{escape(beat.caption)}</aside></section>')


def _credits(deck: Deck) -> str:
    entries = "\n".join(f'  <p class="credit">{escape(what)}</p><p class="where">{escape(where)}</p>'
                        for what, where in deck.credits.entries)
    return (f'<section class="card credits" data-background-color="{BACKGROUND}"><div>\n'
            f"  <h2>{escape(deck.credits.heading)}</h2>\n{entries}\n</div></section>")


def _url(assets: str, clip: Path) -> str:
    return quote(f"{assets}/clips/{clip.name}")


_MUTE_BUTTON = """<button id="mute" type="button" title="M: mute / unmute" aria-pressed="false">
<svg viewBox="0 0 24 24"><path d="M4 9h4l5-4v14l-5-4H4z"/><path class="waves" d="M16 9a4 4 0 0 1 0 6M18.5 6.5a8 8 0 0 1 0 11"/>
<path class="slash" d="M16 9l6 6M22 9l-6 6"/></svg></button>"""


def _script(audio: bool) -> str:
    """Reveal.js started: the lines in one row for the arrows, the notes plugin, and (with
    audio) the mute switch on M and on its button."""
    config = {"hash": True, "width": SLIDE_SIZE[0], "height": SLIDE_SIZE[1], "margin": 0, "center": False,
              "navigationMode": "linear", "slideNumber": "c/t", "controls": True, "progress": True,
              "transition": "none", "backgroundTransition": "none", "viewDistance": 3}
    start = f"Reveal.initialize(Object.assign({json.dumps(config)}, {{plugins: [RevealNotes]}}));"
    if not audio:
        return start
    return start + f"""
let muted = false;
function setMuted(value) {{
  muted = value;
  document.querySelectorAll('section.beat video').forEach(v => {{ v.muted = muted; }});
  const button = document.getElementById('mute');
  button.classList.toggle('muted', muted);
  button.setAttribute('aria-pressed', String(muted));
}}
document.getElementById('mute').addEventListener('click', () => setMuted(!muted));
document.getElementById('mute').hidden = Reveal.isSpeakerNotes();   // (the speaker view's slides are mute)
Reveal.on('ready', () => Reveal.addKeyBinding({{keyCode: {MUTE_KEY}, key: 'M', description: 'Mute / unmute the clips'}},
                                              () => setMuted(!muted)));
Reveal.on('slidechanged', () => setMuted(muted));"""
