"""What a council sets once for allocation: the [allocation] table of the workspace settings, and
its tables [allocation.sample] (how many cases of each category), [allocation.forms] (category = form)
and [allocation.role_forms] (form = roles). `auditdocs init` writes them all at their defaults, each
with what it is for (HELP).

Categories are matched whatever way a list writes them ("Child in Need", "CIN"): see CATEGORIES.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import ClassVar

from ..domain.cycle import YEAR_START_MONTH
from ..errors import UserError
from ..workspace import council_keys, unknown_keys
from .allocation_list import key

#: The usual categories of a case, each with the other names lists use for it (compared with `key`).
CATEGORIES = {
    "CIN": ("childinneed", "cin"),
    "CP": ("childprotection", "cp", "cpp", "childprotectionplan", "subjectofachildprotectionplan"),
    "CLA": ("childlookedafter", "cla", "lookedafter", "lookedafterchild", "lac", "childincare", "cic",
            "childrenincare"),
    "Placed for adoption": ("placedforadoption", "childplacedforadoption"),
    "Care leaver": ("careleaver", "leavingcare"),
    "Early Help": ("earlyhelp", "eh"),
    "Foster carer": ("fostercarer", "fostercarers", "fostering"),
    "Prospective adopter": ("prospectiveadopter", "prospectiveadopters", "adopter"),
    "Supported lodgings": ("supportedlodgings", "supportedlodgingsprovider", "sl"),
}
_BY_KEY = {k: name for name, keys in CATEGORIES.items() for k in (key(name), *keys)}

DEFAULT_SAMPLE = {"CIN": 13, "CP": 13, "CLA": 13, "Placed for adoption": 1, "Foster carer": 6,
                  "Prospective adopter": 3}
DEFAULT_FORMS = {
    "CIN": "csc_case_file_audit", "CP": "csc_case_file_audit", "CLA": "csc_case_file_audit",
    "Placed for adoption": "csc_case_file_audit", "Care leaver": "csc_case_file_audit",
    "Early Help": "eh_case_file_audit", "Foster carer": "foster_carer_case_file_audit",
    "Prospective adopter": "prospective_adopter_case_file_audit",
    "Supported lodgings": "supported_lodgings_case_file_audit",
}
OWN = ("team", "service")

#: Names, teams and services compared with case, accents, spaces and punctuation ignored (cached:
#: the rules compare them for every case and auditor).
name_key = lru_cache(maxsize=1 << 16)(key)


def category(text: str) -> str:
    """The category a list's text means (its usual name), else the text as written."""
    text = " ".join(str(text or "").split())
    return _BY_KEY.get(key(text), text)


@dataclass(frozen=True)
class AllocationSettings:
    year_start: int = YEAR_START_MONTH
    audits_per_year: int = 10
    break_percent: float = 20
    own: str = "team"  # "team": no auditor audits their own team's cases; "service": nor their service's
    recent_months: int = 6
    re_audit_same_auditor: bool = True
    sample: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_SAMPLE))
    forms: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_FORMS))
    role_forms: dict[str, tuple[str, ...]] = field(default_factory=dict)

    #: Fields the workspace fills from its [council] table: field -> key there.
    FROM_COUNCIL: ClassVar[dict[str, str]] = {"year_start": "year_start"}
    HELP: ClassVar[dict[str, str]] = {
        "audits_per_year": "At most this many audits for each auditor in an audit year.",
        "break_percent": "At most this share of the auditors (a percentage) on an audit break in any month.",
        "own": 'Nobody audits a case of their own "team"; with "service", nor of their own service.',
        "recent_months": "The sample drawn leaves out cases audited in this many months before.",
        "re_audit_same_auditor": "A re-audit after an Inadequate grade goes to the auditor of that audit (true), "
                                 "or to anyone the rules allow (false).",
        "sample": "The sample drawn when no case on the cases list is marked: how many cases of each category.",
        "forms": "The form each category's audit needs (a Form column in the cases list wins).",
        "role_forms": "Forms given where possible to auditors of these roles, for example "
                      'foster_carer_case_file_audit = ["Fostering service manager", "IFRO"].',
    }

    def form_for(self, case_category: str) -> str | None:
        """The form a category's audit needs, if the settings say (categories compared as `key` compares)."""
        wanted = key(category(case_category))
        return next((form for name, form in self.forms.items() if key(name) == wanted), None)

    @classmethod
    def from_mapping(cls, section: dict, where: str) -> tuple[AllocationSettings, list[str]]:
        """Settings from a TOML table (`where` names it in messages, e.g. "auditdocs.toml, [allocation] table"):
        the settings and warnings for keys this version does not know. A wrong value raises UserError."""
        warnings = council_keys(section, cls.FROM_COUNCIL, where)
        warnings += unknown_keys({k: v for k, v in section.items() if k not in cls.FROM_COUNCIL}, cls.HELP, where)
        given = {}
        for name, value in section.items():
            if name in cls.HELP:
                given[name] = _READ[name](value, f"{where}: '{name}'")
        if "forms" in given:  # forms named add to the usual ones; a sample given replaces the usual counts
            given["forms"] = {**DEFAULT_FORMS, **given["forms"]}
        return replace(cls(), **given), warnings


# ---- reading each setting ---------------------------------------------------------------------------


def _whole(value, where: str, least: int, most: int | None = None, example: str = "") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < least or (most is not None and value > most):
        span = f"from {least} to {most}" if most is not None else f"{least} or more"
        raise UserError(f"{where} must be a whole number {span}, for example {example or least}; it is {value!r}.")
    return value


def _percent(value, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 100:
        raise UserError(f"{where} must be a percentage from 0 to 100, for example 20; it is {value!r}.")
    return float(value)


def _own(value, where: str) -> str:
    if not isinstance(value, str) or value.strip().casefold() not in OWN:
        raise UserError(f'{where} must be "team" (no auditor audits a case of their own team) or "service" '
                        f"(nor of their own service); it is {value!r}.")
    return value.strip().casefold()


def _yes_no(value, where: str) -> bool:
    if not isinstance(value, bool):
        raise UserError(f"{where} must be true or false (without quotes); it is {value!r}.")
    return value


def _table(value, where: str, example: str) -> dict:
    if not isinstance(value, dict):
        raise UserError(f"{where} must be a table, for example {example}; it is {value!r}.")
    return value


def _sample(value, where: str) -> dict[str, int]:
    table = _table(value, where, '[allocation.sample] with lines such as CIN = 13')
    return {category(name): _whole(count, f"{where} {name}", 0, example="13") for name, count in table.items()}


def _forms(value, where: str) -> dict[str, str]:
    table = _table(value, where, '[allocation.forms] with lines such as "Early Help" = "eh_case_file_audit"')
    out = {}
    for name, form_id in table.items():
        if not isinstance(form_id, str) or not form_id.strip():
            raise UserError(f'{where} {name} must be a form id in quotes, for example "csc_case_file_audit"; '
                            f"it is {form_id!r}.")
        out[category(name)] = form_id.strip()
    return out


def _role_forms(value, where: str) -> dict[str, tuple[str, ...]]:
    table = _table(value, where, '[allocation.role_forms] with lines such as '
                                 'foster_carer_case_file_audit = ["Fostering service manager", "IFRO"]')
    out = {}
    for form_id, roles in table.items():
        if isinstance(roles, str):
            roles = [roles]
        if not isinstance(roles, list) or not roles or not all(isinstance(r, str) and r.strip() for r in roles):
            raise UserError(f'{where} {form_id} must be a list of roles, for example ["Fostering service manager", '
                            f'"IFRO"]; it is {roles!r}.')
        out[form_id] = tuple(r.strip() for r in roles)
    return out


_READ = {
    "audits_per_year": lambda v, where: _whole(v, where, 1, 120, "10"),
    "break_percent": _percent,
    "own": _own,
    "recent_months": lambda v, where: _whole(v, where, 0, 120, "6"),
    "re_audit_same_auditor": _yes_no,
    "sample": _sample,
    "forms": _forms,
    "role_forms": _role_forms,
}
