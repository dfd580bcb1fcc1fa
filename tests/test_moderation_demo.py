"""The demo month moderates its sample: chosen, copied, moderated, back with the month's returns, read by
consolidate, measured."""
from __future__ import annotations

import datetime as dt

from helpers import SAMPLES

from auditdocs.allocate.allocation_list import read_allocations
from auditdocs.domain import cycle
from auditdocs.moderation.moderators import HEAD_OF_SERVICE, read_moderators
from auditdocs.moderation.outcome import audit_moderation
from auditdocs.register import open_register

NOVEMBER = dt.date(2026, 11, 1)


def test_the_demo_month_moderates_its_sample(demo_month, library):
    output, demo = demo_month
    with open_register(demo / "register" / "auditdocs.sqlite") as reg:
        audits = reg.audits(month=NOVEMBER)
    chosen = [a for a in audits if a.events_of("selected_for_moderation")]
    complete = [a for a in audits if a.current is not None and a.current.status == "complete"]
    assert len(chosen) * 10 >= len(complete)  # at least 10%
    heads = {p.name for p in read_moderators(SAMPLES / "moderators.xlsx").moderators if p.kind == HEAD_OF_SERVICE}
    given = [a.events_of("selected_for_moderation")[-1].who for a in chosen]
    assert sorted(given.count(h) for h in heads) == [1] * len(heads)
    copies = sorted(p.relative_to(demo / "moderation" / "2026-11")
                    for p in (demo / "moderation" / "2026-11").rglob("*.*x"))
    back = sorted(p.relative_to(demo / "returned" / "Moderation 2026-11")
                  for p in (demo / "returned" / "Moderation 2026-11").rglob("*.*x"))
    assert len(copies) == len(chosen) and back == copies
    changed = set()
    for audit in chosen:
        spec = library.get(audit.form_id, audit.form_version)
        done = audit_moderation(audit, spec)
        assert audit.current.path.startswith("Moderation 2026-11/") and len(audit.returns) == 2
        assert done.moderated and audit.events_of("moderated")
        assert cycle.final_grade(spec, audit.current.record) == done.moderated_grade
        changed.add(done.change)
    assert {"same", "up"} <= changed
    names = {a.values[f] for a in read_allocations(SAMPLES / "allocations_2026-11.xlsx", library).allocations
             for f in ("family_name", "given_names") if a.values.get(f)}
    moderation = output[output.index("Moderation\n"):output.index("The month's report")]
    assert "the same grade" in moderation and "After moderation:" in moderation
    assert not [n for n in names if f" {n} " in f" {moderation} "]  # case numbers only, never a child's name
