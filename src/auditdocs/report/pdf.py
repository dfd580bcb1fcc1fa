"""The Word report as a PDF, through LibreOffice: headings as bookmarks, no author or path in it.

LibreOffice lays the report out twice: the first PDF says on which page each heading
landed (its bookmarks), those page numbers go into the report's table of contents, and the
second PDF is the one kept. It is tagged for screen readers (headings, tables with their header
rows, the charts' alt text, the language; see tagged_pdf). Its metadata is then rewritten with
pypdf, keeping the tags: the title only, no author, no creator tool or path. LibreOffice runs with
a profile of its own in a private folder beside the report (`files.private_folder`: its owner's only,
removed when the run ends, however it ends), so it never clashes with a LibreOffice the user has open
and no copy of the report is left in a shared temporary folder.
"""
from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path

from pypdf import PdfReader

from ..errors import ProgramMissing, UserError
from ..files import private_folder, run_program
from ..tagged_pdf import editable, export_filter, finish

#: LibreOffice's Writer PDF export: tagged (PDF/UA), with the document's headings as PDF bookmarks.
PDF_FILTER = export_filter("writer")
TIMEOUT = 300  # seconds
NO_LIBREOFFICE = ("the PDF was not made: LibreOffice is not installed (Debian/Ubuntu: sudo apt-get install "
                  "libreoffice-writer-nogui). The Word report is made: open it in Word and save it as PDF, "
                  "or install LibreOffice and run the command again.")


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(docx: bytes, name: str, program: str, beside: Path) -> bytes:
    """One LibreOffice conversion of a .docx (its bytes) to PDF, in a private folder in `beside`."""
    with private_folder(beside, "pdf") as folder:
        source = folder / f"{name}.docx"
        with open(os.open(source, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600),
                  "wb") as fh:
            fh.write(docx)
        try:
            done = run_program(
                [program, f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless", "--norestore",
                 "--convert-to", PDF_FILTER, "--outdir", str(folder), str(source)], TIMEOUT)
        except subprocess.TimeoutExpired:
            raise UserError(f"the PDF was not made: LibreOffice took more than {TIMEOUT // 60} minutes. "
                            "The Word report is made; try again, or save it as PDF from Word.") from None
        target = folder / f"{name}.pdf"
        if done.returncode != 0 or not target.exists():
            said = (done.stderr or done.stdout or "").strip().splitlines()[-1:] or ["no message"]
            raise UserError(f"the PDF was not made: LibreOffice could not convert the report ({said[0]}). "
                            "The Word report is made; save it as PDF from Word.")
        return target.read_bytes()


def bookmark_pages(pdf: bytes) -> list[int]:
    """The page (1 = first) of every bookmark, in document order."""
    reader = PdfReader(io.BytesIO(pdf))
    pages = []

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                pages.append(reader.get_destination_page_number(item) + 1)

    walk(reader.outline)
    return pages


def neutral(pdf: bytes, title: str) -> bytes:
    """The PDF with its title as its only metadata (no author, creator, producer or date, in the
    document information or the XMP), its tags for screen readers kept."""
    return finish(editable(pdf), {"/Title": title})


def report_pdf(render, name: str, title: str, beside: Path) -> tuple[bytes, bytes]:
    """(the report with the page numbers in its contents, and its PDF). `render(pages)` makes the .docx,
    with `pages` (each heading's page, in order) in its contents; LibreOffice works in a private folder
    in `beside` (the report's folder). UserError when it cannot be made."""
    program = soffice()
    if program is None:
        raise ProgramMissing(NO_LIBREOFFICE)
    first = convert(render(None), name, program, beside)
    numbered = render(bookmark_pages(first))
    return numbered, neutral(convert(numbered, name, program, beside), title)
