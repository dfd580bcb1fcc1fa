"""`auditdocs demo`: a whole audit month on invented people (`demo.run_demo`), printed step by step."""
from __future__ import annotations

from pathlib import Path

import click

from .common import run_of

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.command("demo", context_settings=CONTEXT)
@click.argument("folder", required=False, default=Path("output/demo"), type=click.Path(file_okay=False, path_type=Path))
@click.option("--serve", "then_serve", is_flag=True,
              help="Then open the demo month in your web browser, as 'auditdocs serve' does, seen on the demo's last "
                   "day (press Ctrl+C to stop).")
@click.option("--no-browser", is_flag=True, help="With --serve: only print the address to open.")
@click.pass_context
def demo_command(ctx, folder, then_serve: bool, no_browser: bool) -> None:
    """Run a whole audit month on invented people, from allocation to report.

    Makes FOLDER a workspace (as 'auditdocs init' does) and plays November 2026 in it,
    each step through the command a QA officer would type (shown with $): allocate the
    month from the sample lists, make the forms, fill them in as auditors would (every
    grade, some incomplete, one saved by LibreOffice, one sent back as a PDF by mistake),
    list what goes back, build the tracker, fill in managers' columns, moderate the
    month's sample, make the month's report and show where the month stands. Everything
    goes into FOLDER (default output/demo); running it again starts afresh. What needs
    attention is shown as it would be in a real month; the demo itself exits 0.

    \b
    Examples:
      auditdocs demo
      auditdocs demo --serve       then the month in your web browser
    """
    import shutil

    from ..demo import REPORT_ON, run_demo

    if no_browser and not then_serve:
        raise click.UsageError("--no-browser goes with --serve (the demo opens no browser without it).")

    lib = run_of(ctx).library()
    click.echo(f"Running the demo month in {folder} (November 2026, invented people) …")
    demo = run_demo(folder, lib)
    for n, step in enumerate(demo.steps, start=1):
        click.echo(f"\n{n}. {step.title}")
        for command in step.commands:
            click.echo(f"   {'' if command.startswith('(') else '$ '}{command}")
        for line in step.lines:
            click.echo(f"   {line}" if line else "")
        if step.attention:
            click.echo("   Needs attention:")
            for item in step.attention:
                click.echo(f"     - {item}")
    activate = "" if shutil.which("auditdocs") else " (first: source .venv/bin/activate)"
    on = f"--on {REPORT_ON:%d/%m/%Y}"
    click.echo("\n".join([
        "", f"Try next{activate}:", f'  cd "{folder}"',
        f"  auditdocs serve {on}           the month in your web browser (Ctrl+C here stops it)",
        f"  auditdocs status {on}          the month on the demo's last day (leave out --on for today)",
        f"  auditdocs chase {on}           what to chase, ready to e-mail",
        '  auditdocs report --month 2026-11 --out "reports/anonymous" --anonymous   without case numbers',
        "  auditdocs key new team.key",
        "  auditdocs export --pseudonymise --key-file team.key --month 2026-11 --out export.xlsx",
        "  auditdocs consolidate                  again: managers' and QA officers' entries are kept"]))
    if then_serve:
        from ..web.serve import serve

        click.echo("")
        serve(folder, open_browser=not no_browser, today=REPORT_ON, say=click.echo)
