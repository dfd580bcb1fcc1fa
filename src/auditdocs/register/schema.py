"""The register's tables, and the steps that bring an older register file up to the current schema.

The schema version is in the file (SQLite's `user_version`), and `application_id` tells an
auditdocs register from any other SQLite file. `MIGRATIONS[n]` takes a register from version n
to n + 1; opening a register applies the steps it needs in one transaction, so a file is either
migrated whole or left as it was. A step is SQL, or a function `step(connection, register folder)` for
what SQL alone cannot do. To change the schema, add a step (never edit an old one) and
a test that migrates a file made at the version before.
"""
from __future__ import annotations

from .places import make_relative
from .values import choices_as_values

APPLICATION_ID = 0x41554454  # "AUDT"

MIGRATIONS: tuple[tuple, ...] = (
    # 0 -> 1: allocated audits, returned files and their records, events, tracker columns.
    (
        """CREATE TABLE audits (
            audit_id TEXT PRIMARY KEY,
            form_id TEXT NOT NULL,
            form_version INTEGER,
            case_number TEXT NOT NULL DEFAULT '',
            auditor TEXT NOT NULL DEFAULT '',
            auditor_key TEXT NOT NULL DEFAULT '',  -- casefolded, single spaces: for finding an auditor
            team TEXT NOT NULL DEFAULT '',
            service TEXT NOT NULL DEFAULT '',
            month TEXT NOT NULL DEFAULT '',  -- YYYY-MM, '' when not known
            due TEXT,  -- ISO date
            subject TEXT NOT NULL,  -- JSON: header field id -> value
            files TEXT NOT NULL DEFAULT '[]',  -- JSON list: the forms made
            source TEXT NOT NULL,
            recorded TEXT NOT NULL
        )""",
        "CREATE INDEX audits_month ON audits (month)",
        "CREATE INDEX audits_auditor ON audits (auditor_key, month)",
        "CREATE INDEX audits_case ON audits (case_number, month)",
        """CREATE TABLE contents (  -- what each distinct returned file said, parsed once
            content_hash TEXT PRIMARY KEY,
            audit_id TEXT NOT NULL DEFAULT '',  -- '' when the file could not be identified
            status TEXT NOT NULL,
            record BLOB NOT NULL  -- zlib-compressed JSON: the record in the JSON contract
        )""",
        "CREATE INDEX contents_audit ON contents (audit_id)",
        """CREATE TABLE files (  -- where each content was seen
            folder TEXT NOT NULL,
            path TEXT NOT NULL,  -- relative to folder
            content_hash TEXT NOT NULL REFERENCES contents (content_hash),
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL,
            PRIMARY KEY (folder, path, content_hash)
        )""",
        "CREATE INDEX files_content ON files (content_hash)",
        """CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            audit_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            on_date TEXT NOT NULL,
            who TEXT NOT NULL DEFAULT '',
            agreed_by TEXT NOT NULL DEFAULT '',
            agreed_role TEXT NOT NULL DEFAULT '',
            reason TEXT NOT NULL DEFAULT '',
            details TEXT NOT NULL DEFAULT '{}',
            recorded TEXT NOT NULL
        )""",
        "CREATE INDEX events_audit ON events (audit_id, on_date)",
        """CREATE TABLE tracker_cells (  -- managers' and QA officers' columns, as read from the tracker
            sheet TEXT NOT NULL,
            row_key TEXT NOT NULL,
            heading TEXT NOT NULL,
            value TEXT NOT NULL,  -- JSON [type, value]
            PRIMARY KEY (sheet, row_key, heading)
        )""",
        "CREATE INDEX tracker_cells_key ON tracker_cells (row_key)",
    ),
    # 1 -> 2: stable action identities; the auditor's role, the audit type and re-audit links.
    (
        """CREATE TABLE actions (
            action_id TEXT PRIMARY KEY,
            audit_id TEXT NOT NULL,
            table_id TEXT NOT NULL,
            form_row INTEGER NOT NULL,
            text TEXT NOT NULL DEFAULT '',
            row_values TEXT NOT NULL DEFAULT '{}',  -- JSON: column id -> value
            on_form INTEGER NOT NULL DEFAULT 1,
            status TEXT NOT NULL DEFAULT 'Open',
            done_on TEXT,
            first_seen TEXT NOT NULL
        )""",
        "CREATE INDEX actions_audit ON actions (audit_id)",
        "ALTER TABLE audits ADD COLUMN audit_type TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE audits ADD COLUMN auditor_role TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE audits ADD COLUMN re_audit_of TEXT NOT NULL DEFAULT ''",
        """UPDATE audits SET audit_type = coalesce(json_extract(subject, '$.audit_type'), '')""",
    ),
    # 2 -> 3: sign-offs, the version chosen among differing copies, the Exceptions sheet's rows, and the
    # tracker as last written (so that a run can tell whether anyone changed it since).
    (
        "ALTER TABLE actions ADD COLUMN signed_off_by TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE actions ADD COLUMN signed_off_on TEXT",
        "ALTER TABLE audits ADD COLUMN chosen TEXT NOT NULL DEFAULT ''",  # content hash; '': the latest
        """CREATE TABLE exceptions (  -- the rows of the tracker's Exceptions sheet, in order
            row_key TEXT PRIMARY KEY,
            position INTEGER NOT NULL,
            cells TEXT NOT NULL  -- JSON: heading -> [type, value]
        )""",
        """CREATE TABLE trackers (  -- each tracker as last written
            path TEXT PRIMARY KEY,
            sha256 TEXT NOT NULL,  -- of its bytes
            skeleton BLOB NOT NULL,  -- everything in it but the cells written from the register (xlsx)
            layouts TEXT NOT NULL,  -- JSON: sheet -> the row key of each row
            written TEXT NOT NULL
        )""",
        "CREATE INDEX trackers_sha256 ON trackers (sha256)",
        "ALTER TABLE contents ADD COLUMN form_id TEXT",  # NULL for contents recorded before: read from the record
        "ALTER TABLE contents ADD COLUMN form_version INTEGER",
        "ALTER TABLE contents ADD COLUMN content_check TEXT",  # model.content_check; NULL: work it out from the record
        "ALTER TABLE contents ADD COLUMN summary BLOB",  # cycle.summary_record, compressed; NULL: use the record
        """CREATE TABLE rendered (  -- the rows of the sheets nobody edits, as the tracker last held them (a cache)
            sheet TEXT NOT NULL,
            audit_id TEXT NOT NULL,
            signature TEXT NOT NULL,  -- what they were made from: the content, its spec, the workbook's styles
            data BLOB NOT NULL,  -- deflated SpreadsheetML rows
            crc INTEGER NOT NULL,
            length INTEGER NOT NULL,
            rows INTEGER NOT NULL,
            meta TEXT NOT NULL DEFAULT '{}',  -- JSON: what else the tracker needs of them (their state…)
            PRIMARY KEY (sheet, audit_id)
        )""",
        # bumped whenever anything of the audit changes, so that its rows are made again
        "ALTER TABLE audits ADD COLUMN revision INTEGER NOT NULL DEFAULT 0",
    ),
    # 3 -> 4: the paths of the workspace's files kept relative to the register's folder (a workspace moved or
    # copied keeps working); the rows kept for the tracker made again (their file locations likewise).
    (
        make_relative,
        "DELETE FROM rendered",
    ),
    # 4 -> 5: records hold each choice's value (the option's id in the spec), not its label (see `values`).
    (
        choices_as_values,
    ),
    # 5 -> 6: the audit programme's activity each audit belongs to ('' : the month's control sample), whether it
    # counts toward the auditor's ten a year, and the others auditing it with the auditor (a group audit).
    (
        "ALTER TABLE audits ADD COLUMN activity TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE audits ADD COLUMN activity_type TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE audits ADD COLUMN counts_toward_ten INTEGER NOT NULL DEFAULT 1",
        "ALTER TABLE audits ADD COLUMN audit_group TEXT NOT NULL DEFAULT '[]'",  # JSON: a list of names
        "CREATE INDEX audits_activity ON audits (month, activity)",
    ),
    # 6 -> 7: the organisational learning log (issue 26): the actions agreed at learning sessions.
    (
        """CREATE TABLE learning_log (
            log_id TEXT PRIMARY KEY,  -- LL-<year>-<n>
            kind TEXT NOT NULL,  -- strategic, learning, organisational
            finding TEXT NOT NULL,
            action TEXT NOT NULL DEFAULT '',
            owner TEXT NOT NULL DEFAULT '',
            service TEXT NOT NULL DEFAULT '',
            due TEXT,  -- ISO date
            themes TEXT NOT NULL DEFAULT '[]',  -- JSON: theme names
            audits TEXT NOT NULL DEFAULT '[]',  -- JSON: audit ids
            status TEXT NOT NULL DEFAULT 'Open',
            evidence TEXT NOT NULL DEFAULT '',
            recheck TEXT NOT NULL DEFAULT '',  -- the programme activity's name
            recheck_month TEXT NOT NULL DEFAULT '',  -- YYYY-MM
            added_on TEXT,
            source TEXT NOT NULL DEFAULT '',
            done_on TEXT,
            notes TEXT NOT NULL DEFAULT '',
            recorded TEXT NOT NULL
        )""",
    ),
    # 7 -> 8: each content's evidence tagged with the themes (a cache: made again when the themes or the tagger
    # change, so that a run tags only what it has not tagged before).
    (
        """CREATE TABLE theme_tags (
            content_hash TEXT PRIMARY KEY,
            signature TEXT NOT NULL,  -- what they were made from: the themes, the form spec, the tagger
            tags BLOB NOT NULL  -- deflated JSON: a list of [field id, field, ref, kind, theme, triggers, excerpt]
        )""",
    ),
    # 8 -> 9: each place's file as it was when its content was hashed (its size and times: `Register.known_by_stat`),
    # so that a run hashes only the files that changed since.
    (
        "ALTER TABLE files ADD COLUMN stat TEXT NOT NULL DEFAULT ''",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)
