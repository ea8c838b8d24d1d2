"""What every command line of the project shares: the one-line error for a bad value, the
--input / --lang options (spelled once, checked the same way everywhere), and the group that
turns every failure a user can act on into one line."""
from __future__ import annotations

import errno
from pathlib import Path

import click

from .errors import UserError


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


class OneLine(click.ClickException):
    """'Error: <message>' with the exit code given."""

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code


class OneLineGroup(click.Group):
    """A command group whose failures are one line each, caught here once for every command:
    a usage mistake (unknown option, a value of the wrong type) is a BadValue (exit 2), a
    UserError (bad input, weights, narration, voice) its first line, and a file-system failure
    (read-only, full, a file in the way) names the path and the reason (exit 1), instead of a
    traceback."""

    def make_context(self, *args, **kwargs):
        try:
            return super().make_context(*args, **kwargs)
        except click.UsageError as err:
            raise BadValue(usage_line(err)) from None

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except click.UsageError as err:
            raise BadValue(usage_line(err)) from None
        except UserError as err:  # whichever command met it: a bad file or value, one line
            raise OneLine(err.summary(), err.exit_code) from None
        except OSError as err:
            if err.errno == errno.EPIPE:  # output piped to `head`: click's own quiet handling
                raise
            raise click.ClickException(os_error_line(err)) from None


def usage_line(err: click.UsageError) -> str:
    """Click's message without the usage dump, pointing at --help instead."""
    where = err.ctx.command_path if err.ctx is not None else "nanogpt-video"
    return f"{err.format_message()} (see: {where} --help)"


OS_REASONS = {
    errno.ENOSPC: "no space left on the device; free some space and run the same command again "
                  "(finished work is kept)",
    errno.EDQUOT: "disk quota exceeded; free some space and run the same command again",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.ENOTDIR: "a file is in the way where a folder is needed",
    errno.EISDIR: "a folder is in the way where a file is needed",
    errno.ENOENT: "no such file or folder, and it cannot be created there",
}


def os_error_line(err: OSError) -> str:
    """'<path>: <reason>' for a failed file operation, naming the file that blocks the way."""
    path = err.filename or "(unknown file)"
    reason = OS_REASONS.get(err.errno, (err.strerror or type(err).__name__).lower())
    blocking = _file_in_the_way(path) if err.errno in (errno.ENOTDIR, errno.EEXIST) else None
    if blocking is not None:
        reason = "is a file, not a folder" if blocking == Path(path) else f"{blocking} is a file, not a folder"
    return f"{path}: {reason}"


def _file_in_the_way(path) -> Path | None:
    """The first parent of `path` that exists and is not a folder, if any."""
    for parent in [Path(path), *Path(path).parents]:
        if parent.exists():
            return parent if not parent.is_dir() else None
    return None
