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
import re
import zipfile
from pathlib import Path

from docxtpl import DocxTemplate
from jinja2 import TemplateError

from ... import identity
from ... import model as m
from ...errors import UserError
from ...safezip import NotReadable, open_package, parse_xml, read_part
from ...specs.loader import did_you_mean
from . import package
from .oxml import qn
from .reader import details_as_read

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
NEUTRAL_CORE = re.compile(rb"<(dc:creator|cp:lastModifiedBy|cp:keywords|dc:description|cp:category)>[^<]*</\1>")


class CouncilTemplateForm:
    """Fills a council's template for each record; `warnings` lists tag mismatches."""

    def __init__(self, spec: m.FormSpec, template: Path):
        self.spec = spec
        self.template = Path(template)
        try:
            with open_package(self.template, ".docx") as pkg:
                document = parse_xml(read_part(pkg, "word/document.xml") or b"", "document")
        except NotReadable as exc:
            raise UserError(f"{self.template}: {exc}") from None
        self._bytes = self.template.read_bytes()
        self.warnings = tag_warnings(spec, document, self.template) + self.placeholder_warnings()

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
        document_xml = zipfile.ZipFile(merged).read("word/document.xml")
        props[identity.PROP_FINGERPRINT] = identity.fingerprint(self.spec, details_as_read(document_xml, self.spec, props))
        return _with_identity(merged.getvalue(), props)


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
                content = content.replace(b"</Relationships>", b'<Relationship Id="rIdAuditdocsCustom" Type="http://'
                                          b'schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties"'
                                          b' Target="docProps/custom.xml"/></Relationships>')
            target.writestr(info, content)
        target.writestr("docProps/custom.xml", package.custom_xml(props))
    return out.getvalue()
