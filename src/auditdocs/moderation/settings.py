"""What a council sets once about moderation (the [moderation] table of the workspace settings)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ..domain.cycle import YEAR_START_MONTH
from ..errors import UserError
from ..workspace import council_keys, unknown_keys

#: Roles that count as senior managers for a disputed audit (compared with case, spaces and
#: punctuation ignored, and as the start of the role: "Head of Service (Safeguarding)" counts).
SENIOR_ROLES = ("Head of Service", "Assistant Director", "Deputy Director", "Director", "Group Manager",
                "Service Manager", "Senior Manager", "Strategic Lead")


@dataclass(frozen=True)
class ModerationSettings:
    """`share`: the least percentage of the month's complete audits moderated (rounded up).
    `always_include`: grades (scale values, e.g. "inadequate", "outstanding") whose audits are all moderated.
    `senior_roles`: who may moderate a disputed audit."""

    share: float = 10
    always_include: tuple[str, ...] = ("inadequate",)
    senior_roles: tuple[str, ...] = SENIOR_ROLES
    year_start: int = YEAR_START_MONTH  # from [council]: the per-person figures cover the audit year

    FROM_COUNCIL: ClassVar[dict[str, str]] = {"year_start": "year_start"}
    HELP: ClassVar[dict[str, str]] = {
        "share": "The least share of each month's complete audits to moderate, as a percentage (rounded up).",
        "always_include": "Grades whose audits are all moderated, as the grading scale words them "
                          '(for example "inadequate", "outstanding").',
        "senior_roles": "The roles of senior managers, who may moderate a disputed audit (a role that starts "
                        "with one of these counts).",
    }

    @classmethod
    def from_mapping(cls, section: dict, where: str) -> tuple["ModerationSettings", list[str]]:
        """Settings from a TOML section; unknown keys come back as warnings, bad values raise UserError."""
        warnings = council_keys(section, cls.FROM_COUNCIL, where)
        warnings += unknown_keys({k: v for k, v in section.items() if k not in cls.FROM_COUNCIL}, cls.HELP, where)
        values = {}
        if "share" in section:
            share = section["share"]
            if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 < share <= 100:
                raise UserError(f"{where}: share = {share!r} is not a percentage. Write a number from 1 to 100, "
                                "for example share = 10.")
            values["share"] = share
        for name in ("always_include", "senior_roles"):
            if name in section:
                items = section[name]
                if not isinstance(items, list) or not all(isinstance(i, str) and i.strip() for i in items):
                    example = '["inadequate"]' if name == "always_include" else '["Head of Service", "Assistant Director"]'
                    raise UserError(f"{where}: {name} must be a list of words in quotes, for example "
                                    f"{name} = {example}.")
                values[name] = tuple(i.strip() for i in items)
        return cls(**values), warnings
