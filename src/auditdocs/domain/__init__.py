"""The domain: what an audit is (model), where it stands and what follows (cycle), the calendar (dates) and
who a form is about (identity). No file formats and no storage here: every other package builds on these."""
