"""Form specs: the eight seed forms are all there, and mistakes are explained well."""
from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import SPECS

from auditdocs.cli import cli
from auditdocs.specs import load_library, yamlsrc
from auditdocs.specs.loader import check_paths

SEED_QUESTIONS = Path(__file__).parent / "seed_questions"
EIGHT_FORMS = {
    "csc_case_file_audit", "eh_case_file_audit", "foster_carer_case_file_audit",
    "prospective_adopter_case_file_audit", "supported_lodgings_case_file_audit",
    "audit_moderation_ascincp", "front_door_recording", "front_door_referrals",
}

GOOD = """\
id: tiny
title: A tiny form
version: 1
subject: child
header:
  - field: case_number
    label: Case number
    required: true
  - field: auditor
    label: Auditor
sections:
  - id: s1
    title: First section
    items:
      - question: q1
        text: Is it so?
      - judgement: j1
        label: Met?
        scale: kss
        comment: Why
"""


def run(*args):
    return CliRunner().invoke(cli, ["--specs", str(SPECS), *args])


def check(tmp_path, text: str) -> list[str]:
    """Messages for one spec file (with the shared scales beside it)."""
    shutil.copy(SPECS / "scales.yaml", tmp_path / "scales.yaml")
    path = tmp_path / "tiny.yaml"
    path.write_text(text, encoding="utf-8")
    _, messages = check_paths([path], None)
    return [str(m) for m in messages]


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


# ---- the forms --------------------------------------------------------------------


def test_all_eight_forms_validate_and_are_listed():
    result = run("specs", "validate")
    assert result.exit_code == 0, result.output
    assert "OK: 9 form specs valid." in result.output  # the eight and the managers' dip sample
    listing = run("specs", "list")
    assert listing.exit_code == 0
    for form_id in EIGHT_FORMS:
        assert form_id in listing.output


def test_list_counts_what_a_person_would_count_and_show_outlines_the_form(library):
    listing = run("specs", "list").output
    lines = {x.split()[0]: x for x in listing.splitlines()[1:]}
    assert "WHAT IT ASKS" in listing.splitlines()[0]
    assert lines["csc_case_file_audit"].endswith("Child                        33 questions, 10 judgements, overall grade")
    # the Front Door forms are judgements of areas, not questions
    assert lines["front_door_referrals"].endswith("3 judgements, overall grade")
    assert lines["front_door_recording"].endswith("1 question, 3 judgements, overall grade")
    assert lines["prospective_adopter_case_file_audit"].endswith("7 questions, 5 judgements, 8 process checks, overall grade")
    shown = run("specs", "show", "foster_carer_case_file_audit")
    assert shown.exit_code == 0
    assert "asks: 38 questions, 8 judgements, overall grade" in shown.output
    for section in library.latest("foster_carer_case_file_audit").sections:
        assert f"{section.number}. {section.title}" in shown.output


def test_csc_has_33_questions_over_kss_1_to_10(library):
    spec = library.latest("csc_case_file_audit")
    assert len(spec.questions) == 33
    assert [s.title.split(":")[0] for s in spec.sections[:10]] == [
        f"Knowledge and Skills Statement {n}" for n in range(1, 11)]


def test_foster_carer_covers_its_eight_statements(library):
    spec = library.latest("foster_carer_case_file_audit")
    numbers = [s.number for s in spec.sections if s.title.startswith("Knowledge and Skills Statement")]
    assert numbers == ["1", "2", "3", "5", "6", "7", "9", "10"]


@pytest.mark.parametrize("form_id", sorted(EIGHT_FORMS))
def test_every_question_of_the_seed_template_is_in_the_spec(library, form_id):
    spec = library.latest(form_id)
    texts = set()
    for section in spec.sections:
        texts.update(section.guidance)
        texts.add(section.intro)
        texts.add(section.title)
        for item in section.items:
            texts.update(getattr(item, "prompts", ()))
            for attr in ("text", "label"):
                texts.add(getattr(item, attr, ""))
            texts.update(f.label[len(item.ref) + 1:] for f in item.fields)
    texts = {" ".join(t.split()) for t in texts}
    expected = [line.strip() for line in (SEED_QUESTIONS / f"{form_id}.txt").read_text(encoding="utf-8").splitlines()
                if line.strip() and not line.startswith("#")]
    assert expected, "the question list is empty"
    missing = [q for q in expected if " ".join(q.split()) not in texts]
    assert missing == []


def test_every_form_has_the_roles_the_tracker_needs(library):
    for spec in library.current():
        assert spec.field_with_role("overall_grade") is not None, spec.id
        assert spec.field_with_role("audit_date") is not None, spec.id
        assert all(len(f.id) <= 40 for f in spec.fields)


# ---- messages for each kind of mistake ------------------------------------------------------


def test_a_good_spec_has_no_messages(tmp_path):
    assert check(tmp_path, GOOD) == []


def test_unknown_key_with_did_you_mean(tmp_path):
    text = GOOD.replace("        text: Is it so?", "        txt: Is it so?")
    messages = check(tmp_path, text)
    line = line_of(text, "txt:")
    assert f"tiny.yaml, line {line}: unknown key 'txt' in question 'q1' (did you mean 'text'?)." in messages[0]
    assert any("missing the required key 'text'" in m for m in messages)


def test_duplicate_id(tmp_path):
    text = GOOD.replace("- judgement: j1", "- judgement: q1")
    (message,) = check(tmp_path, text)
    assert f"line {line_of(text, 'judgement: q1')}: duplicate id 'q1' (judgement): it is already used on line " \
           f"{line_of(text, 'question: q1')}" in message


def test_unknown_scale(tmp_path):
    text = GOOD.replace("scale: kss", "scale: ks")
    (message,) = check(tmp_path, text)
    assert f"line {line_of(text, 'scale: ks')}: unknown scale 'ks' in judgement 'j1' (did you mean 'kss'?)" in message


def test_missing_required_key(tmp_path):
    text = GOOD.replace("title: A tiny form\n", "")
    (message,) = check(tmp_path, text)
    assert message == f"{tmp_path / 'tiny.yaml'}, line 1: the form is missing the required key 'title'."


def test_wrong_type(tmp_path):
    text = GOOD.replace("version: 1", "version: one")
    (message,) = check(tmp_path, text)
    assert f"line {line_of(text, 'version:')}: 'version' in the form should be a whole number." in message
    text = GOOD.replace("    required: true", "    required: maybe")
    assert "'required' in header field 1 should be true or false." in check(tmp_path, text)[0]


def test_bad_indentation(tmp_path):
    text = GOOD.replace("        text: Is it so?", "       text: Is it so?")
    (message,) = check(tmp_path, text)
    assert "bad indentation" in message and f"line {line_of(text, 'text: Is it so?')}" in message
    tabbed = GOOD.replace("        text: Is it so?", "\ttext: Is it so?")
    assert "tab" in check(tmp_path, tabbed)[0]


def test_id_too_long_or_with_spaces(tmp_path):
    long_id = "q" * 41
    messages = check(tmp_path, GOOD.replace("question: q1", f"question: {long_id}"))
    assert f"question id '{long_id}' is 41 characters long: ids are at most 40 characters." in messages[0]
    messages = check(tmp_path, GOOD.replace("question: q1", "question: seen alone"))
    assert "question id 'seen alone' has a space" in messages[0] and "try 'seen_alone'" in messages[0]


def test_every_error_in_a_file_is_reported_at_once(tmp_path):
    text = GOOD.replace("scale: kss", "scale: ks").replace("txt", "x").replace("        text: Is it so?", "        txt: Is it so?")
    text = text.replace("subject: child", "subject: childs")
    messages = check(tmp_path, text)
    assert len(messages) >= 3
    assert any("unknown subject 'childs'" in m for m in messages)
    assert any("unknown scale 'ks'" in m for m in messages)
    assert any("unknown key 'txt'" in m for m in messages)


def test_yes_and_no_stay_text(tmp_path):
    text = GOOD + """rules:
  - when:
      each: question
      in: [no, partially]
    require: evidence
"""
    assert check(tmp_path, text) == []


def test_validate_command_exit_codes_and_no_traceback(tmp_path):
    shutil.copytree(SPECS, tmp_path / "specs")
    bad = tmp_path / "specs" / "csc_case_file_audit.yaml"
    bad.write_text(bad.read_text(encoding="utf-8").replace("scale: kss", "scale: kks", 1), encoding="utf-8")
    result = CliRunner().invoke(cli, ["specs", "validate", str(tmp_path / "specs")])
    assert result.exit_code == 1
    assert "unknown scale 'kks'" in result.output and "did you mean 'kss'" in result.output
    assert "Traceback" not in result.output
    assert "1 problem in 1 file." in result.output
    one_file = CliRunner().invoke(cli, ["specs", "validate", str(SPECS / "csc_case_file_audit.yaml")])
    assert one_file.exit_code == 0, one_file.output


def test_adding_a_question_by_editing_yaml_alone(tmp_path):
    shutil.copytree(SPECS, tmp_path / "specs")
    path = tmp_path / "specs" / "csc_case_file_audit.yaml"
    text = path.read_text(encoding="utf-8")
    anchor = "      - judgement: kss2_met"
    text = text.replace(anchor, "      - question: kss2_interpreter\n"
                                "        text: \"Where needed, was an interpreter used for the child and family?\"\n" + anchor)
    path.write_text(text, encoding="utf-8")
    spec = load_library(tmp_path / "specs").latest("csc_case_file_audit")
    assert len(spec.questions) == 34
    assert spec.field("kss2_interpreter").ref == "2.5"


def test_a_field_id_never_changes_meaning_between_versions(tmp_path):
    shutil.copytree(SPECS, tmp_path / "specs")
    current = tmp_path / "specs" / "csc_case_file_audit.yaml"
    (tmp_path / "specs" / "archive").mkdir(exist_ok=True)
    shutil.copy(current, tmp_path / "specs" / "archive" / "csc_case_file_audit.v1.yaml")
    text = current.read_text(encoding="utf-8").replace("version: 1", "version: 2", 1)
    text = text.replace("      - judgement: kss1_met\n        label: \"Knowledge and Skills Statement met?\"\n        scale: kss",
                        "      - judgement: kss1_met\n        label: \"Knowledge and Skills Statement met?\"\n        scale: answer")
    current.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["specs", "validate", str(tmp_path / "specs")])
    assert result.exit_code == 1
    assert "field 'kss1_met' was a choice (kss) in version 1" in result.output


def test_scales_file_that_is_not_utf8(tmp_path):
    shutil.copytree(SPECS, tmp_path / "specs")
    (tmp_path / "specs" / "scales.yaml").write_bytes("scales:\n  x:\n    label: Caf\xe9\n".encode("cp1252"))
    result = CliRunner().invoke(cli, ["specs", "validate", str(tmp_path / "specs")])
    assert result.exit_code == 1 and "not UTF-8" in result.output and "Traceback" not in result.output


def test_at_most_ten_voices(tmp_path):
    voices = "".join(f"  - id: v{n}\n    label: Voice {n}\n" for n in range(11))
    text = GOOD.replace("sections:", f"question_scale: grade\nvoices:\n{voices}sections:")
    messages = check(tmp_path, text)
    assert any("voice id 'v10' is one voice too many" in m for m in messages)


def test_an_alias_that_names_another_form_is_a_spec_problem(tmp_path):
    folder = tmp_path / "specs"
    shutil.copytree(SPECS, folder)
    eh = folder / "eh_case_file_audit.yaml"
    eh.write_text(eh.read_text(encoding="utf-8").replace("aliases: [EH]", 'aliases: [EH, "Foster carer"]'),
                  encoding="utf-8")
    result = CliRunner().invoke(cli, ["--specs", str(folder), "specs", "validate"])
    assert result.exit_code == 1
    assert "the alias 'Foster carer' is also a name of 'foster_carer_case_file_audit'" in result.output


def _as_read(data):
    """What `yamlsrc.load` read, with the line of every key and item."""
    if isinstance(data, yamlsrc.YMap):
        return ("map", data.line, sorted((key, data.line_of(key), _as_read(value)) for key, value in data.items()))
    if isinstance(data, yamlsrc.YList):
        return ("list", data.line, data.item_lines, [_as_read(item) for item in data])
    return type(data).__name__, data


def test_specs_are_read_by_libyaml_as_pyyaml_reads_them_with_the_same_lines_and_messages(monkeypatch):
    """The spec files, and a hundred broken copies of them (a line cut, a tab, a bracket left open, an alias
    never named…), read on libyaml's parser, are read as on PyYAML's own: the same values on the same lines, and,
    where a file is not valid YAML, the same message on the same line (PyYAML's words, which say more)."""
    import yaml

    assert yaml.__with_libyaml__  # (PyYAML's wheels have it: the quick way is the one tested)
    texts = [p.read_text(encoding="utf-8") for p in sorted(SPECS.rglob("*.yaml"))]
    rng = random.Random(20261208)
    endings = [" [", " {", ' "', " '", " &a", " *a", " *b", ": x", " #", " !!str x"]
    broken = []
    for _ in range(100):
        lines = rng.choice(texts).split("\n")
        n = rng.randrange(len(lines))
        change = rng.randrange(6)
        if change == 0:
            lines[n] = "\t" + lines[n]
        elif change == 1:
            lines[n] = lines[n][:rng.randrange(len(lines[n]) + 1)]
        elif change == 2:
            lines[n] = " " + lines[n]
        elif change == 3:
            lines[n] = lines[n].replace(":", "", 1)
        elif change == 4:
            lines[n] += rng.choice(endings)
        else:
            lines.insert(n, lines[rng.randrange(len(lines))])
        broken.append("\n".join(lines))
    quick = [yamlsrc.load(text, "spec.yaml") for text in texts + broken]
    plain = yamlsrc._loader_class(quick=False)
    monkeypatch.setattr(yamlsrc, "_loader_class", lambda quick=True: plain)
    monkeypatch.setattr(yamlsrc, "_with_libyaml", lambda: False)
    own = [yamlsrc.load(text, "spec.yaml") for text in texts + broken]
    assert [(_as_read(data), messages) for data, messages in quick] == \
           [(_as_read(data), messages) for data, messages in own]
    assert sum(data is None for data, _ in quick) > 25  # many of the copies are not valid YAML
    assert all(data is not None for data, _ in quick[:len(texts)])
