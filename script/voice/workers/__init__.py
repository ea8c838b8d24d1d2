"""Neural voice workers: each runs with its own voice environment's Python (.venv-voice-<lang>),
never imported by the project. Protocol (script/voice/neural.py): one JSON object a line.

    worker -> {"ready": true, "engine": ..., "voice": ..., "sample_rate": ..., "load_seconds": ...}
    parent -> {"text": "spoken text", "out": "/path/line.wav"}
    worker -> {"ok": true, "seconds": 3.2, "synth_seconds": 0.4,
               "words": [[first_char, end_char, start_s, end_s], ...]}   (chars index `text`)
           or {"ok": false, "error": "one line"}
An empty line or end of input ends the worker.
"""
