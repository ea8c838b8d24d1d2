"""How a user's value is quoted in an error message: whole when short, cut when long."""
from __future__ import annotations

SHOWN_CHARACTERS = 40  # a value longer than this is cut: a 100,000-character input is not echoed


def shown(value) -> str:
    """repr(value), or for a long value its first 40 characters and its length:
    'AAAA…' (100000 characters). Control characters come out escaped (repr), so a message
    stays one line whatever the value holds."""
    text = str(value)
    if len(text) <= SHOWN_CHARACTERS:
        return repr(text)
    return f"{text[:SHOWN_CHARACTERS]!r}… ({len(text)} characters)"
