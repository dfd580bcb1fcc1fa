"""Who a form is about and which audit it is: audit ids and fingerprints.

A form carries its identity in its document properties (Word: docProps/custom.xml;
Excel: the workbook's custom properties and a hidden sheet), under these names.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re

from . import model as m
from .dates import parse_date, uk

PROP_AUDIT_ID = "auditdocs.audit_id"
PROP_FORM_ID = "auditdocs.form_id"
PROP_FORM_VERSION = "auditdocs.form_version"
PROP_FINGERPRINT = "auditdocs.fingerprint"
PROP_SUBJECT = "auditdocs.subject."  # + header field id, for identifier fields
PROP_LAYOUT = "auditdocs.layout"  # "auditdocs" (our layout) or "template" (a council's own)
PROP_AUDITOR = "auditdocs.auditor"  # who the form was sent to (to say who sent back a file that cannot be read)


AUDIT_ID_RE = re.compile(r"AUD-(\d{4})(\d{2})-[A-Z2-7]{8}")


def audit_month(audit: str) -> dt.date | None:
    """The first day of the month an audit id was made for, if it is one of ours."""
    match = AUDIT_ID_RE.fullmatch(audit or "")
    if not match:
        return None
    try:
        return dt.date(int(match.group(1)), int(match.group(2)), 1)
    except ValueError:
        return None


def audit_id(spec: m.FormSpec, values: dict[str, str], activity: str = "") -> str:
    """A stable id: the same allocation row always gets the same id.

    AUD-<yyyymm of the due date>-<8 characters from the form, case, auditor, type, due date and the programme's
    activity (when there is one: a case in the control sample and in a dip sample of the same month, with the
    same auditor and form, is two audits)>.
    """
    due = values.get("due_date", "")
    month = due[:7].replace("-", "") if len(due) >= 7 else "000000"
    parts = [spec.id, values.get("case_number", ""), values.get("auditor", ""), values.get("audit_type", ""), due]
    if activity:
        parts.append(" ".join(activity.split()).casefold())
    key = json.dumps(parts, ensure_ascii=False)
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return f"AUD-{month}-{base64.b32encode(digest).decode()[:8]}"


def shown_values(spec: m.FormSpec, values: dict[str, str]) -> dict[str, str]:
    """The record's details as a form shows them: dates dd/mm/yyyy."""
    return {h.id: uk(values.get(h.id)) if h.type == "date" else values.get(h.id) or "" for h in spec.header}


def fingerprint(spec: m.FormSpec, values: dict[str, str]) -> str:
    """A short hash of the pre-populated values, to tell whether they were changed.

    Values are taken as a form shows them and reads them back: dates as dates,
    runs of spaces as one space."""
    shown = {}
    for h in spec.header:
        value = values.get(h.id) or ""
        if h.type == "date":
            day = parse_date(value)
            shown[h.id] = day.isoformat() if day else ""
        else:
            shown[h.id] = " ".join(str(value).split())
    canonical = json.dumps(shown, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def properties(spec: m.FormSpec, values: dict[str, str], audit: str, layout: str = "auditdocs") -> dict[str, str]:
    """The document properties a generated form carries."""
    props = {
        PROP_AUDIT_ID: audit,
        PROP_FORM_ID: spec.id,
        PROP_FORM_VERSION: str(spec.version),
        PROP_FINGERPRINT: fingerprint(spec, values),
        PROP_LAYOUT: layout,
    }
    if values.get("auditor"):
        props[PROP_AUDITOR] = values["auditor"]
    for h in spec.header:
        if h.identifier:
            props[PROP_SUBJECT + h.id] = values.get(h.id, "")
    return props


# ---- is a returned form the audit it says it is? -----------------------------------------------------


def _same(field: m.HeaderField | None, one, other) -> bool:
    if field is not None and field.type == "date":
        return parse_date(one) == parse_date(other)
    return " ".join(str(one).split()).casefold() == " ".join(str(other).split()).casefold()


def identifying_fields(spec: m.FormSpec) -> list[str]:
    """The details that say who a form is about: the case number first, then the names (the identifier
    fields) and the date of birth, where the form has them."""
    ids = [h.id for h in spec.header if h.identifier]
    if spec.header_field("date_of_birth") and "date_of_birth" not in ids:
        ids.append("date_of_birth")
    return sorted(ids, key=lambda f: f != "case_number")


def details_disagree(spec: m.FormSpec, allocated: dict, shown: dict) -> bool:
    """Whether a returned form's details (`shown`) are another child's than those its audit was allocated for.
    Only the details both give are compared. Different case numbers disagree. With the same case number (or
    none shown), the form is another child's when every other detail compared differs (a name or a date of
    birth corrected by the auditor is not another child); with no case number shown, when any differs."""
    fields = {h.id: h for h in spec.header}
    compared = [f for f in identifying_fields(spec) if str(allocated.get(f) or "").strip() and str(shown.get(f) or "").strip()]
    if not compared:
        return False
    differs = {f for f in compared if not _same(fields.get(f), allocated[f], shown[f])}
    if "case_number" in compared:
        if "case_number" in differs:
            return True
        others = [f for f in compared if f != "case_number"]
        return len(others) >= 2 and set(others) <= differs
    return bool(differs)


def same_child(spec: m.FormSpec, allocated: dict, shown: dict) -> bool:
    """Whether a form's details are those of the audit allocated with `allocated` (to say which allocated audit a
    form that is not its own looks like): the same case number, else the same names and date of birth."""
    fields = {h.id: h for h in spec.header}
    compared = [f for f in identifying_fields(spec) if str(allocated.get(f) or "").strip() and str(shown.get(f) or "").strip()]
    if "case_number" in compared:
        return _same(None, allocated["case_number"], shown["case_number"])
    return len(compared) >= 2 and all(_same(fields.get(f), allocated[f], shown[f]) for f in compared)
