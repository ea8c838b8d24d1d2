"""Tests are hermetic: no neural voice unless a test asks for one (tests/test_neural.py).

The neural voices run in their own environments (.venv-voice-<lang>) and take seconds to load;
by default every test uses espeak-ng or silence, as VOICE=auto does without them."""
import os

os.environ.setdefault("NANOGPT_NEURAL", "0")
