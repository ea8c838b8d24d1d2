"""script: the narration as data, filled from a Run, timed, cut into captions and subtitles.

    narration = load_narration("zh")                 # parsed, checked script/narration.zh.txt
    timeline = build_timeline(narration, run)        # reading pace; pass durations= from the voice
    write_subtitles(timeline, "media/video.zh.srt")  # or .vtt
"""
from .fill import PLACEHOLDERS, FilledLine, fill_narration, filled_lines, placeholder_values
from .languages import Language, language, language_codes, words
from .narration import Line, Narration, NarrationError, Section, check_files, load_narration
from .sections import SCENE_IDS
from .subtitles import to_srt, to_vtt, write_subtitles
from .captions import Cue
from .timeline import TimedLine, Timeline, build_timeline

__all__ = ["Language", "language", "language_codes", "words", "SCENE_IDS", "PLACEHOLDERS", "load_narration", "check_files", "build_timeline",
           "fill_narration", "filled_lines", "placeholder_values", "write_subtitles", "to_srt",
           "to_vtt", "Narration", "Section", "Line", "NarrationError", "FilledLine", "Timeline",
           "TimedLine", "Cue"]
