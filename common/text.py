"""How a user's value is quoted in an error message: whole when short, cut when long."""
from __future__ import annotations

SHOWN_CHARACTERS = 40  # a value longer than this is cut: a 100,000-character input is not echoed


def shown(value) -> str:
    """A value as a message quotes it: a string in quotes (repr), anything else as str(); a
    long one cut to its first 40 characters and its length: 'AAAA…' (100000 characters).
    Control characters come out escaped, so a message stays one line whatever the value holds."""
    if not isinstance(value, str):
        return repr(str(value))[1:-1]
    if len(value) <= SHOWN_CHARACTERS:
        return repr(value)
    return f"{value[:SHOWN_CHARACTERS]!r}… ({len(value)} characters)"
