"""The month: where every audit stands (the first page), each audit's own page, and the scales' colours.

The month page is `auditdocs status`: the same use case's parts (`status.run.standings`, then
`status.plan.month_at_a_glance`), shown as tables, narrowed by the filters (state, auditor, team) and with a
search by case number or audit id. Working out where 10,000 audits stand takes seconds, so the standings are
kept between requests for as long as the register's file is the same and the day is (`Known`): a thread of the
server works them out when it starts and again whenever the register changes (reading again only the audits
that changed), and a request never waits for it. An audit's page reads that audit and its case's history from
the register.

Addresses hold audit ids, states, team names and months, never a person's name: an auditor is chosen by an
opaque key (`who_key`).
"""
from __future__ import annotations

import datetime as dt
import gc
import hashlib
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, request

from ...domain import cycle
from ...domain import model as m
from ...errors import UserError
from ...status import plan
from ...status import run as status_run
from ...workspace import Workspace
from ..app import month_given, render, site

bp = Blueprint("month", __name__)

#: The most audits a list shows at first (all of them on asking): a page of 10,000 rows is no use to read.
SHOWN = 100
#: How often the register's file is looked at, to work the standings out again when it changed.
KEEP_UP_SECONDS = 2
#: Every audit is read afresh when more than this many audits (or a tenth of them) changed, or when it was last
#: done longer ago than this (a register file copied over another keeps no revisions of its own).
MOST_AGAIN, AFRESH_SECONDS = 200, 600


# ---- the standings, kept while the register is the same -------------------------------------


@dataclass
class _Kept:
    key: tuple
    found: status_run.Standings
    glances: dict
    months: list  # every month with audits, latest first
    revisions: dict  # audit id -> its revision in the register when read (see `AuditRegister.revisions`)
    whole: float  # when every audit was last read (time.monotonic())


class Known:
    """Where every audit stands, worked out by a thread of the server (`keep_up`) when it starts and again
    whenever the register's file changes (or the day does): a request never waits for it. Until it is worked out
    again, a request is given what was worked out before (saying so), or, at the start, nothing yet."""

    def __init__(self):
        self._lock = threading.Lock()
        self._kept: _Kept | None = None
        self._failed: tuple[tuple, Exception] | None = None  # the register could not be read as it is now
        self.wake = threading.Event()

    @staticmethod
    def _key(ws: Workspace, today: dt.date) -> tuple:
        try:
            st = Path(ws.register).stat()
            return (today, st.st_mtime_ns, st.st_size, st.st_ino, st.st_ctime_ns)
        except OSError:
            return (today, None)

    def current(self, ws: Workspace, today: dt.date) -> tuple[_Kept | None, bool]:
        """What was worked out last (None: nothing yet), and whether it is of the register as it is now; when
        nothing was, the error of the register as it is now, if it could not be read (no audits yet…)."""
        key = self._key(ws, today)
        kept, failed = self._kept, self._failed
        if kept is not None and kept.key == key:
            return kept, True
        if failed is not None and failed[0] == key and kept is None:
            raise failed[1]  # (with standings kept, a register busy for a moment: those, until it is read again)
        self.wake.set()
        return kept, False

    def work_out(self, ws: Workspace, today: dt.date) -> _Kept:
        """Every audit and where it stands on `today`, as the register is now (a UserError when it has no audits
        yet): from the audits that changed since it was last worked out, when few did (`_again`)."""
        key = self._key(ws, today)
        with self._lock:
            if self._kept is None or self._kept.key != key:
                try:
                    again = self._again(ws, self._kept, key) if self._kept is not None else None
                    self._kept, self._failed = again or self._afresh(ws, key), None
                except Exception as exc:
                    self._failed = (key, exc)
                    raise
                # What is kept is looked through by no collection of the garbage (a full one pauses every request
                # for 100s of ms with 10,000 audits); when every audit was read afresh, what was kept before is
                # collected first (read again, a few audits' objects are left to the end of the run).
                if again is None:
                    gc.unfreeze()
                    gc.collect()
                else:
                    gc.collect(1)
                gc.freeze()
            return self._kept

    @staticmethod
    def _afresh(ws: Workspace, key: tuple) -> _Kept:
        if ws.register.exists():
            with ws.open_register() as reg:
                revisions = reg.revisions()  # before the audits: a change in between is read again next time
        else:
            revisions = {}
        found = status_run.standings(ws, None, key[0])
        return _Kept(key, found, {}, sorted({a.month for a in found.audits if a.month}, reverse=True), revisions,
                     time.monotonic())

    @staticmethod
    def _again(ws: Workspace, kept: _Kept, key: tuple) -> _Kept | None:
        """`kept` brought up to date by reading again only the audits that changed since, and working out again
        where they stand and where the audits whose standing may depend on them do (`concerned`); None when it
        is better worked out afresh: another day, another register file (rebuilt), many audits changed, or the
        last time every audit was read is long ago."""
        today = key[0]
        if len(key) != len(kept.key) or kept.key[0] != today or kept.key[3] != key[3] or \
                time.monotonic() - kept.whole > AFRESH_SECONDS:
            return None
        with ws.open_register() as reg:
            revisions = reg.revisions()
            changed = {i for i, revision in revisions.items() if kept.revisions.get(i) != revision}
            gone = set(kept.revisions) - set(revisions)
            if len(changed) + len(gone) > max(MOST_AGAIN, len(revisions) // 10):
                return None
            fresh = reg.audits(ids=sorted(changed), summaries=True) if changed else []
        before = {a.audit_id: a for a in kept.found.audits}
        now = {i: a for i, a in before.items() if i not in gone} | {a.audit_id: a for a in fresh}
        audits = sorted(now.values(), key=lambda a: (f"{a.month:%Y-%m}" if a.month else "", a.audit_id))
        months = sorted({a.month for a in audits if a.month})
        month = plan.default_month(months, today)
        if month is None or set(now) != set(revisions):
            return None
        again = concerned(before, changed | gone) | concerned(now, changed)
        standings = {i: s for i, s in kept.found.standings.items() if i in now}
        standings.update(cycle.standings([a for a in audits if a.audit_id in again], ws.library(), today))
        return _Kept(key, status_run.Standings(audits, standings, month, today), {}, months[::-1], revisions,
                     kept.whole)

    def glance(self, ws: Workspace, kept: _Kept, month: dt.date | None) -> _Glance:
        """The month at a glance as `auditdocs status [--month]` works it out (`status.run.month_status`), with
        its overdue audits and those due soon."""
        found = kept.found
        if month not in kept.glances:
            glance = plan.month_at_a_glance(found.audits, found.standings, ws.library(), month or found.month,
                                            found.today, every_month=month is None)
            kept.glances[month] = _Glance(glance, glance.overdue(), glance.due_soon())
        return kept.glances[month]

    def keep_up(self, site_) -> None:
        """Work the standings out now and whenever the register changes, until the server stops (its private
        folder is gone)."""
        while site_.private.exists():
            try:
                self.work_out(site_.workspace, site_.today())
            except Exception:  # a register not made yet, busy or damaged: the page says so when asked
                pass
            self.wake.wait(KEEP_UP_SECONDS)
            self.wake.clear()


def concerned(audits: dict[str, m.RegisteredAudit], changed: set[str]) -> set[str]:
    """The audits whose standing may depend on the `changed` ones (`audits`: by id): the changed audits, every
    audit of their cases, the audits they re-audit and those that re-audit them, and so on (see
    `cycle.standings`, which links re-audits within a case and by `re_audit_of`)."""
    by_case: dict[str, list[str]] = {}
    re_audited_by: dict[str, list[str]] = {}
    for a in audits.values():
        if a.case_number:
            by_case.setdefault(a.case_number, []).append(a.audit_id)
        if a.re_audit_of:
            re_audited_by.setdefault(a.re_audit_of, []).append(a.audit_id)
    out: set[str] = set()
    todo = list(changed)
    while todo:
        audit_id = todo.pop()
        if audit_id in out:
            continue
        out.add(audit_id)
        a = audits.get(audit_id)
        if a is not None:
            todo += by_case.get(a.case_number, []) if a.case_number else []
            todo += [a.re_audit_of] if a.re_audit_of else []
        todo += re_audited_by.get(audit_id, [])
    return out


@dataclass
class _Glance:
    glance: plan.MonthAtAGlance
    overdue: list[plan.AuditLine]
    soon: list[plan.AuditLine]


def known() -> Known:
    return current_app.extensions["auditdocs.month"]


@bp.record_once
def _set_up(state) -> None:
    app = state.app
    app.extensions["auditdocs.month"] = Known()
    app.jinja_env.globals.update(grade_class=grade_class, who_key=who_key)
    threading.Thread(target=app.extensions["auditdocs.month"].keep_up, args=(app.extensions["auditdocs"],),
                     daemon=True, name="auditdocs-month").start()


# ---- names in addresses, and colours ---------------------------------------------------------


def who_key(name: str) -> str:
    """An auditor as an address may hold them: an opaque key of the name, never the name."""
    return hashlib.sha256(m.name_key(name or "").encode("utf-8")).hexdigest()[:12]


def _css_name(text: str) -> str:
    return re.sub(r"[^a-z0-9_-]+", "-", str(text).casefold()).strip("-") or "x"


def grade_class(scale_id: str, value: str) -> str:
    """The class `/colours.css` gives an option of a scale ('grade-overall_grade-good')."""
    return f"grade-{_css_name(scale_id)}-{_css_name(value)}"


def grade_scale(spec: m.FormSpec | None) -> str:
    """The scale of the audit's grade (its form's overall grade), '' when the form has none."""
    f = spec.field_with_role("overall_grade") if spec else None
    return f.scale.id if f is not None and f.scale is not None else ""


def colours_css(library) -> str:
    """One class per option of every scale of the form specs that has a colour, with the text colour that
    reads on it (`contrast.text_on`), as the tracker and the report colour grades."""
    from ...contrast import text_on

    rules: dict[str, str] = {}
    for versions in library.forms.values():
        for spec in versions.values():
            for scale in spec.scales.values():
                for option in scale.options:
                    if option.colour:
                        fill = option.colour.strip().lstrip("#").upper()
                        rules.setdefault(grade_class(scale.id, option.value),
                                         f"background-color: #{fill}; color: #{text_on(fill)};")
    return "".join(f".{name} {{ {rule} }}\n" for name, rule in sorted(rules.items()))


@bp.get("/colours.css")
def colours():
    css = current_app.extensions.get("auditdocs.colours")
    if css is None:
        css = current_app.extensions["auditdocs.colours"] = (
            "/* The scales' colours (form_specs), as the tracker and the report show them. */\n"
            + colours_css(site().workspace.library()))
    return Response(css, mimetype="text/css", headers={"Cache-Control": "no-cache"})


# ---- the month page -------------------------------------------------------------------------


@dataclass
class Row:
    """An audit as the page's tables show it."""

    line: plan.AuditLine
    step: cycle.Step | None
    late: bool
    grade: m.Option | None
    grade_class: str

    @property
    def audit(self) -> m.RegisteredAudit:
        return self.line.audit


def _row(line: plan.AuditLine, today: dt.date, library) -> Row:
    steps = line.standing.steps
    step = (next((s for s in steps if s.late(today)), None) or next((s for s in steps if s.due), None)
            or (steps[0] if steps else None))
    grade = line.standing.grade
    scale = grade_scale(library.get(line.audit.form_id, line.audit.form_version)) if grade else ""
    return Row(line, step, bool(step and step.late(today)), grade, grade_class(scale, grade.value) if grade else "")


def _narrowed(whole: _Glance, state: str, auditor: str, team: str, activity: str = "") -> _Glance:
    """The month at a glance of the audits in `state`, of `auditor` (a `who_key`), of `team` and of `activity`
    (its name as shown: not a person's; each if given)."""
    def kept(line: plan.AuditLine) -> bool:
        return ((not state or line.standing.state == state)
                and (not auditor or who_key(line.audit.auditor or "(no auditor)") == auditor)
                and (not team or (line.audit.team or "(no team)") == team)
                and (not activity or m.activity_name(line.audit) == activity))

    if not (state or auditor or team or activity):
        return whole
    glance = whole.glance
    return _Glance(plan.MonthAtAGlance(glance.month, glance.today, [x for x in glance.lines if kept(x)], None if
                                       glance.other_months is None else [x for x in glance.other_months if kept(x)]),
                   # the same order as overdue() and due_soon() of those lines give
                   [x for x in whole.overdue if kept(x)], [x for x in whole.soon if kept(x)])


def _groups(glance: plan.MonthAtAGlance, what: str, states: list[str]) -> list[dict]:
    """Rows of the table by auditor, by team or by activity: each state's count, the total, how many overdue."""
    late: dict[str, int] = {}
    for line in glance.lines:
        if line.standing.overdue:
            key = (m.activity_name(line.audit) if what == "activity" else getattr(line.audit, what)) or f"(no {what})"
            late[key] = late.get(key, 0) + 1
    return [{"name": key, "key": who_key(key) if what == "auditor" else key,
             "counts": [counts.get(s, 0) for s in states], "total": sum(counts.values()), "overdue": late.get(key, 0)}
            for key, counts in glance.by(what).items()]


def _search(ws: Workspace, text: str, kept: _Kept) -> list[m.RegisteredAudit]:
    """The audits whose case number or audit id is `text` (an audit id however it is capitalised)."""
    text = text.strip()
    if not text:
        return []
    with ws.open_register() as reg:
        found = {a.audit_id: a for a in reg.audits(case_number=text)}
        for audit_id in {text, text.upper()}:
            audit = reg.audit(audit_id) if audit_id not in found else None
            if audit is not None:
                found[audit.audit_id] = audit
    known_ids = kept.found.standings
    return sorted((a for a in found.values() if a.audit_id in known_ids),
                  key=lambda a: (a.month or dt.date.min, a.audit_id))


@bp.get("/")
def index():
    ws, today = site().workspace, site().today()
    month = month_given("month")
    state = request.args.get("state", "")
    state = state if state in cycle.STATES else ""
    auditor, team = request.args.get("auditor", ""), request.args.get("team", "")
    activity = request.args.get("activity", "")
    query = request.args.get("q", "").strip()
    every = request.args.get("all") == "1"
    try:
        kept, fresh = known().current(ws, today)
    except UserError as exc:  # no audits yet, or a register that cannot be read: as the command says it
        return render("month/index.html", empty=str(exc), glance=None, filters={})
    if kept is None:
        return render("month/index.html", working=True, glance=None, filters={})
    whole_glance = known().glance(ws, kept, month)
    whole = whole_glance.glance
    library = ws.library()
    auditors = sorted({line.audit.auditor or "(no auditor)" for line in whole.lines}, key=str.casefold)
    teams = sorted({line.audit.team or "(no team)" for line in whole.lines}, key=str.casefold)
    activities = sorted({m.activity_name(line.audit) for line in whole.lines},
                        key=lambda name: (name != m.CONTROL_SAMPLE_NAME, name.casefold()))
    auditor_name = next((a for a in auditors if who_key(a) == auditor), "") if auditor else ""
    if auditor and not auditor_name:  # an auditor of another month
        auditor_name = next((line.audit.auditor for line in whole.other_months or [] if
                             who_key(line.audit.auditor) == auditor), "someone with no audits this month")
    narrowed = _narrowed(whole_glance, state, auditor, team, activity)
    glance = narrowed.glance
    counts = glance.counts()
    shown_states = [s for s, n in counts.items() if n] or []
    filtered = bool(state or auditor or team or activity)
    found = [_row(plan.AuditLine(a, kept.found.standings[a.audit_id], plan.subject_name(a, library)), today, library)
             for a in _search(ws, query, kept)] if query else None
    overdue, soon = narrowed.overdue, narrowed.soon
    listed = [_row(x, today, library) for x in sorted(glance.lines, key=lambda x: x.audit.audit_id)] if filtered else []
    limit = None if every else SHOWN
    return render(
        "month/index.html", glance=glance, whole=whole, counts=counts, states=cycle.STATES, shown_states=shown_states,
        by_auditor=_groups(glance, "auditor", shown_states), by_team=_groups(glance, "team", shown_states),
        by_activity=_groups(glance, "activity", shown_states) if whole.activities() else [],
        activity_options=[(name, name) for name in activities] if whole.activities() or activity else [],
        managers=glance.managers(),
        overdue=[_row(x, today, library) for x in overdue[:limit]], overdue_count=len(overdue),
        soon=[_row(x, today, library) for x in soon[:limit]], soon_count=len(soon),
        listed=listed[:limit], listed_count=len(listed), every=every, shown_limit=SHOWN,
        month_options=[(f"{mo:%Y-%m}", f"{mo:%B %Y}") for mo in kept.months],
        auditor_options=[(who_key(name), name) for name in auditors], team_options=[(name, name) for name in teams],
        found=found, query=query, filtered=filtered,
        filters={k: v for k, v in (("month", f"{month:%Y-%m}" if month else ""), ("state", state),
                                    ("auditor", auditor), ("team", team), ("activity", activity)) if v},
        auditor_name=auditor_name, soon_days=plan.SOON_DAYS, every_month=whole.other_months is not None, fresh=fresh)


# ---- an audit's page ------------------------------------------------------------------------


def _owner(spec: m.FormSpec | None, action: m.TrackedAction) -> str:
    """Who the action is for: its table's person column, with the role when there is one."""
    table = spec.table(action.table_id) if spec else None
    if table is None:
        return ""
    person = next((str(action.values.get(c.id) or "") for c in table.columns if c.type == "person"), "")
    role = next((str(action.values.get(c.id) or "") for c in table.columns if c.type == "role"), "")
    return f"{person} ({role})" if person and role else person or role


MODERATION_KINDS = ("selected_for_moderation", "moderated", "disputed")
#: What happened to an audit, as a QA officer reads it (model.EVENT_KINDS without its notes for programmers).
HAPPENED = {kind: (lambda text: text[:1].upper() + text[1:])(re.sub(r" \(.*\)$", "", what))
            for kind, what in m.EVENT_KINDS.items()}


@bp.get("/audits/<audit_id>")
def audit(audit_id: str):
    ws, today = site().workspace, site().today()
    library = ws.library()
    try:
        with ws.open_register() as reg:
            found = reg.audit(audit_id)
            history = reg.case_history(found.case_number) if found is not None and found.case_number else []
    except UserError:
        found = None
    if found is None:
        abort(404)
    if found.audit_id not in {a.audit_id for a in history}:
        history.append(found)
    standing = cycle.standings(history, library, today)[found.audit_id]
    spec = library.get(found.form_id, found.form_version)
    current = found.current
    record = current.record if current is not None else None
    scale = grade_scale(spec)
    grades = []
    if spec is not None and record is not None:
        for role, label in (("overall_grade", "Overall grade"), ("grade_after_moderation", "Grade after moderation")):
            option = m.option_of(spec, record, role)
            if option is not None:
                f = spec.field_with_role(role)
                grades.append((label, option, grade_class(f.scale.id if f and f.scale else scale, option.value)))
    actions = [{"action": a, "owner": _owner(spec, a), "due": cycle.action_required_by(spec, a),
                "late": cycle.action_overdue(spec, a, today), "open": cycle.action_open(a)} for a in found.actions]
    versions = []
    for version in found.returns:
        path = Path(version.folder) / version.path
        versions.append({"version": version, "name": Path(version.path).name, "in_use": version is current,
                         "path": path if _offerable(path) else None, "returned": cycle.returned_on(version)})
    made = [Path(f) for f in found.files]
    return render(
        "month/audit.html", audit=found, standing=standing, spec=spec, name=spec.subject_name(found.subject) if spec
        else "", state=cycle.STATES[standing.state], grades=grades,
        grade_class=grade_class(scale, standing.grade.value) if standing.grade else "",
        actions=actions, versions=versions, made=[(p.name, p if _offerable(p) else None) for p in made],
        problems=list(standing.problems), record_problems=list(record.problems) if record is not None else [],
        moderation=[e for e in found.events if e.kind in MODERATION_KINDS],
        events=found.events, event_kinds=HAPPENED, history=[a for a in history if a.audit_id != found.audit_id])


def _offerable(path: Path) -> bool:
    """A file the page may offer to download: there, and inside the workspace."""
    try:
        return path.is_file() and path.resolve().is_relative_to(site().workspace.folder.resolve())
    except OSError:
        return False
