"""What a council sets once for its reports (the [report] table of the workspace settings; the council's
name and service come from its [council] table)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import ClassVar

from ..domain.cycle import YEAR_START_MONTH
from ..errors import UserError
from ..workspace import council_keys, unknown_keys


@dataclass(frozen=True)
class ReportSettings:
    council: str = "Council"  # shown on the title page, e.g. "Fictionshire County Council"
    service: str = "Children's Services"  # e.g. "Children's Social Care"
    year_start: int = YEAR_START_MONTH  # the month audit years (and so quarters) start in
    top_questions: int = 10  # questions most often answered No or Partially
    trend_months: int = 12
    #: The form fields whose text the evidence annex (--with-evidence) quotes, names replaced by roles.
    evidence_fields: tuple[str, ...] = ("working_well", "worried_about")
    evidence_per_grade: int = 3  # audits quoted per grade in the annex

    #: Fields the workspace fills from its [council] table: field -> key there.
    FROM_COUNCIL: ClassVar[dict[str, str]] = {"council": "name", "service": "service", "year_start": "year_start"}
    HELP: ClassVar[dict[str, str]] = {
        "top_questions": "How many of the questions most often answered No or Partially the report lists.",
        "trend_months": "How many months the chart of grades over time shows.",
        "evidence_fields": "The form fields whose text the evidence annex (report --with-evidence) quotes, "
                           "with names replaced by roles.",
        "evidence_per_grade": "How many audits of each grade the evidence annex quotes.",
    }

    @classmethod
    def from_mapping(cls, section: dict, where: str) -> tuple[ReportSettings, list[str]]:
        """Settings from a TOML section: (settings, warnings about keys it does not know).
        A value of the wrong kind is a UserError naming `where`, the key and what to write."""
        warnings = council_keys(section, cls.FROM_COUNCIL, where)
        warnings += unknown_keys({k: v for k, v in section.items() if k not in cls.FROM_COUNCIL}, cls.HELP, where)
        values = {}
        for key, value in section.items():
            if key not in cls.HELP:
                continue
            default = getattr(cls, key)
            if isinstance(default, tuple):
                if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
                    raise UserError(f"{where}: '{key}' should be a list of field ids, for example "
                                    f"{key} = {json.dumps(list(default))}.")
                values[key] = tuple(v.strip() for v in value)
            else:
                low, high = {"trend_months": (1, 36)}.get(key, (0, 100))
                if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                    what = f"a whole number from {low} to {high}"
                    raise UserError(f"{where}: '{key}' should be {what}, for example {key} = {default}.")
                values[key] = value
        return cls(**values), warnings
