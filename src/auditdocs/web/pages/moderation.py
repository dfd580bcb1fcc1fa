"""Moderation: choose the month's sample, make each moderator's copies (a zip per moderator to send), and see how
far auditors' grades and the grades after moderation agree. The same use cases as `auditdocs moderation select`,
`moderation forms` and `moderation agreement` (`moderation.run`)."""
from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

from flask import Blueprint, request

from ...domain.dates import add_months
from ...errors import UserError
from ...naming import safe_name
from ..app import month_given, number_given, private_folder, render, site, start_job
from ..uploads import receive

bp = Blueprint("moderation", __name__, url_prefix="/moderation")

LISTS = "lists"  # the workspace's folder for lists given to a page (moderators lists uploaded here)
LIST_SUFFIXES = {".xlsx", ".csv"}



def copies_folder(month: dt.date) -> Path:
    """Where the moderators' copies of `month` go: a folder per moderator under the workspace's moderation/YYYY-MM."""
    return site().workspace.folder / "moderation" / f"{month:%Y-%m}"


def moderator_lists() -> list[Path]:
    """The moderators lists in the workspace: .xlsx or .csv files with 'moderator' in their name, in its folder or
    its lists folder (where a list given to this page is kept)."""
    folder = site().workspace.folder
    found = [p for where in (folder, folder / LISTS) if where.is_dir() for p in sorted(where.iterdir())
             if p.is_file() and p.suffix.lower() in LIST_SUFFIXES and "moderator" in p.name.lower()
             and not p.name.startswith(("~$", "."))]
    return found


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(site().workspace.folder))
    except ValueError:
        return str(path)


@bp.get("/")
def index():
    month = month_given() or add_months(site().today().replace(day=1), -1)
    return render("moderation/index.html", month=month, lists=[_shown(p) for p in moderator_lists()],
                  share=site().workspace.settings("moderation").share)


def _people():
    """The moderators list the form gives: a file uploaded now (kept in the workspace's lists folder), else the one
    chosen from the workspace's; its rows skipped are in `.problems`."""
    from ...moderation.moderators import read_moderators

    uploaded = [f for f in request.files.getlist("files") if f.filename]
    if uploaded:
        got = receive(uploaded, site().workspace.folder / LISTS, suffixes=LIST_SUFFIXES)
        if got.refused:
            raise UserError(" ".join(got.refused))
        path = got.paths()[0]
    else:
        lists = moderator_lists()
        try:
            path = lists[int(request.form.get("list", ""))]
        except (ValueError, IndexError):
            raise UserError("choose the moderators list (Name, Role, Service, E-mail and Teams), or give one.") from None
    return read_moderators(path)


def _share() -> float | None:
    share = number_given("share", "share (a percentage)", float)
    if share is not None and not 0 < share <= 100:
        raise UserError(f"the share must be more than 0 and at most 100 (a percentage), not {share:g}.")
    return share


@bp.post("/select")
def select():
    from ...moderation.run import select_sample

    month = month_given()
    if month is None:
        raise UserError("choose the month whose audits to moderate.")
    people = _people()
    dry_run = request.form.get("dry_run") == "yes"
    selection = select_sample(site().workspace, month=month, people=people, share=_share(),
                              seed=number_given("seed", "seed"), replace_sample=request.form.get("replace") == "yes",
                              dry_run=dry_run, today=site().today(), now=site().now())
    return render("moderation/selected.html", month=month, selection=selection, people=people,
                  list_name=people.path.name)


@bp.post("/copies")
def copies():
    from ...moderation.run import make_moderator_copies

    month = month_given()
    if month is None:
        raise UserError("choose the month whose moderators' copies to make.")
    ws, out, zips = site().workspace, copies_folder(month), private_folder("moderation")
    force = request.form.get("force") == "yes"
    now = site().now()

    def work(job):
        made = make_moderator_copies(ws, month=month, out=out, force=force, now=now)
        return made, zip_per_moderator(made, zips)

    return start_job(f"The moderators' copies for {month:%B %Y}", work, template="moderation/copies.html",
                     month=month, shown=_shown(out))


def zip_per_moderator(made, folder: Path) -> dict[str, Path]:
    """A zip of each moderator's copies (made now or already there), in `folder`: moderator -> zip."""
    zips: dict[str, Path] = {}
    for moderator in dict.fromkeys(r.plan.moderator for r in made.results):
        theirs = [made.out / r.plan.target for r in made.results
                  if r.plan.moderator == moderator and r.status != "problem"]
        if not theirs:
            continue
        path = folder / safe_name(f"Moderation {made.month:%Y-%m} {moderator}.zip")
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
            for copy in theirs:
                package.write(copy, copy.relative_to(made.out).as_posix())
        zips[moderator] = path
    return zips


@bp.post("/agreement")
def agreement():
    """The agreement figures (`moderation agreement`): they read every moderated audit of the audit year (seconds
    with a year of audits), so they are worked out in the background."""
    from ...moderation.run import agreement as figures_of

    month, first, last = month_given(), month_given("from"), month_given("to")
    if month and (first or last):
        raise UserError("give either one month, or the first and the last month of a period, not both.")
    ws = site().workspace

    def work(job):
        figures = figures_of(ws, month=month, first=first, last=last)
        return figures, voices_by_form(figures.voices)

    title = f"Agreement, {month:%B %Y}" if month else "The agreement figures"
    return start_job(title, work, template="moderation/agreement.html")


def voices_by_form(voices) -> list[tuple]:
    """The voices' figures as `moderation agreement` lists them: each form's all questions together, then its
    questions one by one."""
    groups: list[tuple] = []
    for v in voices:
        if v.ref == "":
            groups.append((v, []))
        elif groups:
            groups[-1][1].append(v)
    return groups


@bp.app_template_filter("pct")
def pct(value: float | None) -> str:
    """A share as `moderation agreement` prints it."""
    from ...moderation.agreement import _p

    return _p(value)
