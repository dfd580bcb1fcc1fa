"""The tracker workbook: every returned audit, answer, judgement and action in one place.

`consolidate(records, library, tracker_path)` creates or updates it and returns a
`Summary` to print. Managers' work in it is never lost; see `tracker.actions`.
"""
from .consolidate import Summary, consolidate

__all__ = ["Summary", "consolidate"]
