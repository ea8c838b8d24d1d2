"""What every command line of the project shares: the one-line error for a bad value, and the
--input / --lang options (spelled once, checked the same way everywhere)."""
from __future__ import annotations

import click


class BadValue(click.ClickException):
    """A bad value from the user: one line 'Error: ...', exit code 2, no usage dump."""
    exit_code = 2


def parse_or_exit(text: str):
    """The token ids of an input; on a bad one, one line and exit code 2."""
    from engine.tokens import InputError, parse_input

    try:
        return parse_input(text)
    except InputError as err:
        raise BadValue(str(err)) from None


def check_lang(value: str | None, option: str = "--lang") -> str | None:
    """A narration language code (None passes); anything else is a BadValue."""
    from script.languages import LanguageError, check_code

    if value is None:
        return None
    try:
        return check_code(value)
    except LanguageError as err:
        raise BadValue(f"{option}: {err}") from None


def lang_option(default: str | None = "zh", help: str = "Narration language (a words.<lang>.toml "
                "beside the narration): zh, en, ..."):
    return click.option("--lang", default=default, show_default=default is not None,
                        callback=lambda ctx, param, value: check_lang(value), help=help)


def input_option(help: str = "Six tokens from A, B, C, e.g. CABACA."):
    return click.option("--input", "input_text", default="CBABBC", show_default=True, help=help)
