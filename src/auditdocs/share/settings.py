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
