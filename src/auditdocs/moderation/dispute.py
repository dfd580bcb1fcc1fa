"""A disputed audit: moderated by a senior manager from a service not connected with the case (pure checks).

Not connected means: not the case's service (its team's), not the auditor's service, and not the service of
whoever moderated it (or was chosen to); and the senior manager is neither the auditor nor that moderator.
"""
from __future__ import annotations

import datetime as dt

from ..allocate.allocation_list import key
from ..domain import model as m
from .moderators import Moderator, ModeratorList, same_service, services_of
from .settings import ModerationSettings


def is_senior(moderator: Moderator, settings: ModerationSettings) -> bool:
    role = key(moderator.role)
    return any(role.startswith(key(r)) for r in settings.senior_roles)


def connected_services(audit: m.RegisteredAudit, people: ModeratorList) -> dict[str, set[str]]:
    """The services connected with the case, by how: the case's, the auditor's, the moderator's."""
    out = {"the case's": services_of(audit, people.services_of_team())}
    auditor = people.find(audit.auditor)
    out["the auditor's"] = {auditor.service} if auditor else set()
    for e in audit.events_of("selected_for_moderation") + audit.events_of("moderated"):
        found = people.find(e.who)
        service = (found.service if found else "") or str(e.details.get("service", ""))
        if service:
            out.setdefault("the moderator's", set()).add(service)
    return out


def dispute_problems(audit: m.RegisteredAudit, senior: Moderator, people: ModeratorList,
                     settings: ModerationSettings = ModerationSettings()) -> list[str]:
    """Why `senior` may not moderate the dispute of `audit` (empty: they may)."""
    problems = []
    if not is_senior(senior, settings):
        problems.append(f"{senior.name}'s role is {senior.role}: a disputed audit is moderated by a senior manager "
                        f"({', '.join(settings.senior_roles)}).")
    if key(senior.name) == key(audit.auditor):
        problems.append(f"{senior.name} did the audit.")
    moderators = {e.who for e in audit.events_of("selected_for_moderation") + audit.events_of("moderated")}
    if any(key(senior.name) == key(who) for who in moderators):
        problems.append(f"{senior.name} moderated it (or was chosen to) before the dispute.")
    services = connected_services(audit, people)
    if not services["the case's"]:
        problems.append(f"the service of the case's team ({audit.team or 'no team given'}) is not known, so it cannot "
                        "be checked: add the team to the Teams column of its service in the moderators list.")
    for how, names in services.items():
        if any(same_service(senior.service, s) for s in names):
            problems.append(f"{senior.service} is {how} service.")
    auditor_service = audit.subject.get("auditor_service", "")
    if key(senior.service) and key(senior.service) in key(auditor_service) and not services["the auditor's"]:
        problems.append(f"{senior.service} is the auditor's service (the form says '{auditor_service}').")
    return problems


def who_may(audit: m.RegisteredAudit, people: ModeratorList, settings: ModerationSettings) -> list[Moderator]:
    """The senior managers on the list who may moderate the dispute."""
    return [p for p in people.moderators if not dispute_problems(audit, p, people, settings)]


def dispute_event(audit: m.RegisteredAudit, senior: Moderator, on: dt.date, outcome: str = "",
                  reason: str = "") -> m.Event:
    return m.Event("disputed", on, audit.audit_id, who=senior.name, reason=reason,
                   details={**senior.as_dict(), "outcome": outcome})
