"""Sharing safely: what leaves the QA team, and only what should.

- `keys`: the team's pseudonymisation key (`auditdocs key new`) and keyed pseudonyms (HMAC-SHA256).
- `export`: pseudonymised exports of the register's audits for partners, benchmarking and research
  (`auditdocs export --pseudonymise`): no names, case numbers, dates of birth or free text.
- `finalise`: a PDF of each complete audit for the child's file (`auditdocs finalise`), holding
  that audit only and nothing of the machine, with the answers attached as JSON.

Every file made here holds personal data and is written readable by its owner only.
"""
