"""The moderators list: Heads of Service, QA officers and senior managers who moderate audits.

An Excel or CSV file like the allocation list (read by `allocate.allocation_list.read_table`, columns matched
the same way, case, spaces and punctuation ignored), one row per person:

    Name | Role | Service | E-mail | Teams

`Teams` (optional) names the teams of that person's service, separated by ; or new lines. It is how
auditdocs knows which service a case belongs to (the case's team), so that nobody moderates a case
from their own service. A team named under two services counts as both (nobody from either moderates it).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field as dc_field
from pathlib import Path

from ..allocate.allocation_list import RowProblem, cell_text, key, read_table
from ..domain import model as m
from ..domain.cycle import is_qa_auditor
from ..errors import UserError

COLUMNS = {  # what each column holds -> the names a list may give it (compared with `key`)
    "name": ("name", "moderator", "fullname", "moderatorname"),
    "role": ("role", "jobtitle", "position", "title"),
    "service": ("service", "moderatorservice"),
    "email": ("email", "emailaddress", "mail"),
    "teams": ("teams", "teamsinservice", "servicesteams", "team"),
}
REQUIRED = ("name", "role", "service")
HEAD_OF_SERVICE = "Head of Service"
QA_OFFICER = "QA officer"


@dataclass(frozen=True)
class Moderator:
    name: str
    role: str
    service: str
    email: str = ""
    teams: tuple[str, ...] = ()
    row: int = 0

    @property
    def kind(self) -> str:
        """'Head of Service', 'QA officer', or '' for anyone else (senior managers for disputes)."""
        role = key(self.role)
        if role.startswith("headofservice") or role == "hos":
            return HEAD_OF_SERVICE
        return QA_OFFICER if is_qa_auditor(self.role) else ""

    def described(self) -> str:
        return f"{self.name} ({self.role}, {self.service})"

    def as_dict(self) -> dict:
        return {"name": self.name, "role": self.role, "service": self.service, "email": self.email}


@dataclass
class ModeratorList:
    path: Path
    moderators: list[Moderator] = dc_field(default_factory=list)
    problems: list[RowProblem] = dc_field(default_factory=list)

    def find(self, name: str) -> Moderator | None:
        wanted = key(name)
        return next((p for p in self.moderators if key(p.name) == wanted), None)

    def services_of_team(self) -> dict[str, set[str]]:
        """key(team) -> the services that name it among their teams."""
        out: dict[str, set[str]] = {}
        for p in self.moderators:
            for team in p.teams:
                out.setdefault(key(team), set()).add(p.service)
        return out


def services_of(audit: m.RegisteredAudit, team_services: dict[str, set[str]]) -> set[str]:
    """The services a case belongs to: the register's (from the allocation), and its team's."""
    found = set(team_services.get(key(audit.team), set())) if audit.team else set()
    if audit.service:
        found.add(audit.service)
    return found


def same_service(a: str, b: str) -> bool:
    return bool(key(a)) and key(a) == key(b)


def read_moderators(path: Path, sheet: str | None = None) -> ModeratorList:
    """Read the list; rows without a name, role or service are skipped and listed in `.problems`."""
    path = Path(path)
    table, _notes = read_table(path, sheet, what="moderators list")
    table = [(n, cells) for n, cells in table if any(cell_text(c) for c in cells)]
    if not table:
        raise UserError(f"the moderators list {path} is empty: it needs a row of column names (Name, Role, "
                        "Service, E-mail, Teams) and a row per moderator.")
    header = [cell_text(c) for c in table[0][1]]
    columns = _match(header)
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        found = ", ".join(f"'{h}'" for h in header if h) or "none"
        raise UserError(f"the moderators list {path.name} has no {' or '.join(missing)} column. Its columns: {found}. "
                        "Name the columns Name, Role, Service, E-mail and (optionally) Teams.")
    result = ModeratorList(path)
    seen: dict[str, int] = {}
    for n, cells in table[1:]:
        raw = {what: cells[i] if i < len(cells) else None for what, i in columns.items()}
        values = {what: cell_text(value) for what, value in raw.items()}
        values["teams"] = "" if raw.get("teams") is None else str(raw["teams"])  # keeps the line breaks
        absent = [what for what in REQUIRED if not values.get(what)]
        if absent:
            result.problems.append(RowProblem(n, f"no {' or '.join(absent)} given: row skipped. Fill in the name, "
                                                 "role and service of every moderator."))
            continue
        if key(values["name"]) in seen:
            result.problems.append(RowProblem(n, f"{values['name']} is already on row {seen[key(values['name'])]}: "
                                                 "row skipped. Keep one row per person."))
            continue
        seen[key(values["name"])] = n
        teams = tuple(t.strip() for t in re.split(r"[;\n]", values.get("teams", "")) if t.strip())
        result.moderators.append(Moderator(values["name"], values["role"], values["service"],
                                           values.get("email", ""), teams, n))
    return result


def _match(header: list[str]) -> dict[str, int]:
    out = {}
    keys = [key(h) for h in header]
    for what, names in COLUMNS.items():
        index = next((keys.index(n) for n in names if n in keys), None)
        if index is not None and index not in out.values():
            out[what] = index
    return out
