"""Looking inside files that leave the team, byte by byte, for the people of the register.

`haystack` is everything a file holds as text: an .xlsx's every part unzipped, a .csv, and for a
PDF its raw bytes, every stream inflated (pages, fonts, embedded files, XMP), every string of its
document information decoded, and the text of every page as a reader would copy it (a PDF's page
streams hold glyph numbers, not letters, so a name on a page is only found that way).
`people` lists, per audit, every name, case number, date of birth and audit id the register holds.
"""
from __future__ import annotations

import io
import re
import zipfile
import zlib
from pathlib import Path

from pypdf import PdfReader

from auditdocs.domain.dates import uk
from auditdocs.register import open_register

NAME_FIELDS = ("family_name", "given_names", "social_worker", "team_manager", "auditor", "senior_managers",
               "foster_carer_name", "children_placed", "provider_names", "young_people_placed")
WHOLE_ONLY = ("auditor_service",)  # a service that names its managers: its words alone are not names
PARTICLES = {"and", "de", "van", "der"}


def people(register: Path) -> dict[str, set[str]]:
    """Audit id -> what identifies the people of that audit: names (whole and each part), case
    number, date of birth (as ISO and as forms show it) and the audit id itself."""
    out = {}
    with open_register(register) as reg:
        audits = reg.audits()
    for a in audits:
        s = a.subject
        found = {a.audit_id, s.get("case_number", "")}
        for f in NAME_FIELDS:
            value = (s.get(f) or "").strip()
            found.add(value)
            found.update(part for part in re.split(r"[\s,()\-]+", value)
                         if len(part) >= 3 and part[0].isupper() and part.casefold() not in PARTICLES)
        found.update((s.get(f) or "").strip() for f in WHOLE_ONLY)
        if s.get("given_names") and s.get("family_name"):
            found.add(f"{s['given_names']} {s['family_name']}")
        if s.get("date_of_birth"):
            found.update({s["date_of_birth"], uk(s["date_of_birth"])})
        out[a.audit_id] = {v for v in found if v}
    return out


def found_in(text: str, values: set[str]) -> set[str]:
    """The values that occur in `text` as whole words (a name inside a longer word does not count)."""
    return {v for v in values if v in text and re.search(rf"(?<![\w/]){re.escape(v)}(?![\w/])", text)}


def haystack(path: Path) -> str:
    data = path.read_bytes()
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            return "\n".join(package.read(n).decode("utf-8", "replace") for n in package.namelist())
    if path.suffix == ".csv":
        return data.decode("utf-8-sig")
    if path.suffix == ".pdf":
        return pdf_text(data)
    raise ValueError(path)


def pdf_text(data: bytes) -> str:
    parts = [data.decode("latin-1")]
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", data, re.S):
        raw = match.group(1)
        try:
            raw = zlib.decompressobj().decompress(raw)
        except zlib.error:
            pass
        parts += [raw.decode("latin-1"), raw.decode("utf-8", "replace")]
    reader = PdfReader(io.BytesIO(data))
    parts += [f"{k} {v}" for k, v in (reader.metadata or {}).items()]
    if reader.xmp_metadata is not None:
        parts.append(reader.xmp_metadata.stream.get_data().decode("utf-8", "replace"))
    for name, contents in reader.attachments.items():
        parts += [name] + [c.decode("utf-8", "replace") for c in contents]
    parts += [page.extract_text() for page in reader.pages]
    return "\n".join(parts)


def export_leaks(path: Path, register: dict[str, set[str]]) -> set[str]:
    """What of anyone in the register an export holds (it should be nothing)."""
    return found_in(haystack(path), set().union(*register.values()))


def pdf_findings(path: Path, register: dict[str, set[str]], machine: set[str] = frozenset()) -> list[set[str]]:
    """Of a finalised PDF: its own audit's details it does not hold, other people's it does, and what
    of `machine` (paths, names of the computer) it holds: all three should be empty. A carer's audit
    names the children placed with them: those are its own details."""
    text = haystack(path)
    own = register[PdfReader(path).metadata["/AuditId"]]
    others = set().union(*(v for v in register.values() if v is not own)) - own
    others = {v for v in others if not any(v in mine for mine in own)}
    missing = own - found_in(text, own)
    # a name made of its parts ("Ollie Okonjo") is held when the form holds each part (an Excel form has the
    # family name and the given names in cells of their own)
    missing = {v for v in missing if not (" " in v and all(found_in(text, {p}) for p in v.split()))}
    return [missing, found_in(text, others), {v for v in machine if v in text}]
