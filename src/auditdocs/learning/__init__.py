"""Learning from audits (issue 26): themes across audits, the learning session's pack, and what follows from
them. themes.py and sessions.py are pure; themes_book.py reads and writes themes.xlsx; run.py has the use cases."""
