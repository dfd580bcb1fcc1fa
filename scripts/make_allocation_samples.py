"""Make the sample inputs of `auditdocs allocate` for November 2026: cases_2026-11.xlsx and auditors.xlsx.

The cases list is the pool as a case management system would export it: the 60 cases of
allocations_2026-11.xlsx (same people, case numbers and forms, marked 'Yes' in 'Audit this month',
as the QA officer marked them) and 60 more of the same teams, unmarked. The auditors list has the
same 8 auditors, with their e-mail, team, service, role, break months (two of them asked for a
November break: one more than the 20% limit allows) and an exemption. Everyone is invented.

Run it again to remake both files (same content, byte for byte):
    python scripts/make_allocation_samples.py
"""
from __future__ import annotations

import datetime as dt
import random

from make_samples import (
    AUDITORS,
    BOYS,
    COLUMNS,
    ETHNICITIES,
    FAMILY,
    GIRLS,
    HERE,
    MONTH,
    TEAMS,
    make_rows,
    write_xlsx,
)

#: The service each team belongs to.
SERVICES = {
    "Assessment Team 1": "Assessment Service", "Safeguarding Team North": "Safeguarding Service",
    "Children in Care Team": "Children in Care Service", "Early Help East": "Early Help",
    "Front Door (MASH)": "Front Door", "Fostering Team": "Fostering Service", "Adoption Team": "Permanence Service",
    "Supported Lodgings Team": "Children in Care Service", "Quality Assurance Unit": "Quality Assurance",
}
CATEGORY = {"Child in Need": "CIN", "Child Protection": "CP", "Child Looked After": "CLA",
            "Placed for adoption": "Placed for adoption", "Early Help": "Early Help"}
CASE_COLUMNS = ["Audit this month", "Form", "Category", "Service"] + [
    c for c in COLUMNS if c not in ("Form", "Auditor", "Auditor service", "Due date")]
#: auditor -> (role, break months asked for, when asked, cases they must not audit)
AUDITOR_DETAILS = {
    "Priya Lakhani": ("Team manager", "2027-01", "15/10/2026", ""),
    "Gareth Pennington": ("Team manager", "", "", ""),
    "Siobhán Kearney": ("Team manager", "2026-12; 2027-03", "01/10/2026; 01/10/2026", ""),
    "Tomasz Wróbel": ("Fostering service manager", "", "", ""),
    "Adaeze Okafor": ("QA officer", "", "", "9901010"),
    "Helen Marsh-Rigby": ("Team manager", "2026-11", "12/10/2026", ""),
    "Imran Chaudhry": ("Team manager", "2026-11", "20/10/2026", ""),
    "Rachel Dunmore": ("Team manager", "2027-02", "02/11/2026", ""),
}
#: What the case system's export says beyond the case's details, for the programme's cohort rules (invented).
COHORT_COLUMNS = ["Social workers in the last 12 months", "Missing episodes in the last 6 months",
                  "Re-referral within 12 months"]
AUDITOR_COLUMNS = ["Name", "E-mail", "Team", "Service", "Role", "Break months", "Break requested on", "Exemptions"]


def sample_cases() -> list[dict]:
    """The 60 cases of the sample month, as the pool has them (no auditor yet), marked for the sample."""
    out = []
    for row in make_rows():
        case = {c: row[c] for c in CASE_COLUMNS if c in row}
        status = row["Current status of child"]
        case.update({"Audit this month": "Yes", "Service": SERVICES[row["Team"]],
                     "Category": CATEGORY.get(status, row["Audit type"].split("– ")[-1].capitalize())})
        out.append(case)
    return out


def more_cases(rng: random.Random) -> list[dict]:
    """60 more children of the same teams, not in this month's sample."""
    teams = [("Assessment Team 1", "Child in Need", "CIN")] * 15 + \
        [("Safeguarding Team North", "Child Protection", "CP")] * 15 + \
        [("Children in Care Team", "Child Looked After", "CLA")] * 15 + \
        [("Children in Care Team", "Placed for adoption", "Placed for adoption")] * 3 + \
        [("Early Help East", "Early Help", "Early Help")] * 12
    out = []
    for i, (team, status, category) in enumerate(teams):
        girl = rng.random() < 0.5
        manager, workers = TEAMS[team]
        out.append({
            "Category": category, "Service": SERVICES[team], "Case number": str(9902001 + i),
            "Family name": rng.choice(FAMILY), "Given names": rng.choice(GIRLS if girl else BOYS),
            "Date of birth": dt.date(2009, 1, 1) + dt.timedelta(days=rng.randrange(0, 16 * 365)),
            "Gender": "Female" if girl else "Male", "Ethnicity": rng.choice(ETHNICITIES), "Primary language": "English",
            "Social worker": rng.choice(workers), "Team manager": manager, "Team": team,
            "Current status of child": status,
        })
    return out


def cohort_details(cases: list[dict], rng: random.Random) -> None:
    """The export's cohort columns for each case: how many social workers in the last 12 months (one in six had 5
    or more), missing episodes in the last 6 months (one in five went missing), re-referred within 12 months."""
    for case in cases:
        if case.get("Category") in ("Foster carer", "Prospective adopter", "Supported lodgings", "Early Help") \
                or not case.get("Date of birth"):
            continue
        many = rng.random() < 1 / 6
        case["Social workers in the last 12 months"] = rng.randint(5, 8) if many else rng.randint(1, 4)
        case["Missing episodes in the last 6 months"] = rng.randint(1, 6) if rng.random() < 0.2 else 0
        case["Re-referral within 12 months"] = "Yes" if rng.random() < 0.2 else "No"


def auditors() -> list[dict]:
    out = []
    for name, (team, _) in AUDITORS.items():
        role, breaks, asked, exempt = AUDITOR_DETAILS[name]
        email = name.lower().replace("á", "a").replace("ó", "o").replace(" ", ".") + "@example.org"
        out.append({"Name": name, "E-mail": email, "Team": team, "Service": SERVICES[team], "Role": role,
                    "Break months": breaks, "Break requested on": asked, "Exemptions": exempt})
    return out


def main() -> None:
    cases = sample_cases() + more_cases(random.Random(202611 + 1))
    cohort_details(cases, random.Random(202611 + 2))
    columns = CASE_COLUMNS + COHORT_COLUMNS
    write_xlsx([{c: row.get(c, "") for c in columns} for row in cases], HERE / f"cases_{MONTH}.xlsx",
               columns, f"Cases {MONTH}")
    write_xlsx(auditors(), HERE / "auditors.xlsx", AUDITOR_COLUMNS, "Auditors")
    print(f"{len(cases)} cases written to samples/cases_{MONTH}.xlsx, "
          f"{len(AUDITORS)} auditors to samples/auditors.xlsx")


if __name__ == "__main__":
    main()
