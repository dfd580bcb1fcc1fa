"""Same results (issue 23, 6): the demo month's register, tracker, report figures, status and parse JSON are
what they were when recorded in tests/data/same_results/ (see tests/same_results.py; to record them again,
deliberately: `.venv/bin/python tests/same_results.py --write`)."""
from __future__ import annotations

import json

import pytest
from helpers import SPECS, needs_soffice
from same_results import EXPECTED, OUTPUTS, capture, first_difference, labelled


@pytest.fixture(scope="module")
def outputs(demo_month, library, tmp_path_factory) -> dict[str, str]:
    """The five outputs of the demo month (run once for the session by conftest's demo_month, left unchanged)."""
    _, folder = demo_month
    return capture(folder, library, SPECS, tmp_path_factory.mktemp("same results"))


@needs_soffice  # the demo saves one returned form through LibreOffice: without it, the month is another one
@pytest.mark.parametrize("name", OUTPUTS)
def test_the_demo_month_gives_the_same_results(outputs, name):
    expected = (EXPECTED / f"{name}.json").read_text(encoding="utf-8")
    got = outputs[name]
    if got != expected:
        where = first_difference(json.loads(expected), json.loads(got))
        pytest.fail(f"the demo month's {name} ({name}.json in tests/data/same_results) is not the same: first "
                    f"difference at {where}. If the change is meant, record the results again with "
                    f"`python tests/same_results.py --write` and review the diff.", pytrace=False)


def test_answers_held_as_values_are_compared_as_labels(library):
    """A record holding an option's value (the id in the spec) is dumped as one holding its label."""
    records = json.loads((EXPECTED / "parse.json").read_text(encoding="utf-8"))
    as_values, changed = [], 0
    for record in records:
        spec = library.get(record["form"]["id"], record["form"]["version"]) if record["form"]["id"] else None
        if spec is None:
            as_values.append(record)
            continue
        answers = {}
        for key, answer in record["answers"].items():
            f = spec.field(key)
            option = f.scale.by_label(answer) if f is not None and f.scale and isinstance(answer, str) else None
            answers[key] = option.value if option else answer
            changed += option is not None and option.value != answer
        as_values.append({**record, "answers": answers})
    assert changed > 100
    assert [labelled(r, library) for r in as_values] == [labelled(r, library) for r in records] == records
