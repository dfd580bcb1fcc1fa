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
        return bool(self.location) and same_path(self.location, other.location)

    def same_shown_path(self, other: ReturnedFile) -> bool:
        """At the same path within the folder given (which may have moved, or been renamed)."""
        return bool(self.shown) and same_path(self.shown, other.shown)

    def read_again(self, other: ReturnedFile) -> bool:
        """The same file: the same bytes, or (saved again, perhaps with changes) at the same path."""
        return self.same_content(other) or self.same_location(other)


def same_path(one: str, other: str) -> bool:
    """The same path, as the system compares them (letter case on Windows; relative ones from the same folder)."""
    return os.path.normcase(os.path.normpath(one)) == os.path.normcase(os.path.normpath(other))


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


# ---- which version of an audit stands ------------------------------------------------------------


@dataclass(frozen=True)
class Held:
    """What one version of an audit holds: the details filled in, the answers given, its action rows."""

    details: frozenset[str]
    answers: frozenset[str]
    rows: tuple[tuple[str, int], ...]  # (table id, rows with something in them)


def _filled(value) -> bool:
    if isinstance(value, (list, tuple, set, dict)):
        return any(_filled(v) for v in (value.values() if isinstance(value, dict) else value))
    return value is not None and str(value).strip() != ""


def held(record) -> Held:
    """What a record (`model.AuditRecord`, read whole) holds."""
    return Held(frozenset(k for k, v in record.subject.items() if _filled(v)),
                frozenset(k for k, v in record.answers.items() if _filled(v)),
                tuple(sorted((t, sum(1 for row in rows if _filled(row))) for t, rows in record.tables.items())))


def lost(earlier: Held, newer: Held, spec=None) -> list[str]:
    """What `newer` has lost that `earlier` held, as people read it ([] when nothing: it changes or adds).
    Action rows count as lost when a table lost all its rows, or with details or answers: an auditor takes an
    action off the form (an amendment, the action then 'Removed from form'), an editor drops whole tables."""
    out = []
    details = earlier.details - newer.details
    if details:
        labels = {h.id: h.label.lower() for h in spec.header} if spec is not None else {}
        out.append("its details (" + ", ".join(labels.get(d, d.replace("_", " ")) for d in sorted(details)) + ")")
    answers = earlier.answers - newer.answers
    if answers:
        out.append(f"{len(answers)} answer{'s' * (len(answers) != 1)}")
    rows, newer_rows = dict(earlier.rows), dict(newer.rows)
    gone = sum(max(0, n - newer_rows.get(t, 0)) for t, n in rows.items())
    emptied = any(n and not newer_rows.get(t) for t, n in rows.items())
    if gone and (out or emptied):  # an action taken off its form by the auditor, the rest kept, is an amendment
        out.append(f"{gone} action row{'s' * (gone != 1)}")
    return out


def standing(versions: list[tuple[tuple, Held | None]], prefer_newer: bool = False, spec=None
             ) -> tuple[int, dict[int, list[str]]]:
    """Which of an audit's versions stands: each given as (newness, what it holds), newness ordered by
    something real (the date saved in the document, the file's time, its content), never by its name.
    From the oldest, each newer version stands in place of the one before unless it has lost something that
    one held; a version that changes or adds answers stands (an amendment). `prefer_newer`: the newest stands
    whatever it lost. Returns (the index of the version that stands, index -> what it lost, for the newer
    versions that did not stand because of it)."""
    order = sorted(range(len(versions)), key=lambda i: versions[i][0])
    if prefer_newer:
        return order[-1], {}
    stands, losses = order[0], {}
    for i in order[1:]:
        earlier, newer = versions[stands][1], versions[i][1]
        gone = lost(earlier, newer, spec) if earlier is not None and newer is not None else []
        if gone:
            losses[i] = gone
        else:
            stands = i
    return stands, losses
