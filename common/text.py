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


def percent(share: float, digits: int = 1) -> str:
    """A share as the narration and the screen both write it: 0.7764 -> '77.6%', 1 -> '100%';
    never '100.0%' for a share short of 1 (0.9996 is '99.9%': not "every time")."""
    text = f"{share * 100:.{digits}f}%"
    if share < 1 and text == f"{100:.{digits}f}%":
        return f"{100 - 10 ** -digits:.{digits}f}%"
    return "100%" if share == 1 else text
