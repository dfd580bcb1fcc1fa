"""Consolidation: returned forms into the register, and the tracker written from the register."""
from .run import Summary, consolidate_records, consolidate_returns

__all__ = ["Summary", "consolidate_records", "consolidate_returns"]
