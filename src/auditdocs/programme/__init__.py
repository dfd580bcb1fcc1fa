"""The year's audit programme: every month's activities (the control sample, dip samples, thematic audits,
fostering and adoption samples, managers' dip samples, the action-completion check), as a QA officer keeps
them in `programme.xlsx` (framework seed 003, Appendix D).

- `plan`: pure: the rows of the sheet become a `Programme` of `Activity`s, and a `Problem` for each cell
  that cannot be used (sheet, row, column, what to do); the cohort rules' grammar; the example year.
- `workbook`: the edge: writes the example workbook (`auditdocs init`) and reads the rows back (openpyxl).
- `run`: the use cases `check_programme` and `programme_month`, returning results, never printing.
"""
