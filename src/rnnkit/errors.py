"""The one exception type for input a user can fix.

Raise :class:`UserError` for bad files, bad flags and bad checkpoints: the CLI prints its message on
one line (``rnnkit: error: ...``) and exits with status 2, without a traceback. The message names the
file, line or field and says what was expected.
"""

from __future__ import annotations


class UserError(Exception):
    """Bad input that the user can act on; the message is shown as is, on one line."""

    exit_code = 2
