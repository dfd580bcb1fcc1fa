"""The example programme `auditdocs init` writes: the audit schedule of the framework (seed 003, Appendix D),
moved to the year 2027, with the managers' dip samples (4.31) and the action-completion check (Appendix E)
each month. The people are invented. A QA officer changes it to the council's year."""
from __future__ import annotations

CSC = "csc_case_file_audit"
FOSTER = "foster_carer_case_file_audit"
ADOPTER = "prospective_adopter_case_file_audit"
MANAGERS_DIP = "managers_dip_sample"
CONTROL_SUBJECT = ("Random sample of cases from the population of Children in Need, Children subject to Child "
                   "Protection Plans and Children Looked After, including one child placed for adoption.")

# (activity, type, subject, cohort, sample size, auditors): the month's own activities, as Appendix D has them
MISSING = ("Children who go missing", "dip sample", "The impact of interventions for children who go missing",
           "Missing episodes in the last 6 months at least 1", 20, "QA team + service\nDana Whitfield")
REREFERRALS = ("Re-referrals", "dip sample", "Themes arising from re-referrals (25 families)",
               "Re-referral within 12 months is Yes", 25, "QA team + service\nDana Whitfield")
CP_THREE_MONTHS = ("CP plans ending at three months", "dip sample", "Children whose CP Plan ends at three months "
                   "(20 families)", "Category is CP\nMonths on CP plan at most 3", 20, "QA team + service")
ICPC = ("ICPC without a CP plan", "dip sample", "Children who are subject of an ICPC that does not result in a "
        "CP Plan (20 families)", "ICPC without a CP plan in the last 6 months is Yes", 20, "QA team + service")
PRIVATE_FOSTERING = ("Private fostering", "dip sample", "All private fostering arrangements",
                     "Private fostering arrangement is Yes", "All", "QA team")
STRATEGY = ("Agency attendance at strategy meetings", "dip sample", "Agency attendance at strategy meetings "
            "(30 strategy meetings)", "Strategy meetings in the last 3 months at least 1", 30, "QA team")
CORE_GROUPS = ("Core groups", "dip sample", "Core groups: frequency and quality", "Category is CP", 25, "QA team")
DISABLED = ("Safeguarding disabled children", "thematic audit", "The effectiveness of intervention to safeguard "
            "disabled children", "Disability is Yes", 20, "Auditor group")
CARE_LEAVERS = ("Experiences of care leavers", "thematic audit", "The experiences of care leavers aged 18+",
                "Category is Care leaver\nAge at least 18", 20, "Auditor group")
PERMANENCE = ("Planning for permanence", "thematic audit", "Planning for permanence: children under 15 who have "
              "been in care for more than 6 months", "Category is CLA\nAge at most 14\nMonths in care at least 7",
              20, "Auditor group")
HIGH_RISK = ("High risk young people", "thematic audit", "High risk young people", "High risk is Yes", 20,
             "Auditor group")
MONTHS = {
    1: [MISSING, REREFERRALS,
        ("Multiple changes of social worker", "thematic audit", "The impact of multiple changes of social worker",
         "Social workers in the last 12 months at least 5", 20, "Auditor group")],
    2: [CP_THREE_MONTHS, ICPC, CARE_LEAVERS],
    3: [PRIVATE_FOSTERING, STRATEGY,
        ("Planning for independence", "dip sample", "Planning for independence: young people in care aged 17",
         "Category is CLA\nAge is 17", 20, "QA team"),
        CORE_GROUPS,
        ("Children not seen within timescale", "dip sample", "Children who have not been seen for 3 months",
         "Days since last visit at least 90", 15, "QA team"),
        ("Children with no recorded visit", "dip sample", "Children who have no recorded visit",
         "Visits recorded in the last 6 months at most 0", 15, "QA team"),
        DISABLED],
    4: [("Children in care aged 16 and 17", "thematic audit", "The experiences of children in care aged 16 and 17",
         "Category is CLA\nAge at least 16\nAge at most 17", 20, "Auditor group")],
    5: [PERMANENCE],
    6: [PRIVATE_FOSTERING[:5] + ("QA team + service",), HIGH_RISK],
    7: [MISSING[:5] + ("QA team + service",),
        ("Pathway planning at 16 and 17", "dip sample", "Pathway planning for sixteen and seventeen year olds in "
         "care (asked for by the CLA Strategic Group), done jointly with IROs and team managers",
         "Category is CLA\nAge at least 16\nAge at most 17\nPathway plan updated in the last 2 months is Yes", 20,
         "QA team + IROs and team managers"),
        ("CP plans over 12 months", "thematic audit", "Children subject to CP planning for more than 12 months",
         "Category is CP\nMonths on CP plan at least 13", 20, "Auditor group")],
    8: [CP_THREE_MONTHS, ICPC, CARE_LEAVERS],
    9: [PRIVATE_FOSTERING, STRATEGY,
        ("Pre-proceedings (PLO)", "thematic audit", "The effectiveness of work in pre-proceedings (PLO)",
         "Pre-proceedings is Yes", 20, "Auditor group")],
    10: [("Quality of CIN and CP plans", "dip sample", "Quality of CIN and CP plans (20 families)",
          "Category is CIN or CP", 20, "QA team"),
         CORE_GROUPS[:4] + (20, "QA team"), DISABLED],
    11: [PERMANENCE],
    12: [PRIVATE_FOSTERING, HIGH_RISK],
}
COUNTS = {"control sample": "Yes", "fostering": "Yes", "adoption": "Yes"}


def example_rows(year: int = 2027) -> list[list]:
    """The example year's rows, in the order of the sheet's columns (`plan.COLUMNS`)."""
    rows = []
    for month, own in MONTHS.items():
        when = f"{year}-{month:02d}"
        january = month == 1
        every = [
            ("Monthly control sample", "control sample",
             CONTROL_SUBJECT + (" In January the sample includes 19 care leavers." if january else ""),
             "Category is CIN or CP or CLA or Placed for adoption" + (" or Care leaver" if january else ""), 40,
             "Auditor group",
             "CIN: 7\nCP: 7\nCLA: 6\nPlaced for adoption: 1\nCare leaver: 19" if january else
             "CIN: 13\nCP: 13\nCLA: 13\nPlaced for adoption: 1", CSC),
            ("Foster carers", "fostering", "Random sample of foster carer records", "Category is Foster carer", 6,
             "Auditor group", "", FOSTER),
            ("Prospective adopters", "adoption", "Random sample of prospective adopter records (2 or 3)",
             "Category is Prospective adopter", 3, "Auditor group", "", ADOPTER),
            ("Managers' dip samples", "managers' dip samples", "Two cases each for every head of service, group "
             "manager and team manager; the theme set by each service (4.31)", "", 2,
             "Heads of service, group managers and team managers", "", MANAGERS_DIP),
            ("Actions really completed", "action-completion check", "Ten audits whose actions the team manager has "
             "marked done: were the recommendations really completed? (Appendix E)", "", 10, "QA team", "", ""),
        ]
        for name, kind, subject, cohort, size, auditors in own:
            rows.append([when, name, kind, subject, cohort, size, "", auditors, CSC, COUNTS.get(kind, "No")])
        for name, kind, subject, cohort, size, auditors, by_category, form in every:
            rows.append([when, name, kind, subject, cohort, size, by_category, auditors, form, COUNTS.get(kind, "No")])
    return rows
