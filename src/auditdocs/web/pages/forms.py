"""Forms: the month's forms made from the allocation list, a folder per auditor, recorded in the register, with an
e-mail draft per auditor (`auditdocs generate --eml`).

Making the forms reads and writes many files, so it runs in the background (`start_job`) with its progress; the
job's page then says what `generate` says, and offers each auditor's forms as one zip (made on request, in the
server's private folder) and each e-mail draft. The page itself lists the month's auditor folders and drafts
already made, by their names only (no form is opened on a GET).
"""
from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

from flask import Blueprint, abort, redirect, request, url_for

from ...errors import UserError
from ..app import month_given, private_folder, render, site, start_job
from ..offered import offer
from .allocate import chosen_list, list_choices

bp = Blueprint("forms", __name__, url_prefix="/forms")

FORMAT_CHOICES = [("docx", "Word forms"), ("xlsx", "Excel forms"), ("both", "Both: a Word and an Excel form each")]
FORM_SUFFIXES = {".docx", ".xlsx"}
DRAFTS_FOLDER = "E-mail drafts"  # as generate.run.forms_drafts_of writes them
LIST_MONTH = re.compile(r"allocations?[-_ ](\d{4})-(\d{2})", re.I)


def _is_form(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in FORM_SUFFIXES and not path.name.startswith(("~$", "."))


def auditor_folders(out: Path) -> list[dict]:
    """The auditors' folders in a month's forms folder: each one's name, how many forms and its zip's address."""
    if not out.is_dir() or not _inside(out):
        return []
    found = []
    for folder in sorted((p for p in out.iterdir() if p.is_dir() and p.name != DRAFTS_FOLDER), key=lambda p: p.name):
        forms = sum(1 for p in folder.iterdir() if _is_form(p))
        if forms:
            found.append({"name": folder.name, "forms": forms,
                          "zip": url_for("forms.zip_of", folder_id=site().offered.id_of(folder))})
    return found


def drafts_in(out: Path) -> list[Path]:
    """The e-mail drafts in a month's forms folder."""
    folder = out / DRAFTS_FOLDER
    return sorted(p for p in folder.iterdir() if p.suffix.lower() == ".eml") if folder.is_dir() else []




def month_of_the_page() -> dt.date:
    """The month the page shows: the one asked for, else the newest allocation list's, else this month."""
    given = month_given("month")
    if given:
        return given
    from .allocate import list_files

    for path in list_files(site().workspace.folder):
        if found := LIST_MONTH.search(path.name):
            return dt.date(int(found[1]), int(found[2]), 1)
    return site().today().replace(day=1)


@bp.get("/")
def index():
    ws = site().workspace
    month = month_of_the_page()
    out = ws.forms / f"{month:%Y-%m}"
    lists = list_choices(ws.folder)
    wanted = f"allocations-{month:%Y-%m}"
    data = next((item["id"] for item in lists if item["name"].startswith(wanted)), "") or \
        next((item["id"] for item in lists if "allocation" in item["name"]), "")
    auditors = next((item["id"] for item in lists if "auditor" in item["name"]), "")
    return render("forms/index.html", month=month, out=out, lists=lists, data=data, auditors=auditors,
                  formats=FORMAT_CHOICES, folders=auditor_folders(out), drafts=drafts_in(out) if _inside(out) else [])


def _inside(path: Path) -> bool:
    """Whether `path` is in the workspace (only files there are offered)."""
    return Path(path).resolve().is_relative_to(site().workspace.folder.resolve())


# for the job's page, which shows the result (forms/done.html)
bp.add_app_template_global(auditor_folders, "forms_auditor_folders")
bp.add_app_template_global(_inside, "forms_inside")


@bp.post("/")
def make():
    from ...generate.run import make_forms

    ws = site().workspace
    month = month_given("month")
    if month is None:
        raise UserError("give the month the forms are for, for example 2026-11.")
    data = chosen_list(request.form.get("data", ""), "allocation")
    auditors = chosen_list(request.form["auditors"], "auditors") if request.form.get("auditors") else None
    fmt = request.form.get("format", "docx")
    if fmt not in dict(FORMAT_CHOICES):
        raise UserError("choose Word forms, Excel forms or both.")
    today, now = site().today(), site().now()

    def work(job):
        return make_forms(ws, data=data, month=month, fmt=fmt, auditors=auditors, progress=job.progress,
                          today=today, now=now)

    return start_job(f"Make the forms for {month:%B %Y}", work, template="forms/done.html", month=month,
                     data=data, drafts_asked=auditors is not None)


@bp.get("/zip/<folder_id>")
def zip_of(folder_id: str):
    """An auditor's forms as one zip, made now in the server's private folder, then downloaded."""
    ws = site().workspace
    folder = site().offered.path_of(folder_id)
    if folder is None or not folder.is_dir() or not folder.resolve().is_relative_to(ws.forms.resolve()):
        abort(404)
    forms = sorted((p for p in folder.iterdir() if _is_form(p)), key=lambda p: p.name)
    if not forms:
        abort(404)
    zipped = private_folder("forms-zip") / f"{folder.name} - {folder.parent.name} forms.zip"
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as out:
        for path in forms:
            out.write(path, path.name)
    return redirect(offer(zipped), 303)
