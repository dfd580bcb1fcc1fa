"""Moderation: the month's moderation sample, the moderators' copies, disputes, and agreement figures.

The framework has Heads of Service and the QA team moderate at least 10% of each month's audits, each Head of
Service one case a month; the moderator may change the grade ("grading after moderation"); a disputed audit is
moderated by a senior manager from a service not connected with the case.

- `run`: the use cases, each taking the workspace (`select_sample`, `make_moderator_copies`, `record_dispute`,
  `agreement`), returning a result object; the command line and any other front end call these.
- `moderators.read_moderators(path) -> ModeratorList`: the moderators list (Name, Role, Service, E-mail, Teams).
- `select.choose_sample(audits, library, moderators, team_services=…, month=…, today=…, settings=…, seed=…)
  -> Sample` (pure): which audits, who moderates each, and why; `Sample.events(on)` for the register.
- `forms.plan_copies(audits, library)` and `forms.make_copies(...)`: the moderators' copies of the returned forms;
  `forms.moderator_copy(data, suffix, spec, moderator)` makes one (the lock itself: `forms.docx.moderation`,
  `forms.xlsx.moderation`).
- `dispute.dispute_problems(audit, senior, people, settings)` and `dispute.dispute_event(...)`.
- `outcome.audit_moderation(audit, spec) -> AuditModeration`: one audit's moderation (moderator, date, grades,
  up/down/same); `outcome.moderated_events(audits, library)`: 'moderated' events for the run that records returns.
- `agreement.moderation_agreement(audits, library, first=…, last=…, year_audits=…, year=…) -> ModerationAgreement`:
  every agreement figure of a period, for the `agreement` command and the monthly report.
- `columns.moderation_columns(audit, library) -> {heading: value}`: the tracker's moderation columns.
- `settings.ModerationSettings`: the [moderation] settings (share, always_include, senior_roles).
"""
