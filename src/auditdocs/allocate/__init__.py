"""Allocation: draw the month's sample and give every audit an auditor under the framework's rules
(seed 003, Appendix A), check a hand-made allocation against the same rules, and reallocate an
audit after an exemption.

    lists.py     the cases list (the pool) and the auditors list -> model.Case, model.Auditor
    history.py   what the register says the rules need (loads, last auditors, exemptions, re-audits)
    rules.py     the rules, each a small named function (the solver and --check both use them)
    sample.py    drawing the control sample
    solver.py    the assignment model (HiGHS through scipy.optimize.milp) and the feasibility check
    plan.py      the month's plan: pure, lists and history in, a Plan out
    check.py     every breach of a list, with its row
    output.py    the allocation list generate reads, and its Why sheet
    settings.py  the [allocation] settings
    run.py       the use cases (allocate_month, check_allocation, reallocate_audit): each takes the
                 workspace, reads the lists, opens its register once, and returns a result that says what it did
    (the command, `auditdocs allocate`, is cli/allocate.py)
"""
from .settings import AllocationSettings

__all__ = ["AllocationSettings", "allocate_month", "check_allocation", "reallocate_audit"]


def __getattr__(name: str):
    """The runs, imported when first asked for: the solver (SciPy) takes a while to load, and most
    commands never need it."""
    if name in ("allocate_month", "check_allocation", "reallocate_audit"):
        from . import run

        return getattr(run, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
