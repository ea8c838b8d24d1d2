"""The one base class of every problem a user can fix (a bad input, weights, narration,
language or voice file): whatever command meets one, the CLI shows it as one line."""
from __future__ import annotations


class UserError(ValueError):
    """A problem the user can fix; str() is the message, one line per problem."""
    exit_code = 1  # 2 for a bad value given on the command line

    def summary(self) -> str:
        """One line: the first problem (subclasses with several add how many more)."""
        return (str(self).splitlines() or [type(self).__name__])[0]
