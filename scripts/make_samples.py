"""Make the sample allocation list for November 2026: allocations_2026-11.xlsx and .csv.

Every person in it is invented; case numbers are in the fake range 99xxxxx.
The list mixes the eight forms like a real month: about 40 children, 6 foster carers,
3 prospective adopters, 3 supported lodgings providers and a few Front Door and
Audit & Moderation audits, allocated over 8 auditors. As the framework requires,
no auditor audits their own team.

Run it again to remake both files (same content, byte for byte):
    python scripts/make_samples.py
"""
from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

HERE = Path(__file__).resolve().parents[1] / "samples"
MONTH = "2026-11"
DUE = dt.date(2026, 11, 30)
FIXED_TIME = dt.datetime(2026, 10, 30, 9, 0, 0)

COLUMNS = [
    "Form", "Case number", "Family name", "Given names", "Date of birth", "Gender", "Ethnicity",
    "Primary language", "Social worker", "Team manager", "Team", "Audit type", "Auditor",
    "Auditor service", "Due date", "Current status of child", "Allocated SM & SL",
    "Name of foster carer", "Date of approval", "Approval levels", "Children placed",
    "LCS number", "Religion", "Practising", "Languages", "Disabilities", "Sexuality",
    "Supported Lodgings provider(s)", "Approval terms", "Young people placed",
]
DATE_COLUMNS = {"Date of birth", "Due date", "Date of approval"}

# team -> (team manager, social workers)
TEAMS = {
    "Assessment Team 1": ("Priya Lakhani", ["Jodie Fairclough", "Kwame Asante", "Laura Brightwell"]),
    "Safeguarding Team North": ("Gareth Pennington", ["Shona McAllister", "Daniel Oyelaran", "Beth Carrow"]),
    "Children in Care Team": ("Siobhán Kearney", ["Marcus Hebden", "Aisha Rahman", "Claire Tolland"]),
    "Early Help East": ("Helen Marsh-Rigby", ["Nadia Farooq", "Luke Stannard"]),
    "Front Door (MASH)": ("Imran Chaudhry", ["Emma Wilcox-Hart", "Ravinder Sandhu"]),
    "Fostering Team": ("Tomasz Wróbel", ["Gemma Thistlewood", "Olu Bankole"]),
    "Adoption Team": ("Rachel Dunmore", ["Fiona Greatorex"]),
    "Supported Lodgings Team": ("Deborah Ainsworth", ["Callum Breen"]),
}
# auditor -> (their own team, which they never audit; their service)
AUDITORS = {
    "Priya Lakhani": ("Assessment Team 1", "Assessment Service, GM Paul Hendry"),
    "Gareth Pennington": ("Safeguarding Team North", "Safeguarding Service, GM Paul Hendry"),
    "Siobhán Kearney": ("Children in Care Team", "Children in Care Service, GM Alison Crowther"),
    "Tomasz Wróbel": ("Fostering Team", "Fostering Service, GM Alison Crowther"),
    "Adaeze Okafor": ("Quality Assurance Unit", "Quality Assurance, GM Mark Ellery"),
    "Helen Marsh-Rigby": ("Early Help East", "Early Help, GM Janet Sowerby"),
    "Imran Chaudhry": ("Front Door (MASH)", "Front Door, GM Janet Sowerby"),
    "Rachel Dunmore": ("Adoption Team", "Permanence Service, GM Alison Crowther"),
}

FAMILY = ["Ashdown", "Brearley", "Calloway", "Dunstable", "Ellwood", "Fenwick", "Garside", "Hollins",
          "Ibbotson", "Jarrow", "Kettleby", "Lomax", "Merriweather", "Northcott", "Ormerod", "Pickersgill",
          "Quarmby", "Rudd", "Sutcliffe", "Thackray", "Umpleby", "Varley", "Wadsworth", "Yeadon",
          "Akhtar", "Begum", "Kowalczyk", "Mensah", "Nowak", "Okonjo", "Popescu", "Siddiqui",
          "Abara", "Haddad", "Lindqvist", "McGuigan"]
GIRLS = ["Amelia", "Zoë", "Maisie", "Ruby", "Aaliyah", "Freya", "Hania", "Poppy", "Esme", "Layla", "Isla", "Nevaeh"]
BOYS = ["Harley", "Alfie", "Tyler", "Mohammed", "Kacper", "Reggie", "Ollie", "Kai", "Jayden", "Ibrahim", "Theo", "Riley"]
ETHNICITIES = ["White British", "White British", "White British", "White Other", "Mixed White and Black Caribbean",
               "Asian or Asian British Pakistani", "Black or Black British African", "Gypsy/Roma"]


def children(rng: random.Random) -> list[dict]:
    """40 children: the CSC control sample (34, one placed for adoption) and 6 Early Help."""
    kinds = (["Control sample – CIN"] * 11 + ["Control sample – CP"] * 11 + ["Control sample – CLA"] * 11
             + ["Control sample – placed for adoption"])
    rows = [("csc_case_file_audit", k) for k in kinds] + [("eh_case_file_audit", "Early Help")] * 6
    teams = {"Control sample – CIN": "Assessment Team 1", "Control sample – CP": "Safeguarding Team North",
             "Control sample – CLA": "Children in Care Team", "Control sample – placed for adoption": "Children in Care Team",
             "Early Help": "Early Help East"}
    status = {"Control sample – CIN": "Child in Need", "Control sample – CP": "Child Protection",
              "Control sample – CLA": "Child Looked After", "Control sample – placed for adoption": "Placed for adoption",
              "Early Help": "Early Help"}
    out = []
    for form, kind in rows:
        out.append(_child(rng, form, kind, teams[kind], status[kind]))
    return out


def _child(rng, form, kind, team, status) -> dict:
    girl = rng.random() < 0.5
    born = dt.date(2009, 1, 1) + dt.timedelta(days=rng.randrange(0, 16 * 365))
    manager, workers = TEAMS[team]
    return {
        "Form": form, "Family name": rng.choice(FAMILY), "Given names": rng.choice(GIRLS if girl else BOYS),
        "Date of birth": born, "Gender": "Female" if girl else "Male", "Ethnicity": rng.choice(ETHNICITIES),
        "Primary language": "English", "Social worker": rng.choice(workers), "Team manager": manager,
        "Team": team, "Audit type": kind, "Current status of child": status,
    }


def carers() -> list[dict]:
    manager, workers = TEAMS["Fostering Team"]
    carers = [("Harlow", "Denise and Mark", "Level 2", "Ruby Ellwood (placed 2025)"),
              ("Mistry", "Anita", "Level 1", "Kai Northcott, Theo Northcott"),
              ("Crabtree", "Paul and Steven", "Level 3", "Nevaeh Garside"),
              ("Ogunleye", "Funmi", "Level 2", ""),
              ("Slingsby", "Karen", "Level 1 (short breaks)", "Reggie Quarmby"),
              ("Rowntree", "Jacqueline and Tony", "Level 2", "Maisie Lomax, Isla Lomax")]
    return [{
        "Form": "foster_carer_case_file_audit", "Family name": family, "Given names": given,
        "Social worker": workers[i % len(workers)], "Team manager": manager, "Team": "Fostering Team",
        "Audit type": "Control sample – foster carer", "Name of foster carer": f"{given} {family}",
        "Date of approval": dt.date(2018 + i, 3 + i, 10 + i), "Approval levels": level, "Children placed": placed,
    } for i, (family, given, level, placed) in enumerate(carers)]


def adopters() -> list[dict]:
    manager, workers = TEAMS["Adoption Team"]
    people = [("Whitworth", "Sarah", dt.date(1986, 5, 14), "Female", "Christian", "No", "English", "Heterosexual"),
              ("Delacourt", "James and Oliver", dt.date(1982, 9, 2), "Male", "None", "No", "English, French", "Gay"),
              ("Bhatti", "Samina", dt.date(1990, 1, 27), "Female", "Muslim", "Yes", "English, Urdu", "Heterosexual")]
    return [{
        "Form": "prospective_adopter_case_file_audit", "Family name": family, "Given names": given,
        "Date of birth": born, "Gender": gender, "Ethnicity": "White British" if i < 2 else "Asian or Asian British Pakistani",
        "Social worker": workers[0], "Team manager": manager, "Team": "Adoption Team",
        "Audit type": "Control sample – prospective adopter", "LCS number": f"LCS-99{4410 + i}",
        "Religion": religion, "Practising": practising, "Languages": languages,
        "Disabilities": "None recorded", "Sexuality": sexuality,
    } for i, (family, given, born, gender, religion, practising, languages, sexuality) in enumerate(people)]


def providers() -> list[dict]:
    manager, _ = TEAMS["Supported Lodgings Team"]
    people = [("Bev Ashworth", "Supported Lodgings", "Jayden Pickersgill (17)"),
              ("Tariq and Yasmin Hussain", "Staying Put; Supported Lodgings", "Layla Thackray (18)"),
              ("Maureen Gledhill", "Supported Lodgings", "")]
    return [{
        "Form": "supported_lodgings_case_file_audit", "Supported Lodgings provider(s)": name,
        "Team manager": manager, "Team": "Supported Lodgings Team", "Audit type": "Control sample – supported lodgings",
        "Approval terms": terms, "Approval levels": "Level 1", "Young people placed": placed,
    } for name, terms, placed in people]


def front_door(rng: random.Random) -> list[dict]:
    """Audit & Moderation (seed 002) and the Front Door thematic audits (seeds 000 and 001)."""
    out = []
    for team, form, kind in [("Assessment Team 1", "audit_moderation_ascincp", "Audit & moderation – Assessment"),
                             ("Safeguarding Team North", "audit_moderation_ascincp", "Audit & moderation – CP"),
                             ("Assessment Team 1", "audit_moderation_ascincp", "Audit & moderation – CIN"),
                             ("Safeguarding Team North", "audit_moderation_ascincp", "Audit & moderation – CP"),
                             ("Front Door (MASH)", "front_door_recording", "Thematic – Front Door recording"),
                             ("Front Door (MASH)", "front_door_recording", "Thematic – Front Door recording"),
                             ("Front Door (MASH)", "front_door_referrals", "Thematic – referrals and assessment"),
                             ("Front Door (MASH)", "front_door_referrals", "Thematic – referrals and assessment")]:
        row = _child(rng, form, kind, team, "Child Protection" if "CP" in kind else "Child in Need")
        if form == "audit_moderation_ascincp":
            row["Allocated SM & SL"] = "Paul Hendry (SM), Lorraine Bickerstaff (SL)"
        out.append(row)
    return out


def allocate(rows: list[dict]) -> None:
    """Give each row an auditor, never one from the row's own team, spreading the load."""
    load = {name: 0 for name in AUDITORS}
    for i, row in enumerate(rows):
        allowed = [a for a in AUDITORS if AUDITORS[a][0] != row["Team"]]
        auditor = min(allowed, key=lambda a: (load[a], list(AUDITORS).index(a)))
        load[auditor] += 1
        row["Auditor"] = auditor
        row["Auditor service"] = AUDITORS[auditor][1]
        row["Case number"] = str(9901001 + i)
        row["Due date"] = DUE
    assert all(AUDITORS[r["Auditor"]][0] != r["Team"] for r in rows)


def make_rows() -> list[dict]:
    rng = random.Random(202611)
    rows = children(rng) + carers() + adopters() + providers() + front_door(rng)
    allocate(rows)
    return [{c: row.get(c, "") for c in COLUMNS} for row in rows]


def write_csv(rows: list[dict], path: Path) -> None:
    with open(path, "w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.DictWriter(fh, COLUMNS, lineterminator="\r\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({c: v.strftime("%d/%m/%Y") if isinstance(v, dt.date) else v for c, v in row.items()})


def write_xlsx(rows: list[dict], path: Path, columns: list[str] = COLUMNS, title: str = f"Allocations {MONTH}") -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    ws = book.active
    ws.title = title
    ws.append(columns)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([row[c] for c in columns])
    for col, name in enumerate(columns, start=1):
        letter = ws.cell(1, col).column_letter
        ws.column_dimensions[letter].width = max(12, min(40, len(name) + 4))
        if name in DATE_COLUMNS:
            for (cell,) in ws.iter_rows(min_row=2, min_col=col, max_col=col):
                cell.number_format = "dd/mm/yyyy"
    ws.freeze_panes = "A2"
    book.properties.creator = "auditdocs sample"
    book.properties.created = FIXED_TIME
    book.properties.modified = FIXED_TIME
    book.save(path)
    _fix_zip_times(path)


def _fix_zip_times(path: Path) -> None:
    """Give every part of the package the same timestamp, so the file is the same every run."""
    import zipfile

    with zipfile.ZipFile(path) as src:
        parts = [(info, src.read(info.filename)) for info in src.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info, data in parts:
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            if info.filename == "docProps/core.xml":  # openpyxl stamps the save time here
                data = _fixed_core(data)
            dst.writestr(fixed, data)


def _fixed_core(data: bytes) -> bytes:
    import re

    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    return re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(<)", rb"\g<1>" + stamp + rb"\2", data)


def main() -> None:
    rows = make_rows()
    write_csv(rows, HERE / f"allocations_{MONTH}.csv")
    write_xlsx(rows, HERE / f"allocations_{MONTH}.xlsx")
    print(f"{len(rows)} rows written to {HERE}/allocations_{MONTH}.csv and .xlsx")


if __name__ == "__main__":
    main()
