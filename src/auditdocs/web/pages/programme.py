"""The programme: a month of the year's audit programme as `auditdocs programme show --month` shows it (the use case
`programme.run.programme_month`, with the re-audits six-month reviews scheduled for the month), the thematic audits'
six-month reviews (as `auditdocs status` works them out: `tracker.key_messages.reviews`), an activity's audit summary
report (`auditdocs report --activity`, the use case `report.summary_run.make_summary`, in the background, its Word
report and Excel figures offered to download) and the draw of the audits whose actions are checked
(`auditdocs actions check-sample`, the use case `actions.run.draw_check_sample`).

Where every thematic audit's review stands is worked out from every audit of the register: those the month page
keeps (`_reviews`), so that the page does not read 10,000 audits again."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from flask import Blueprint, request

from ...errors import UserError
from ..app import month_given, number_given, render, site, start_job
from .report import reports_folder

bp = Blueprint("programme", __name__, url_prefix="/programme")

#: The draw's size when not given (`auditdocs actions check-sample --size`).
CHECK_SIZE = 10


def _reviews(ws) -> list:
    """Every thematic audit's six-month review as the register is now, as `auditdocs status` reads them
    (`key_messages.reviews` of every audit, with the tracker's Key messages entries): from the audits the month page
    keeps up to date (`month.known`) when they are of the register as it is now, else read afresh; none while the
    workspace has no register yet."""
    from ...tracker import key_messages
    from .month import known

    if not Path(ws.register).exists():
        return []
    try:
        kept, fresh = known().current(ws, site().today())
    except UserError:  # the register could not be read by the month page's thread: read here, and say why
        kept, fresh = None, False
    with ws.open_register() as reg:
        audits = kept.found.audits if kept is not None and fresh else reg.audits(summaries=True)
        return key_messages.reviews(audits, reg.tracker_columns(key_messages.SHEET))


def month_of_programme(ws, month: dt.date, reviews: list):
    """The month of the programme as `programme show --month` gives it (`programme_month(with_re_audits=True)`):
    the month's activities, and the re-audits scheduled for it by the six-month `reviews` (`_reviews`)."""
    from ...programme.run import programme_month

    shown = programme_month(ws, month)
    shown.re_audits = [r for r in reviews if r.re_audit_in == shown.month]  # as `key_messages.re_audits_in`
    return shown


@bp.get("/")
def index():
    ws, today = site().workspace, site().today()
    month = month_given("month") or today.replace(day=1)
    reviews = _reviews(ws)
    try:
        shown, problem = month_of_programme(ws, month, reviews), ""
    except UserError as exc:  # no programme.xlsx, or one that cannot be read: the rest of the page still serves
        shown, problem = None, f"Error: {exc}"
    return render("programme/index.html", shown=shown, programme_problem=problem, month=month, reviews=reviews,
                  check_size=CHECK_SIZE)


@bp.app_template_global("sample_words")
def sample_words(activity) -> str:
    """An activity's sample as `programme show` says it: how many (by category when the programme says)."""
    size = "everyone in the cohort" if activity.sample_size is None else str(activity.sample_size)
    if activity.by_category:
        size += " (" + ", ".join(f"{name}: {count}" for name, count in activity.by_category) + ")"
    return size


@bp.app_template_global("cohort_words")
def cohort_words(activity) -> str:
    """An activity's cohort rules in words, as `programme show` says them."""
    return "; ".join(rule.words() for rule in activity.cohort) or "any case"


@bp.post("/summary")
def summary():
    """`report --activity NAME [--month] [--anonymous] [--pdf]`: the activity's audit summary report."""
    from ...report.summary_run import make_summary

    activity = (request.form.get("activity") or "").strip()
    if not activity:
        raise UserError("give the activity's name as the programme writes it, for example 'Multiple changes of "
                        "social worker'.")
    month = (request.form.get("month") or "").strip() or None
    anonymous, pdf = request.form.get("anonymous") == "yes", request.form.get("pdf") == "yes"
    ws, today, now, out = site().workspace, site().today(), site().now(), reports_folder()

    def work(job):
        return make_summary(ws, activity=activity, month=month, out=out, today=today, now=now, anonymous=anonymous,
                            pdf=pdf, progress=job.progress)

    return start_job(f"The audit summary report of '{activity}'", work, template="programme/summary.html", pdf=pdf)


@bp.post("/check-sample")
def check_sample():
    """`actions check-sample --month --seed --size [--replace] --on TODAY`: draw (or show) the month's audits whose
    actions marked done the QA officer checks. Quick: shown at once."""
    from ...actions import plan
    from ...actions.run import draw_check_sample

    month = month_given("month")
    if month is None:
        raise UserError("give the month of the check (YYYY-MM), for example 2026-12.")
    seed = number_given("seed", "seed")
    size = number_given("size", "number of audits to draw", least=1)
    done = draw_check_sample(site().workspace, month=month, seed=seed or 0, size=size or CHECK_SIZE,
                             replace=request.form.get("replace") == "yes", today=site().today())
    rows = [(d.audit.audit_id, plan.subject_of(d.audit).get("case_number") or "-", plan.team_of(d.audit) or
             "(no team)", len(d.actions)) for d in done.sample]
    return render("programme/check_sample.html", done=done, rows=rows, not_confirmed=[
        (c.action_id, plan.month_label(c.month), c.team or "no team",
         "not confirmed" if c.answer == plan.NO else "partly done") for c in done.not_confirmed])
