"""The neural voices: a worker process per render, in the voice's own environment.

The language's `[language]` table names its engine (`neural_engine = "piper"`); the engine's
worker (script/voice/workers/<engine>_worker.py) runs with `.venv-voice-<lang>/bin/python`,
installed by `tools/voices/install.sh <lang>` (`make video` does it the first time). The
worker loads the voice once and then synthesises line after line over a line-based JSON
protocol (workers/__init__.py), answering with a WAV and the time of every word.

    voice = NeuralVoice("en")            # nothing starts until a line is not in the cache
    wav, words = voice.say("One over the square root of ay.", "/tmp/line.wav")
    voice.close()

NANOGPT_NEURAL=0 turns the neural voices off (the tests do, so they stay hermetic).
"""
from __future__ import annotations

import json
import os
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

from common.paths import PROJECT_ROOT

from ..languages import language
from .audio import VoiceError, load_meter_meanwhile

WORKERS = Path(__file__).resolve().parent / "workers"
WORKER_VERSION = 1          # bump when a worker's output changes (it is part of the cache key)
LOAD_TIMEOUT = 180.0        # seconds for a worker to load its voice (TensorFlow is slow to import)
LINE_TIMEOUT = 300.0        # seconds for one line
THREADS = "1"               # onnxruntime / TFLite threads; see workers/piper_worker.py


class NeuralUnavailable(VoiceError):
    """This language's neural voice is not installed or cannot start; the message says why."""


@dataclass(frozen=True)
class VoiceInfo:
    lang: str
    engine: str
    name: str
    licence: str
    venv: Path

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    @property
    def worker(self) -> Path:
        return WORKERS / f"{self.engine}_worker.py"

    @property
    def installed(self) -> bool:
        return self.python.is_file() and (self.venv / ".installed").is_file()


def voices_root() -> Path:
    """Where the .venv-voice-<lang> folders are: $NANOGPT_VOICES_DIR, else the project."""
    return Path(os.environ.get("NANOGPT_VOICES_DIR") or PROJECT_ROOT)


def enabled() -> bool:
    return os.environ.get("NANOGPT_NEURAL", "1") != "0"


def worker_count() -> int:
    """Workers synthesising at once when many lines are missing from the cache:
    $NANOGPT_VOICE_WORKERS, else 2 where there are 2 cores or more (each runs one thread)."""
    value = os.environ.get("NANOGPT_VOICE_WORKERS")
    if value:
        return max(1, int(value))
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return min(2, cores)


def voice_info(lang: str) -> VoiceInfo | None:
    """The neural voice of `lang`, or None when its words file names none."""
    record = language(lang)
    if not record.neural_engine:
        return None
    return VoiceInfo(lang, record.neural_engine, record.neural_voice, record.neural_licence,
                     voices_root() / f".venv-voice-{lang}")


def unavailable_reason(lang: str) -> str | None:
    """Why `lang` cannot have its neural voice now (one line), or None if it can."""
    info = voice_info(lang)
    if info is None:
        return f"the {lang} narration names no neural voice"
    if not enabled():
        return "neural voices are off (NANOGPT_NEURAL=0)"
    if not info.worker.is_file():
        return f"no worker for engine {info.engine!r} ({info.worker.name})"
    if not info.installed:
        return f"the {lang} neural voice is not installed (run: make voices LANG={lang}, or tools/voices/install.sh {lang})"
    return None


class NeuralVoice:
    """One worker process speaking `lang`, started on the first line that needs it."""
    started = 0  # workers started by this process (names their logs)

    def __init__(self, lang: str):
        self.lang = lang
        self.info = voice_info(lang)
        self.process: subprocess.Popen | None = None
        self.ready: dict = {}
        self.log = None
        self.cpu_seconds = 0.0

    @property
    def identity(self) -> dict:
        """What shapes the sound, for the cache key."""
        return {"engine": self.info.engine, "voice": self.info.name, "worker": WORKER_VERSION}

    def start(self) -> dict:
        if self.process is not None:
            return self.ready
        reason = unavailable_reason(self.lang)
        if reason:
            raise NeuralUnavailable(reason)
        from .cache import cache_dir

        NeuralVoice.started += 1
        log_path = cache_dir() / f"worker-{self.lang}-{NeuralVoice.started % 4}.log"  # the last few kept
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log = open(log_path, "w")
        env = dict(os.environ, NANOGPT_VOICE_THREADS=os.environ.get("NANOGPT_VOICE_THREADS", THREADS),
                   OMP_NUM_THREADS="1", PYTHONUNBUFFERED="1", TF_CPP_MIN_LOG_LEVEL="3")
        load_meter_meanwhile()   # every line it says is measured; its import overlaps the load
        self.process = subprocess.Popen([str(self.info.python), str(self.info.worker)],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log,
                                        text=True, encoding="utf-8", env=env)
        self.ready = self._receive(LOAD_TIMEOUT, "loading the voice")
        if not self.ready.get("ready"):
            error = self.ready.get("error", "no reason given")
            self.close()
            raise NeuralUnavailable(f"the {self.lang} neural voice did not start: {error} (log: {log_path})")
        return self.ready

    def say(self, text: str, out: str | Path) -> tuple[float, list]:
        """Synthesise `text` into the WAV `out`; returns (synthesis seconds, word times as
        [first_char, end_char, start_s, end_s] in `text`). self.cpu_seconds adds up the
        worker's CPU time (a figure that does not depend on what else the machine runs)."""
        self.start()
        request = json.dumps({"text": text, "out": str(out)}, ensure_ascii=False)
        try:
            self.process.stdin.write(request + "\n")
            self.process.stdin.flush()
        except (BrokenPipeError, OSError):
            raise VoiceError(f"the {self.lang} neural voice stopped ({self.log.name})") from None
        answer = self._receive(LINE_TIMEOUT, "a line")
        if not answer.get("ok"):
            raise VoiceError(f"the {self.lang} neural voice failed: {answer.get('error', '?')}")
        self.cpu_seconds += answer.get("cpu_seconds", 0.0)
        return answer.get("synth_seconds", 0.0), answer.get("words", [])

    def _receive(self, timeout: float, what: str) -> dict:
        result: list[str] = []
        reader = threading.Thread(target=lambda: result.append(self.process.stdout.readline()), daemon=True)
        reader.start()
        reader.join(timeout)
        if reader.is_alive():
            self.close()
            raise VoiceError(f"the {self.lang} neural voice took over {timeout:.0f} s for {what}")
        line = result[0] if result else ""
        if not line:
            code = self.process.poll()
            log = self.log.name if self.log else "?"
            self.close()
            raise NeuralUnavailable(f"the {self.lang} neural voice exited (code {code}) while {what}; "
                                    f"log: {log}")
        try:
            return json.loads(line)
        except json.JSONDecodeError:
            raise VoiceError(f"the {self.lang} neural voice said something unreadable: {line[:80]!r}") from None

    def close(self) -> None:
        process, self.process = self.process, None
        if process is not None:
            try:
                process.stdin.write("\n")
                process.stdin.close()
                process.wait(timeout=10)
            except (OSError, ValueError, subprocess.TimeoutExpired):
                process.kill()
                process.wait()
            process.stdout.close()
        if self.log is not None:
            self.log.close()
            self.log = None

    def __del__(self):  # a render that forgets close() must not leave a worker behind
        try:
            self.close()
        except Exception:
            pass
