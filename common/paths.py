"""Where the project is and where its outputs and caches go (one place for every stage)."""
from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def media_dir() -> Path:
    """Where outputs and caches go: $NANOGPT_MEDIA_DIR, else <project>/media."""
    return Path(os.environ.get("NANOGPT_MEDIA_DIR") or PROJECT_ROOT / "media")
