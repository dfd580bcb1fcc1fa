"""Consolidation: returned forms into the register, and the tracker written from the register."""
from .run import Summary, consolidate, consolidate_folders, consolidate_returns

__all__ = ["Summary", "consolidate", "consolidate_folders", "consolidate_returns"]
