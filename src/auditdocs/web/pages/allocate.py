"""Allocate: the month's audits drawn and given to auditors under the framework's rules (`auditdocs allocate`).

The cases and auditors lists are given on the page (kept in the workspace's lists/<YYYY-MM>/ folder) or chosen
from the lists already in the workspace, by an opaque id (never a path: see `offered`). The draw is the use
case `allocate.run.allocate_month`, as the command runs it: it writes the allocation list and records the audits
in one go, so, as on the command line, the page shows what was drawn once it is done, with the list to download
and every auditor's why; a person who does not want it draws again (the command's --replace: the earlier
allocation is cancelled in the register, which is refused once forms are made).
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from flask import Blueprint, request

from ...errors import UserError
from ..app import month_given, render, site
from ..uploads import receive

bp = Blueprint("allocate", __name__, url_prefix="/allocate")

LIST_SUFFIXES = {".xlsx", ".csv"}
LISTS_FOLDER = "lists"  # where the lists given on a page are kept: lists/<YYYY-MM>/


def list_files(folder: Path) -> list[Path]:
    """The lists a page may use: the .xlsx and .csv files at the top of the workspace (where the command line
    writes its allocation lists) and in its lists folder (where the pages keep the lists given), newest first.
    The forms, returned and tracker folders are not looked in (they hold forms, not lists)."""
    found = [p for p in folder.iterdir() if p.is_file()]
    lists = folder / LISTS_FOLDER
    if lists.is_dir():
        found += [p for p in lists.rglob("*") if p.is_file()]
    found = [p for p in found if p.suffix.lower() in LIST_SUFFIXES and not p.name.startswith(("~$", ".", "~"))]
    return sorted(found, key=lambda p: (-p.stat().st_mtime, str(p)))


def list_choices(folder: Path) -> list[dict]:
    """The workspace's lists for a <select>: an opaque id each (`offered`), and the path shown to the person."""
    offered = site().offered
    return [{"id": offered.id_of(p), "label": p.relative_to(folder).as_posix(), "name": p.name.lower()}
            for p in list_files(folder)]


def chosen_list(file_id: str, what: str) -> Path:
    """The list a form chose by its id: a .xlsx or .csv file in the workspace, or a UserError saying what to do."""
    folder = site().workspace.folder.resolve()
    path = site().offered.path_of(file_id) if file_id else None
    if path is None or not path.is_file() or path.suffix.lower() not in LIST_SUFFIXES \
            or not path.resolve().is_relative_to(folder):
        raise UserError(f"choose the {what} list again, or give it: the one chosen is no longer in the workspace.")
    return path


def month_of_the_page() -> dt.date:
    """The month the page offers to allocate: next month (the month is allocated before it starts)."""
    today = site().today()
    return (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def _given_or_chosen(field: str, what: str, month: dt.date, refused: list[str]) -> Path | None:
    """The list given in the form's file field `field` (kept in lists/<YYYY-MM>/), else the one chosen, else None
    (a file given but refused: why, in `refused`)."""
    uploads = [f for f in request.files.getlist(f"{field}_file") if f and f.filename]
    if uploads:
        kept = receive(uploads[:1], site().workspace.folder / LISTS_FOLDER / f"{month:%Y-%m}", suffixes=LIST_SUFFIXES)
        refused += kept.refused
        return kept.paths()[0] if kept.paths() else None
    return chosen_list(request.form[field], what) if request.form.get(field) else None


def _form(**context):
    ws = site().workspace
    month = context.pop("month", None) or month_of_the_page()
    return render("allocate/index.html", context.pop("status", 200), lists=list_choices(ws.folder), month=month,
                  **context)


@bp.get("/")
def index():
    return _form()


@bp.post("/")
def run():
    from ...allocate.output import list_rows
    from ...allocate.run import allocate_month, problem_lines

    ws = site().workspace
    month = month_given("month")
    seed_text = (request.form.get("seed") or "").strip()
    chosen = {"cases": request.form.get("cases", ""), "auditors": request.form.get("auditors", ""),
              "seed": seed_text, "replace": request.form.get("replace") == "yes"}
    try:
        if month is None:
            raise UserError("give the month to allocate, for example 2026-12.")
        if seed_text and not seed_text.lstrip("-").isdigit():
            raise UserError(f"the seed must be a whole number, such as 7 (not '{seed_text}'); leave it empty to "
                            "draw the month's own sample.")
        refused: list[str] = []
        lists = {}
        for field in ("cases", "auditors"):
            lists[field] = _given_or_chosen(field, field, month, refused)
            if lists[field] is not None:  # the form, shown again, has it chosen
                chosen[field] = site().offered.id_of(lists[field])
        if refused:
            raise UserError("\n  ".join(["these files were not taken, so nothing was allocated:", *refused]))
        if missing := [field for field, path in lists.items() if path is None]:
            raise UserError(f"give the {' and the '.join(missing)} list (.xlsx or .csv), or choose one already in "
                            "the workspace.")
        cases, auditors = lists["cases"], lists["auditors"]
        replace = request.form.get("replace") == "yes"
        out = ws.folder / f"allocations-{month:%Y-%m}.xlsx"
        if out.exists() and not replace:  # (the command line's message asks for --out, which the page has not)
            raise UserError(f"{out.name} is already in the workspace, so it was not replaced: {month:%B %Y} may "
                            "have been allocated already. To allocate it again before any form is made, tick "
                            "'Allocate the month again' (as --replace does, the earlier allocation is then "
                            "cancelled); or move the list away first.")
        result = allocate_month(ws, month=month, cases=cases, auditors=auditors, out=out,
                                seed=int(seed_text) if seed_text else None, replace=replace, today=site().today())
    except UserError as exc:
        return _form(month=month, chosen=chosen, problem=f"Error: {exc}", status=400)
    rows = list_rows(result.plan.rows, ws.library()) if result.out else []
    return _form(month=month, chosen=chosen, result=result, rows=rows,
                 notes=[f"Note: {note}" for note in result.notes],
                 problems=problem_lines(result.problems), refusal=result.refusal(),
                 status=400 if result.plan.impossible else 200)
