"""Is a returned audit complete? The spec's required answers and rules, checked."""
from __future__ import annotations

from . import model as m


def check(spec: m.FormSpec, record: m.AuditRecord) -> None:
    """Add a problem for everything missing; set the record's status."""
    answers, tables = record.answers, record.tables
    problems = record.problems
    for f in spec.fields:
        if f.required and _empty(answers.get(f.id)):
            problems.append(m.Problem(f.id, f"{f.label}: not answered."))
    for table in spec.tables:
        for n, row in enumerate(tables.get(table.id, []), start=1):
            for col in table.columns:
                if col.required and _empty(row.get(col.id)):
                    problems.append(
                        m.Problem(col.tag(table.id), f"{table.ref} action {n}: '{col.label}' is missing.")
                    )
    for rule in spec.rules:
        problems += _rule_problems(spec, rule, answers, tables)
    record.status = "incomplete" if problems else "complete"


def _rule_problems(spec, rule: m.Rule, answers, tables) -> list[m.Problem]:
    out = []
    if rule.when_each:
        for _, item in spec.items():
            if item.kind != rule.when_each:
                continue
            answer = next((f for f in item.fields if f.part == "answer"), None)
            companion = next((f for f in item.fields if f.part == rule.require), None)
            if answer is None or companion is None or not _chosen(answer, answers.get(answer.id), rule.when_in):
                continue
            if _empty(answers.get(companion.id)):
                why = rule.message or f"{companion.label} is required when the answer is {m.shown(answer, answers[answer.id])}."
                out.append(m.Problem(companion.id, f"{item.ref}: {why}"))
        return out
    field = spec.field(rule.when_field)
    if field is None or not _chosen(field, answers.get(field.id), rule.when_in):
        return out
    table = spec.table(rule.require)
    if table is not None:
        if not tables.get(table.id):
            out.append(m.Problem(table.id, rule.message or f"{table.ref}: at least one action is required when "
                                                           f"{field.label} is {m.shown(field, answers[field.id])}."))
    elif _empty(answers.get(rule.require)):
        target = spec.field(rule.require)
        out.append(m.Problem(rule.require, rule.message or f"{target.label}: required when {field.label} is "
                                                           f"{m.shown(field, answers[field.id])}."))
    return out


def _chosen(field: m.Field, value, values: tuple[str, ...]) -> bool:
    option = field.scale.chosen(value) if field.scale is not None else None
    return option is not None and option.value in values


def _empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
