"""Names in free text replaced by roles, for anything shared beyond the case file.

Evidence and comments quote people ("Amelia told her social worker, Sam Invented, …"). Before
such text goes into a report annex or a pseudonymised export, every name the record knows
is replaced by the person's role: "[child] told her social worker, [social worker], …".

The names a record knows are its details: the subject's (the header fields that identify
them, and every header field whose id ends in `_name` or `_names`: given names, family name,
foster carer's or providers' names), the children placed with a carer or provider (see
PLACED_FIELDS) and the workers' (see WORKER_FIELDS). A name is replaced whole first, then each
part of it on its own (a given name used alone, a family name used for the parents), matched as
a whole word and with its capital letter, so "Rose" the name goes and "the risk rose" stays;
the small words of a name ("Denise and Mark", "de", "(placed 2025)") are not names on their own. Names the record does not hold (a parent's, a school's) cannot be
known here: `--with-text` outputs say so.
"""
from __future__ import annotations

import re

from .domain import model as m

#: Header fields that name a worker rather than the subject: field id -> role shown instead.
WORKER_FIELDS = {
    "social_worker": "social worker",
    "team_manager": "team manager",
    "auditor": "auditor",
    "senior_managers": "senior manager",
}
#: Header fields that name the children placed with the subject: field id -> role shown instead.
PLACED_FIELDS = {
    "children_placed": "child placed",
    "young_people_placed": "young person placed",
}
MIN_PART = 2  # a part of a name shorter than this ("J") is not replaced on its own


def known_names(spec: m.FormSpec, subject: dict[str, str], extra: dict[str, str] | None = None) -> dict[str, str]:
    """Every name the record holds -> the role that replaces it ("[child]", "[social worker]")."""
    who = spec.subject_label.casefold()
    names: dict[str, str] = {}
    for h in spec.header:
        value = (subject.get(h.id) or "").strip()
        if not value or h.type == "date" or h.id == "case_number":
            continue
        if h.id in WORKER_FIELDS:
            names[value] = f"[{WORKER_FIELDS[h.id]}]"
        elif h.id in PLACED_FIELDS:
            names[value] = f"[{PLACED_FIELDS[h.id]}]"
        elif h.identifier or h.id.endswith(("_name", "_names")):
            names[value] = f"[{who}]"
    if subject.get("given_names") and subject.get("family_name"):
        full = f"{subject['given_names'].strip()} {subject['family_name'].strip()}"
        names[full] = f"[{who}]"
    for name, role in (extra or {}).items():
        if name.strip():
            names[name.strip()] = role
    return names


def replace_names(text: str, names: dict[str, str]) -> str:
    """`text` with every name in `names` (and each part of it) replaced by its role."""
    if not text or not names:
        return text
    whole = sorted(names, key=len, reverse=True)
    text = _sub_all(text, [(n, names[n]) for n in whole], flags=re.IGNORECASE)
    parts: dict[str, str] = {}
    for name in whole:
        for part in re.split(r"[\s\-,;/&()]+", name):
            if _is_name_part(part) and part not in parts:
                parts[part] = names[name]
    return _sub_all(text, sorted(parts.items(), key=lambda p: len(p[0]), reverse=True), flags=0)


#: Words of a role, not of a person's name: an owner written as a role ("Head of Service, Children in Care") is no
#: one's name, and its words ("Children") are not taken out of the texts.
ROLE_WORDS = frozenset({"head", "heads", "manager", "managers", "service", "services", "team", "officer", "director",
                        "lead", "board", "group", "panel", "principal", "senior", "assistant", "deputy", "quality",
                        "assurance", "qa", "safeguarding", "partnership", "of", "and", "the", "for"})


def is_role(owner: str) -> bool:
    """Whether an owner is written as a role or a group rather than a person's name."""
    words = re.findall(r"[^\W\d_]+", owner.casefold())
    return "," in owner or any(w in ROLE_WORDS for w in words)


def _is_name_part(part: str) -> bool:
    """A part of a name that names someone on its own: not "and", "de" or "2025"."""
    return len(part) >= MIN_PART and any(ch.isalpha() for ch in part) and not part[0].islower()


def _sub_all(text: str, pairs: list[tuple[str, str]], flags: int) -> str:
    for name, role in pairs:
        pattern = re.compile(rf"(?<!\w){re.escape(name)}(?!\w)", flags)
        text = pattern.sub(role.replace("\\", r"\\"), text)
    return text
