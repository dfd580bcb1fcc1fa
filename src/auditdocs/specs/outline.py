"""A readable outline of a form, section by section (`auditdocs specs show`)."""
from __future__ import annotations

import textwrap

from ..domain import model as m

WIDTH = 100


def _wrap(text: str, indent: str) -> list[str]:
    return textwrap.wrap(" ".join(text.split()), WIDTH, initial_indent=indent,
                         subsequent_indent=" " * len(indent) + "  ") or [indent]


def field_kind(f: m.Field | m.Column) -> str:
    if f.scale is not None:
        return f"choice: {' / '.join(f.scale.labels)}"
    return {"text": "text", "line": "one line", "date": "date", "checkbox": "tick box",
            "role": "role", "person": "person"}.get(f.type, f.type)


def asks(spec: m.FormSpec) -> str:
    """What a form asks, counted as a person would: '33 questions, 10 judgements, overall grade'."""
    overall = spec.roles.get("overall_grade")
    after = spec.roles.get("grade_after_moderation")
    counts = {"question": 0, "judgement": 0, "check": 0}
    for _, item in spec.items():
        if item.kind in counts and not (item.kind == "judgement" and {f.id for f in item.fields} & {overall, after}):
            counts[item.kind] += 1
    words = {"question": ("question", "questions"), "judgement": ("judgement", "judgements"),
             "check": ("process check", "process checks")}
    parts = [f"{n} {words[kind][n != 1]}" for kind, n in counts.items() if n]
    if overall:
        parts.append("overall grade")
    return ", ".join(parts) or "no questions"


def outline(spec: m.FormSpec) -> str:
    out = [spec.title, "=" * len(spec.title),
           f"id: {spec.id}   version: {spec.version}   subject: {spec.subject_label}",
           f"asks: {asks(spec)}"]
    if spec.source:
        out.append(f"source: {spec.source}")
    if spec.description:
        out += _wrap(spec.description, "")
    out += ["", "Header (filled from the allocation list):"]
    for h in spec.header:
        flags = ", ".join(x for x in ("required" if h.required else "", "identifier" if h.identifier else "") if x)
        out.append(f"  {h.label} [{h.id}; {h.type}{'; ' + flags if flags else ''}]")
    for section in spec.sections:
        out += ["", f"{section.number}. {section.title}"]
        if section.intro:
            out += _wrap(section.intro, "   ")
        for g in section.guidance:
            out += _wrap(f"· {g}", "   ")
        for item in section.items:
            out += _item(item)
    if spec.rules:
        out += ["", "Rules checked when a form comes back:"]
        for rule in spec.rules:
            target = f"each {rule.when_each}" if rule.when_each else rule.when_field
            out.append(f"  when {target} is {' or '.join(rule.when_in)}: {rule.require} is required"
                       + (f" ({rule.message})" if rule.message else ""))
    return "\n".join(out)


def _item(item: m.Item) -> list[str]:
    if isinstance(item, m.Actions):
        t = item.table
        lines = [f"  {item.ref:<6}Actions: {t.title or t.id} [{t.id}; {t.rows} rows; from {t.source}]"]
        for c in t.columns:
            lines.append(f"          - {c.label} [{c.tag(t.id)}; {field_kind(c)}{'; required' if c.required else ''}]")
        return lines
    text = getattr(item, "text", None) or getattr(item, "label", "")
    lines = _wrap(text, f"  {item.ref:<6}")
    for p in getattr(item, "prompts", ()):
        lines += _wrap(f"· {p}", "          ")
    for f in item.fields:
        lines.append(f"          > {f.label[len(item.ref) + 1:]} [{f.id}; {field_kind(f)}{'; required' if f.required else ''}]")
    return lines
