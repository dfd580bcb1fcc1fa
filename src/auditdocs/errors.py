"""Errors a user can act on, and what each exit code of the `auditdocs` command means.

The core raises plain exceptions, never click's: `UserError` (and its kinds below) is what a
person can act on, with a message written for a QA officer; the command line (`auditdocs.cli`)
and any other front end show its message. Exit codes of the command line, the same for every command:

- 0 (`EXIT_OK`): done, and nothing needs attention;
- 1 (`EXIT_ATTENTION`): done, but something needs a person's attention (forms incomplete
  or unreadable, rows of a list skipped, problems in a spec); the output says what;
- 2 (`EXIT_USER_ERROR`): not done: the command or its input was wrong (a path that does
  not exist, a file that cannot be used, a bad option); the message says what to do;
- 3 (`EXIT_FAILED`): not done: auditdocs itself failed (a fault to report).
"""
EXIT_OK, EXIT_ATTENTION, EXIT_USER_ERROR, EXIT_FAILED = 0, 1, 2, 3


class UserError(Exception):
    """Something the user can fix (a path, a file, a setting, an option): nothing was done, and `message`
    says why and what to do. The command line prints 'Error: <message>' and exits with 2."""

    exit_code = EXIT_USER_ERROR

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class RegisterBusy(UserError):
    """Someone else is writing to the register (its writer lock is held): try again when they are done."""


class RegisterDamaged(UserError):
    """The register cannot be read as it is: nothing was changed; `auditdocs register rebuild` remakes it."""


class ProgramMissing(UserError):
    """A program auditdocs needs for this (LibreOffice) is not installed: the message says how to install it."""
