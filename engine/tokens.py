"""The vocabulary and the rules for what counts as an input sequence."""
from __future__ import annotations

import numpy as np

from common.errors import UserError
from common.text import shown

VOCAB = "ABC"  # token id i is the letter VOCAB[i]
INPUT_LENGTH = 6
ALLOWED = "six tokens from A, B, C (either case) or 0, 1, 2, e.g. CBABBC, 210112 or 2,1,0,1,1,2"


class InputError(UserError):
    """A bad input sequence; the message is one line meant for the user."""
    exit_code = 2


def parse_input(text: str) -> np.ndarray:
    """'CBABBC', 'cbabbc', '210112' or '2,1,0,1,1,2' -> array([2, 1, 0, 1, 1, 2])."""
    raw = str(text).strip()
    symbols = [s.strip() for s in raw.split(",")] if "," in raw else list(raw)
    ids = []
    # Each symbol before the count: 'C B A B B C' is named by its first space, not as 11 tokens.
    for position, symbol in enumerate(symbols, start=1):
        if symbol.upper() in VOCAB and len(symbol) == 1:
            ids.append(VOCAB.index(symbol.upper()))
        elif symbol in ("0", "1", "2"):
            ids.append(int(symbol))
        else:
            raise InputError(f"input {shown(raw)}: {shown(symbol)} at position {position} is not a token; expected {ALLOWED}")
    if len(symbols) != INPUT_LENGTH:
        raise InputError(f"input {shown(raw)} has {len(symbols)} tokens, expected {ALLOWED}")
    kinds = {s.isdigit() for s in symbols}
    if len(kinds) > 1:
        raise InputError(f"input {shown(raw)} mixes letters and numbers; expected {ALLOWED}")
    return np.array(ids, dtype=np.int64)


def to_letters(tokens) -> str:
    return "".join(VOCAB[int(t)] for t in tokens)
