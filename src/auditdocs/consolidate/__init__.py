"""Consolidation: returned forms into the register, and the tracker written from the register."""
from .run import Summary, consolidate, consolidate_folders

__all__ = ["Summary", "consolidate", "consolidate_folders"]
