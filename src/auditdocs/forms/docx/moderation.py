"""The moderation lock of a Word form: its moderation part open for editing, every other answer locked, and
the moderator's name filled in. Which controls are the moderation part is the moderation package's plan
(`moderation.forms.moderation_parts`); this module only edits the Word XML.

Open controls get the lock `sdtLocked` (the control cannot be deleted, its text can be changed); the other
answers `sdtContentLocked` (neither). LibreOffice drops every control's tag: on a form laid out as ours, each
control is then found by where it stands (`layout.controls_by_place`, the places the writer puts answers and
the reader reads them from), and gets its tag back with its lock.
"""
from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass

from lxml import etree

from ...domain import identity
from ...domain import model as m
from ..ooxml import qn
from . import package
from .fill import set_control
from .layout import controls_by_place


@dataclass(frozen=True)
class Locked:
    """A form with its moderation lock, and what could not be done."""

    data: bytes
    untagged: int  # answer boxes without their tag, not where the form put them: not locked
    filled: bool  # the moderator's name was filled in


def lock_for_moderation(data: bytes, spec: m.FormSpec, *, open_tags: set[str] | frozenset[str],
                        moderator_field: str = "", moderator: str = "", when: dt.datetime) -> Locked:
    """The Word form `data` with the controls tagged `open_tags` open, every other answer of `spec` locked,
    `moderator` typed into the first control tagged `moderator_field`, and its time last saved `when`."""
    source = zipfile.ZipFile(io.BytesIO(data))
    document = etree.fromstring(source.read("word/document.xml"))
    answer_tags = set(spec.tags) | {h.id for h in spec.header}
    body = document.find(qn("w:body"))
    placed = controls_by_place(body, spec) if body is not None and _layout_is_ours(source) else {}
    untagged, filled = 0, False
    for sdt in document.iter(qn("w:sdt")):
        tag_el = sdt.find(f"{qn('w:sdtPr')}/{qn('w:tag')}")
        tag = tag_el.get(qn("w:val"), "") if tag_el is not None else ""
        if not tag and sdt in placed:  # its tag removed by an editor (LibreOffice): put back, by where it stands
            tag = placed[sdt]
            _set_tag(sdt, tag)
        if tag in open_tags:
            _set_lock(sdt, "sdtLocked")
        elif tag in answer_tags:
            _set_lock(sdt, "sdtContentLocked")
        elif not tag:
            untagged += 1
        if tag and tag == moderator_field and moderator and not filled:
            set_control(sdt, moderator)
            filled = True
    body = etree.tostring(document, xml_declaration=True, encoding="UTF-8", standalone=True)
    changed = {"word/document.xml": lambda _: body, "docProps/core.xml": lambda core: package.saved_at(core, when)}
    return Locked(package.rewrite(data, lambda name, content: changed.get(name, lambda c: c)(content)),
                  untagged, filled)


def _layout_is_ours(source: zipfile.ZipFile) -> bool:
    """Is the form laid out as `forms.docx.layout` has it (not a council's own template)? Its properties say."""
    try:
        custom = etree.fromstring(source.read("docProps/custom.xml"))
    except (KeyError, etree.XMLSyntaxError):
        return True
    for prop in custom:
        if prop.get("name") == identity.PROP_LAYOUT and len(prop):
            return (prop[0].text or "") == "auditdocs"
    return True


#: The order the schema wants a control's properties in (what follows them, its kind, keeps its place).
_PROPS_ORDER = [qn(f"w:{n}") for n in ("rPr", "alias", "tag", "id", "lock", "placeholder", "temporary",
                                       "showingPlcHdr", "dataBinding", "label", "tabIndex")]


def _set_tag(sdt, tag: str) -> None:
    """Give a content control the tag `tag`."""
    _set_prop(sdt, "tag", tag)


def _set_lock(sdt, value: str) -> None:
    """Give a content control the lock `value`."""
    _set_prop(sdt, "lock", value)


def _set_prop(sdt, name: str, value: str) -> None:
    """Set the control's property w:sdtPr/w:`name` to `value`, and put its properties in the schema's order
    (LibreOffice writes the id before the alias)."""
    props = sdt.find(qn("w:sdtPr"))
    if props is None:
        return
    found = props.find(qn(f"w:{name}"))
    if found is None:
        found = etree.SubElement(props, qn(f"w:{name}"))
    found.set(qn("w:val"), value)
    rank = {tag: n for n, tag in enumerate(_PROPS_ORDER)}
    children = list(props)
    ordered = sorted(children, key=lambda c: rank.get(c.tag, len(rank)))
    if ordered != children:
        props[:] = ordered
