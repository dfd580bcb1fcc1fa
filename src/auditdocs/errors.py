"""Errors a user can act on: printed as a message, never as a traceback."""
import click


class UserError(click.ClickException):
    """Something the user can fix; click prints 'Error: <message>' and exits with 1."""

    exit_code = 1
