"""Which returned file is which: a file is known by its content and its audit id, not by its path.

A folder of returned forms gets moved, renamed, copied to a colleague's drive; a form comes
back twice, or amended under another name. The tracker remembers, for each audit and each
file on its Exceptions sheet, a hash of the file's bytes (`File check`), its path relative to
the folder it was read from (shown to people) and where it was read (only to tell whether an
earlier file is still there). The decisions here are pure: the caller says what exists.
"""
from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class ReturnedFile:
    """A returned file: as the tracker remembers it, or as this run read it."""

    file_check: str  # a hash of its bytes ('' when not known: trackers made before, files that cannot be opened)
    shown: str  # its path relative to the folder given
    location: str  # where it was read (absolute)

    def same_content(self, other: ReturnedFile) -> bool:
        return bool(self.file_check) and self.file_check == other.file_check

    def same_location(self, other: ReturnedFile) -> bool:
        return bool(self.location) and _norm(self.location) == _norm(other.location)

    def same_shown_path(self, other: ReturnedFile) -> bool:
        """At the same path within the folder given (which may have moved, or been renamed)."""
        return bool(self.shown) and _norm(self.shown) == _norm(other.shown)

    def read_again(self, other: ReturnedFile) -> bool:
        """The same file: the same bytes, or (saved again, perhaps with changes) at the same path."""
        return self.same_content(other) or self.same_location(other)


def _norm(path: str) -> str:
    return os.path.normcase(os.path.normpath(path))


def current_version(tracked: ReturnedFile | None, found: list[ReturnedFile], tracked_still_there: bool
                    ) -> tuple[int | None, str]:
    """Which of this run's files for one audit continues the version in the tracker.

    Returns (index in `found`, why) or (None, why) when the tracker's own version stays current
    (its file was not read this run but is still there; the files read are then other copies).
    In order: a file with the same bytes as the tracker's (moved or renamed, but unchanged); a
    file in the tracker's file's place, or at its path within the folder given (saved again,
    perhaps after the folder moved); else, when the tracker's file is no longer there, the
    first file read (its amended copy under another name).
    """
    if tracked is None:
        return 0, "it was read first"
    for i, file in enumerate(found):
        if file.same_content(tracked):
            return i, "it was already in the tracker"
    for i, file in enumerate(found):
        if file.same_location(tracked) or file.same_shown_path(tracked):
            return i, "it was already in the tracker"
    if not tracked_still_there:
        return 0, f"it replaces {tracked.shown}, which is no longer there"
    return None, "it was already in the tracker"
