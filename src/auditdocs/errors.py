"""Errors a user can act on, and what each exit code of the `auditdocs` command means.

The core raises plain exceptions; `UserError` is the one that reaches the command line
as a message (never a traceback). Exit codes, the same for every command:

- 0 (`EXIT_OK`): done, and nothing needs attention;
- 1 (`EXIT_ATTENTION`): done, but something needs a person's attention (forms incomplete
  or unreadable, rows of a list skipped, problems in a spec); the output says what;
- 2 (`EXIT_USER_ERROR`): not done: the command or its input was wrong (a path that does
  not exist, a file that cannot be used, a bad option); the message says what to do;
- 3 (`EXIT_FAILED`): not done: auditdocs itself failed (a fault to report).
"""
import click

EXIT_OK, EXIT_ATTENTION, EXIT_USER_ERROR, EXIT_FAILED = 0, 1, 2, 3


class UserError(click.ClickException):
    """Something the user can fix; click prints 'Error: <message>' and exits with 2."""

    exit_code = EXIT_USER_ERROR
