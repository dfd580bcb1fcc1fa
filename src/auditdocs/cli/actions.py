"""`auditdocs actions`: closing the loop on actions (framework, Appendix E: the QA team "randomly sample ten cases per
month to provide assurance that recommendations are being completed")."""
from __future__ import annotations

import click

from ..errors import EXIT_ATTENTION
from .common import day_value, month_value, register_option, run_of

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group("actions", context_settings=CONTEXT)
def actions_command() -> None:
    """Closing the loop on actions: checking that actions marked done really were done."""


@actions_command.command("check-sample")
@click.option("--month", "month", required=True, callback=month_value, metavar="YYYY-MM",
              help="The month of the check, for example 2026-12.")
@click.option("--seed", "seed", type=int, default=0, show_default=True,
              help="The same seed (and the same register) draws the same audits again.")
@click.option("--size", "size", type=click.IntRange(min=1), default=10, show_default=True,
              help="How many audits to draw.")
@click.option("--replace", is_flag=True,
              help="Draw a month already drawn again (only while none of its actions has been checked).")
@click.option("--on", "on", callback=day_value, metavar="DD/MM/YYYY", help="The day of the draw (default: today).")
@register_option
@click.pass_context
def check_sample_command(ctx, month, seed, size, replace, on, register_file) -> None:
    """Draw the month's sample of audits whose actions the team manager has marked done (Status Done on the
    tracker's Actions sheet, as the register holds it since the last consolidate), for the QA officer to confirm
    the actions really were completed.

    \b
    The draw:
    - takes audits with at least one action marked done by the end of the month, and checks every action of
      the audit marked done;
    - spreads the sample over the teams: one audit of each team in turn, then the rest;
    - is reproducible: the same register and seed draw the same audits;
    - draws no audit drawn for another month's check, unless there are not enough others;
    - with fewer eligible audits than asked for, draws them all and says so.

    \b
    The draw is recorded in the register. Drawing the same month again shows the sample as drawn; --replace
    draws it again while none of its actions has been checked. Then 'auditdocs consolidate' puts each drawn
    action on the tracker's Action checks sheet, where the QA officer fills in Confirmed (Yes / No / Partly),
    Checked on, Checked by and Evidence seen / notes. An action not confirmed is flagged in the sheet's
    Follow-up column and by the next check-sample, and the monthly report says how many were confirmed.

    Exits 1 when fewer audits than asked for could be drawn, or an earlier check found an action not (or not
    wholly) done; 0 otherwise.

    \b
    Examples:
      auditdocs actions check-sample --month 2026-12
      auditdocs actions check-sample --month 2026-12 --seed 7 --replace
    """
    from ..actions.run import draw_check_sample

    done = draw_check_sample(run_of(ctx).use_case_workspace(register_file), month=month, seed=seed, size=size,
                             replace=replace, today=on)
    click.echo("\n".join(done.lines()))
    if done.attention:
        ctx.exit(EXIT_ATTENTION)
