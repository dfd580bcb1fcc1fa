"""A council's own Word template, mail-merged with docxtpl.

The template holds Jinja placeholders for the record's details (`{{ family_name }}`)
and content controls whose tags are the spec's field ids (`auditdocs specs tags`
lists them). A placeholder or a tag the spec does not know is warned about (a
mistyped placeholder would otherwise print nothing, silently). The controls are what gets read back; the identity properties are
added to every document as for our own forms, and the template's author and
company are cleared. The fingerprint of the details is made from the details as the
reader finds them in the merged document (the template shows them its own way), so an
untouched form matches and a detail changed in a tagged control is reported.
"""
from __future__ import annotations

import io
import posixpath
import re
import zipfile
from pathlib import Path

from docxtpl import DocxTemplate
from jinja2 import TemplateError

from ...domain import identity
from ...domain import model as m
from ...errors import UserError
from ...specs.loader import did_you_mean
from .. import strict
from ..ooxml import qn, rel_type
from ..safezip import NotReadable, open_package, parse_xml, read_part
from . import package
from .reader import (
    PROP_CELL,
    answers_already_given,
    details_as_read,
    removable_controls,
)

W = qn("w:")
NEUTRAL_CORE = re.compile(rb"<(dc:creator|cp:lastModifiedBy|cp:keywords|dc:description|cp:category)>[^<]*</\1>")


class CouncilTemplateForm:
    """Fills a council's template for each record; `warnings` lists tag mismatches."""

    def __init__(self, spec: m.FormSpec, template: Path):
        self.spec = spec
        self.template = Path(template)
        try:
            with open_package(self.template, ".docx") as pkg:
                self._bytes, self._main = as_word_document(pkg, self.template)
            with zipfile.ZipFile(io.BytesIO(self._bytes)) as pkg:
                document_xml = read_part(pkg, self._main) or b""
                glossary = read_part(pkg, posixpath.join(posixpath.dirname(self._main), "glossary/document.xml"))
            document = parse_xml(document_xml, "document")
            #: (tag, what it is, answer) of every control that holds an answer before anyone fills it in
            self.prefilled = answers_already_given(document_xml, glossary, spec)
            removable = removable_controls(document_xml, spec)
        except NotReadable as exc:
            raise UserError(f"{self.template}: {exc}") from None
        self.warnings = (tag_warnings(spec, document, self.template) + self.placeholder_warnings()
                         + removable_warnings(removable, self.template))

    def render(self, values: dict[str, str], audit_id: str) -> bytes:
        context = {**identity.shown_values(self.spec, values), "audit_id": audit_id}
        doc = DocxTemplate(io.BytesIO(self._bytes))
        try:
            doc.render(context, autoescape=True)
        except TemplateError as exc:
            raise UserError(f"{self.template}: a placeholder in the template cannot be filled ({exc}). "
                            "Placeholders look like {{ family_name }}.") from None
        merged = io.BytesIO()
        doc.save(merged)
        props = identity.properties(self.spec, values, audit_id, layout="template")
        document_xml = zipfile.ZipFile(merged).read(self._main)
        props[identity.PROP_FINGERPRINT] = identity.fingerprint(self.spec, details_as_read(document_xml, self.spec, props))
        props.update(removable_controls(document_xml, self.spec)[0])  # where those controls' answers are typed
        return _with_identity(merged.getvalue(), props)

    def prefilled_message(self, allowed: bool) -> str:
        """What `generate` says of the answers the template already holds (`prefilled`): a refusal, or a
        warning when they were allowed (--allow-prefilled)."""
        shown = [f"  {tag} ({label}): {_shown(value)}" for tag, label, value in self.prefilled]
        n = len(shown)
        boxes = f"{n} answer box{'es' * (n != 1)} in {self.template.name} already hold{'s' * (n == 1)} an answer"
        if allowed:
            return (f"{boxes}; every form made from it shows {'them' if n != 1 else 'it'} as answered before the "
                    "auditor fills anything in (allowed with --allow-prefilled):\n" + "\n".join(shown))
        return (f"{boxes}, so every form made from it would read as answered before the auditor has filled "
                "anything in:\n" + "\n".join(shown) + "\nNo form was made. Clear these boxes in the template (or set "
                "each to show its placeholder text) and run generate again; if every form is meant to start with "
                "these answers, run again with --allow-prefilled.")


    def placeholder_warnings(self) -> list[str]:
        """A placeholder that is not a detail of the form (`{{ social_wrker }}`) would be left empty."""
        known = sorted({h.id for h in self.spec.header} | {"audit_id"})
        try:
            used = DocxTemplate(io.BytesIO(self._bytes)).get_undeclared_template_variables()
        except TemplateError as exc:
            return [f"{self.template.name}: a placeholder in the template cannot be read ({exc}). "
                    "Placeholders look like {{ family_name }}."]
        return [f"{self.template.name}: the placeholder {{{{ {name} }}}} is not a detail of '{self.spec.id}', so it "
                f"would be left empty{did_you_mean(name, known)}. 'auditdocs specs show {self.spec.id}' lists "
                "the details (their ids go in the placeholders)." for name in sorted(used - set(known))]


def _shown(value) -> str:
    """An answer as a message quotes it."""
    if value is True:
        return "ticked"
    text = str(value)
    return f"'{text[:60]}…'" if len(text) > 60 else f"'{text}'"


def removable_warnings(removable: tuple[dict[str, str], list[str]], path: Path) -> list[str]:
    """Controls set to "Remove content control when contents are edited": Word removes them as the auditor types."""
    read_from_cells = [name[len(PROP_CELL):] for name in removable[0]]
    lost = removable[1]
    warnings = []
    what = ("set to 'Remove content control when contents are edited', so Word removes each box as soon as the "
            "auditor types in it")
    untick = ("untick that setting for each box (Developer > Properties) and generate again")
    if read_from_cells:
        warnings.append(f"{path.name}: {len(read_from_cells)} answer box(es) are {what}: "
                        f"{', '.join(read_from_cells[:10])}{' …' if len(read_from_cells) > 10 else ''}. Their answers "
                        "are read from the table cell each box stands in, so ask auditors not to move those cells; "
                        f"better, {untick}.")
    if lost:
        warnings.append(f"{path.name}: {len(lost)} answer box(es) are {what}, and are not in a table cell of their own "
                        f"(or are in an action table), so what is typed there cannot be read back: "
                        f"{', '.join(lost[:10])}{' …' if len(lost) > 10 else ''}. Before sending these forms out, "
                        f"{untick}.")
    return warnings


#: The main part of a Word template (.dotx) and of a Word document (.docx).
TEMPLATE_MAIN = b"wordprocessingml.template.main+xml"
DOCUMENT_MAIN = b"wordprocessingml.document.main+xml"
_RELS = qn("pr:Relationship")
_OFFICE_DOCUMENT = "/officeDocument"


def as_word_document(pkg: zipfile.ZipFile, path: Path) -> tuple[bytes, str]:
    """A council's template as Word opens it, for docxtpl to fill: (the package, its main part's name).

    A Word template (.dotx) becomes a Word document (the main part's content type says which), and a part
    named in other letters' case than its package's relationships name it (`docProps/Thumbnail.jpeg` for
    `thumbnail.jpeg`: Word does not mind) is renamed as they name it; one saved as Strict Open XML is read
    in the Transitional namespaces docxtpl knows. A macro-enabled one (.dotm) is refused."""
    names = pkg.namelist()
    exact = set(names)
    by_lower: dict[str, str] = {}
    for name in names:
        by_lower.setdefault(name.lower(), name)
    renamed: dict[str, str] = {}  # the name in the package -> the name referred to

    def find(name: str) -> str | None:
        if name in exact:
            return name
        actual = by_lower.get(name.lower())
        if actual is not None and actual != name and actual not in renamed:
            renamed[actual] = name
        return actual

    types_name = find("[Content_Types].xml")
    types = read_part(pkg, types_name) if types_name else None
    if types is None:
        raise NotReadable("this is not a Word template or document (it has no list of its parts). "
                          "Open it in Word and save it as Word Template (.dotx) or Word Document (.docx).")
    if b"macroEnabled" in types:
        raise NotReadable("this template holds macros (.dotm), which auditdocs does not copy into forms. Open it in "
                          "Word, save it as Word Template (.dotx), and give that to --template.")
    main, todo, seen = None, [("", "_rels/.rels")], set()
    while todo:  # every relationship part, from the package's own, in the case its source part is named
        folder, rels = todo.pop()
        actual = find(rels)
        if actual is None or rels in seen:
            continue
        seen.add(rels)
        for rel in parse_xml(read_part(pkg, actual) or b"", rels).iter(_RELS):
            target = rel.get("Target") or ""
            if rel.get("TargetMode") == "External" or not target:
                continue
            part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
            if find(part) is None:
                continue
            if rels == "_rels/.rels" and (rel.get("Type") or "").endswith(_OFFICE_DOCUMENT):
                main = part
            todo.append((posixpath.dirname(part), posixpath.join(posixpath.dirname(part), "_rels",
                                                                 posixpath.basename(part) + ".rels")))
    if main is None:
        raise NotReadable("this is not a Word template or document (it has no document body). "
                          "Open it in Word and save it as Word Template (.dotx) or Word Document (.docx).")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in pkg.infolist():
            content = read_part(pkg, info.filename)
            if info.filename == types_name:
                content = content.replace(TEMPLATE_MAIN, DOCUMENT_MAIN)
            elif info.filename.lower().endswith((".xml", ".rels")):
                content = strict.transitional(content)  # saved as Strict Open XML: as the document it otherwise is
            target.writestr(renamed.get(info.filename, info.filename), content)
    return out.getvalue(), main


def tag_warnings(spec: m.FormSpec, document, path: Path) -> list[str]:
    tags = {t.get(qn("w:val")) for t in document.iter(W + "tag")}
    expected = set(spec.tags)
    missing = [t for t in spec.tags if t not in tags]
    unknown = sorted(tags - expected - {h.id for h in spec.header} - {None, ""})
    warnings = []
    if missing:
        warnings.append(f"{path.name}: {len(missing)} answer(s) of '{spec.id}' have no content control tagged for them, "
                        f"so they cannot be read back: {', '.join(missing[:10])}{' …' if len(missing) > 10 else ''}. "
                        f"'auditdocs specs tags {spec.id}' lists the tags.")
    if unknown:
        warnings.append(f"{path.name}: these tags are not fields of '{spec.id}' and will be ignored: "
                        f"{', '.join(unknown[:10])}{' …' if len(unknown) > 10 else ''}.")
    return warnings


def _with_identity(data: bytes, props: dict[str, str]) -> bytes:
    """Add (or replace) the custom properties and clear personal metadata."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/custom.xml":
                continue
            if info.filename == "docProps/core.xml":
                content = NEUTRAL_CORE.sub(rb"<\1></\1>", content)
            elif info.filename == "docProps/app.xml":
                content = re.sub(rb"<(Company|Manager)>[^<]*</\1>", rb"<\1></\1>", content)
            elif info.filename == "[Content_Types].xml" and b"/docProps/custom.xml" not in content:
                content = content.replace(b"</Types>", b'<Override PartName="/docProps/custom.xml" ContentType='
                                          b'"application/vnd.openxmlformats-officedocument.custom-properties+xml"/></Types>')
            elif info.filename == "_rels/.rels" and b"docProps/custom.xml" not in content:
                content = content.replace(b"</Relationships>", b'<Relationship Id="rIdAuditdocsCustom" Type="'
                                          + rel_type("custom-properties").encode()
                                          + b'" Target="docProps/custom.xml"/></Relationships>')
            target.writestr(info, content)
        target.writestr("docProps/custom.xml", package.custom_xml(props))
    return out.getvalue()
