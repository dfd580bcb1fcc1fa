"""The pages, in the order of the month: each a blueprint in its own module, over its step's use case.

`PAGES` gives the menu: each page's name in the menu, the module with its blueprint (`bp`), and the address of
its first page (the blueprint's `index`).
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    name: str  # the blueprint's name, and its module's
    label: str  # in the menu

    @property
    def endpoint(self) -> str:
        return f"{self.name}.index"

    def blueprint(self):
        return importlib.import_module(f".{self.name}", __name__).bp


PAGES = [
    Page("month", "The month"),
    Page("allocate", "Allocate"),
    Page("forms", "Forms"),
    Page("returns", "Returns"),
    Page("tracker", "Update the tracker"),
    Page("chase", "Chase"),
    Page("moderation", "Moderation"),
    Page("report", "Report"),
    Page("programme", "Programme"),
    Page("learning", "Learning"),
    Page("share", "Share"),
    Page("register", "Register"),
]
