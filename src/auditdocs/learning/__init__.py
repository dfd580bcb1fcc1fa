"""Learning from audits (issue 26): themes across audits, the learning session's pack, the organisational learning
log, the improvement plan and the bulletin. themes.py, sessions.py and log.py are pure; themes_book.py reads and
writes themes.xlsx; plan.py and bulletin.py make the documents; run.py and log_run.py have the use cases."""
