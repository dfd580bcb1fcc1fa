"""Make the sample moderators list: moderators.xlsx (for the November 2026 sample month).

Every person in it is invented. One Head of Service per service of the sample allocation list's teams
(the Teams column says which teams each service has, so that nobody moderates a case from their own
service), two QA officers (one of them, Adaeze Okafor, also audits: she never moderates her own audits),
and two senior managers for disputed audits.

Run it again to remake the file (same content, byte for byte):
    python scripts/make_moderators.py
"""
from __future__ import annotations

from pathlib import Path

from make_samples import FIXED_TIME, _fix_zip_times

HERE = Path(__file__).resolve().parents[1] / "src" / "auditdocs" / "samples"
COLUMNS = ["Name", "Role", "Service", "E-mail", "Teams"]
PEOPLE = [
    ("Marion Fictionby", "Head of Service", "Assessment Service", "Assessment Team 1"),
    ("Desmond Testworth", "Head of Service", "Safeguarding Service", "Safeguarding Team North"),
    ("Yvonne Madeupson", "Head of Service", "Children in Care Service", "Children in Care Team"),
    ("Harriet Notreal", "Head of Service", "Early Help", "Early Help East"),
    ("Kieran Inventley", "Head of Service", "Front Door", "Front Door (MASH)"),
    ("Bernadette Pretendall", "Head of Service", "Fostering Service", "Fostering Team; Supported Lodgings Team"),
    ("Ifeoma Sampleton", "Head of Service", "Permanence Service", "Adoption Team"),
    ("Adaeze Okafor", "QA officer", "Quality Assurance", "Quality Assurance Unit"),
    ("Lena Fakeham", "QA officer", "Quality Assurance", ""),
    ("Gordon Placeholder", "Assistant Director", "Children's Social Care", ""),
    ("Rosalind Exampleby", "Assistant Director", "Education and Inclusion", ""),
]


def email(name: str) -> str:
    return name.lower().replace(" ", ".") + "@council.example"


def main() -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    ws = book.active
    ws.title = "Moderators"
    ws.append(COLUMNS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for name, role, service, teams in PEOPLE:
        ws.append([name, role, service, email(name), teams])
    for letter, width in zip("ABCDE", (24, 22, 26, 36, 44)):
        ws.column_dimensions[letter].width = width
    for (cell,) in ws.iter_rows(min_row=2, min_col=5, max_col=5):
        cell.alignment = Alignment(wrap_text=True)
    ws.freeze_panes = "A2"
    book.properties.creator = "auditdocs sample"
    book.properties.created = FIXED_TIME
    book.properties.modified = FIXED_TIME
    path = HERE / "moderators.xlsx"
    book.save(path)
    _fix_zip_times(path)
    print(f"{len(PEOPLE)} moderators written to samples/{path.name}")


if __name__ == "__main__":
    main()
