"""The demo month moderates its sample: chosen, copied, moderated, read back, measured."""
from __future__ import annotations

import datetime as dt

from helpers import SAMPLES

from auditdocs.allocation import read_allocations
from auditdocs.demo import run_demo
from auditdocs.moderation.demo import (
    SAMPLE_MODERATORS,
    moderate_sample_month,
    record_demo_month,
)
from auditdocs.moderation.moderators import HEAD_OF_SERVICE, read_moderators
from auditdocs.register import open_register


def test_the_demo_month_moderates_its_sample(tmp_path, library):
    assert SAMPLE_MODERATORS == SAMPLES / "moderators.xlsx"
    demo = run_demo(tmp_path / "demo", library)
    register = tmp_path / "demo" / "register.sqlite"
    record_demo_month(register, library, demo, now=dt.datetime(2026, 12, 1, 9))
    done = moderate_sample_month(tmp_path / "demo", library, register, today=dt.date(2026, 12, 2),
                                 now=dt.datetime(2026, 12, 8, 9))
    heads = {p.name for p in read_moderators(SAMPLE_MODERATORS).moderators if p.kind == HEAD_OF_SERVICE}
    given = [c.moderator.name for c in done.sample.new]
    assert sorted(given.count(h) for h in heads) == [1] * len(heads)
    assert len(done.sample.chosen) >= done.sample.least
    made = [c for c in done.copies if c.status == "made"]
    assert len(made) == len(done.sample.new) and done.moderated == len(made)
    with open_register(register) as reg:
        moderated = {a.audit_id: a for a in reg.audits(month=dt.date(2026, 11, 1)) if a.events_of("moderated")}
    # a form saved through LibreOffice lost its labels: its moderator's copy cannot be filled by label
    assert len(moderated) >= len(made) - 1 and done.figures.moderated >= len(moderated)
    assert {x.audit_id for x in done.figures.audits} >= set(moderated)
    assert done.figures.overall and done.figures.overall[0].n >= len(moderated)
    assert any(v.form_id == "audit_moderation_ascincp" for v in done.figures.voices)
    names = {a.values[f] for a in read_allocations(SAMPLES / "allocations_2026-11.xlsx", library).allocations
             for f in ("family_name", "given_names") if a.values.get(f)}
    printed = "\n".join(done.sample.lines() + done.figures.lines() + done.lines)
    assert not [n for n in names if f" {n} " in f" {printed} "]  # case numbers only, never a child's name
