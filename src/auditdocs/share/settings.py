"""What a council sets once for its exports: the [export] table of the workspace settings."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ..errors import UserError
from ..workspace import unknown_keys


@dataclass(frozen=True)
class ExportSettings:
    """What a council sets once for its exports (the [export] table of the workspace settings)."""

    age_bands: tuple[int, ...] = (1, 5, 10, 16, 18)  # where each band starts, in years
    code_teams: bool = False  # replace team and service names by keyed codes

    HELP: ClassVar[dict[str, str]] = {
        "age_bands": "The ages, in years, at which the age bands of an export start, smallest first.",
        "code_teams": "Replace the names of teams and services by keyed codes in exports (true or false).",
    }

    @classmethod
    def from_mapping(cls, section: dict, where: str) -> tuple[ExportSettings, list[str]]:
        """The settings in a TOML section, and a warning for each key it does not know."""
        warnings = unknown_keys(section, cls.HELP, where)
        settings = cls()
        if "age_bands" in section:
            bands = section["age_bands"]
            if (not isinstance(bands, list) or not bands or not all(type(b) is int and b > 0 for b in bands)
                    or bands != sorted(set(bands))):
                raise UserError(f"{where}: age_bands must be a list of ages in years at which each band starts, "
                                "smallest first, for example age_bands = [1, 5, 10, 16, 18].")
            settings = cls(tuple(bands), settings.code_teams)
        if "code_teams" in section:
            if not isinstance(section["code_teams"], bool):
                raise UserError(f"{where}: code_teams must be true or false (true: teams and services are "
                                "replaced by keyed codes).")
            settings = cls(settings.age_bands, section["code_teams"])
        return settings, warnings

    def band_labels(self) -> list[str]:
        edges = self.age_bands
        labels = [f"Under {edges[0]}"] + [f"{a} to {b - 1}" if b - 1 > a else str(a) for a, b in zip(edges, edges[1:])]
        return labels + [f"{edges[-1]} and over"]


@dataclass(frozen=True)
class EmailSettings:
    """What a council sets once for the e-mail drafts auditdocs writes (the [email] table of the workspace
    settings). auditdocs never sends them: Outlook or Thunderbird opens each draft to check and send."""

    max_mb: float = 20  # the largest draft; an auditor's forms are split over several drafts above it
    sender: str = ""  # the From address of the drafts ("": the mail program fills it in)

    HELP: ClassVar[dict[str, str]] = {
        "max_mb": "The largest e-mail draft 'generate --eml' writes, in MB: an auditor's forms are split over "
                  "several drafts above it (set it below your mail system's limit).",
        "sender": "The From address of the e-mail drafts, such as \"qa.team@anytown.gov.uk\" (empty: Outlook "
                  "or Thunderbird fills in your own when you open the draft).",
    }

    @classmethod
    def from_mapping(cls, section: dict, where: str) -> tuple[EmailSettings, list[str]]:
        """The settings in a TOML section, and a warning for each key it does not know."""
        warnings = unknown_keys(section, cls.HELP, where)
        size = section.get("max_mb", cls.max_mb)
        if isinstance(size, bool) or not isinstance(size, (int, float)) or not 0 < size <= 1000:
            raise UserError(f"{where}: max_mb must be the largest e-mail in MB, a number above 0, for example "
                            "max_mb = 20.")
        sender = section.get("sender", "")
        if not isinstance(sender, str) or (sender.strip() and "@" not in sender):
            raise UserError(f"{where}: sender must be an e-mail address in double quotes, for example "
                            'sender = "qa.team@anytown.gov.uk", or "" to leave it to the mail program.')
        return cls(size, sender.strip()), warnings
