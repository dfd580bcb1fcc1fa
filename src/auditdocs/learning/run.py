"""The use cases of themes and the session pack: `check_themes` (what is wrong with themes.xlsx), `themes_rows`
(the tracker's Themes sheet, a maker of `consolidate.more_sheets`) and `make_pack` (the session's pack in Word).
They return results; the front ends show them."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..domain import model as m
from ..domain.dates import long_date
from ..errors import UserError
from ..workspace import Workspace
from . import sessions as ss
from . import themes as th
from .themes import Problem

#: The tracker's Themes sheet's columns the tool fills (its people's: th.CORRECT, th.INSTEAD).
SHEET_NAME = th.SHEET


def themes_path(ws: Workspace, given: Path | None = None) -> Path:
    """The themes workbook: the one given, else the workspace's themes.xlsx."""
    if given is not None:
        return Path(given)
    if ws.settings_file is None:
        raise UserError(f"give the themes workbook with --themes FILE, or run inside a workspace (see 'auditdocs "
                        f"init'), which has {th.THEMES_FILE}.")
    return ws.folder / th.THEMES_FILE


def question_refs(library) -> frozenset[str]:
    """The refs and ids of every question and judgement of the forms (what a theme may belong to)."""
    return frozenset(x for spec in library.current() for f in spec.fields for x in (f.ref, f.item) if x)


@dataclass
class Vocabulary:
    path: Path
    themes: list[th.Theme]
    sessions: list[ss.Session]
    problems: list[Problem] = field(default_factory=list)


def read_vocabulary(path: Path, refs: frozenset[str] | None = None) -> Vocabulary:
    """The themes and sessions of a themes workbook, with the problems of its rows (those rows left out)."""
    from .themes_book import read_sheets

    sheets = read_sheets(path)
    problems: list[Problem] = []
    themes: list[th.Theme] = []
    sessions: list[ss.Session] = []
    if th.SHEET in sheets:
        headings, rows, at = sheets[th.SHEET]
        themes, more = th.themes_from_rows(headings, rows, file=str(path), heading_row=at, refs=refs)
        problems += more
    else:
        problems.append(Problem(str(path), th.SHEET, 1, f"there is no sheet '{th.SHEET}': add it, with the headings "
                                                        f"{', '.join(c[0] for c in th.COLUMNS.values())}."))
    if ss.SHEET in sheets:
        headings, rows, at = sheets[ss.SHEET]
        sessions, more = ss.sessions_from_rows(headings, rows, file=str(path), heading_row=at)
        problems += more
    return Vocabulary(Path(path), themes, sessions, problems)


@dataclass
class ThemesCheck:
    vocabulary: Vocabulary

    @property
    def needs_attention(self) -> bool:
        return bool(self.vocabulary.problems)

    def lines(self) -> list[str]:
        v = self.vocabulary
        lines = [str(p) for p in v.problems]
        if v.problems:
            n = len(v.problems)
            lines.append(f"{n} problem{'s' * (n != 1)} in {v.path.name}: correct {'them' if n != 1 else 'it'} and run "
                         "'auditdocs learning themes check' again.")
        said = (f"{v.path.name} has {len(v.themes)} theme{'s' * (len(v.themes) != 1)} and {len(v.sessions)} "
                f"session{'s' * (len(v.sessions) != 1)}")
        return lines + [f"{said} that could be read; the rows with problems were left out." if v.problems
                        else f"{said}; no problems."]


def check_themes(ws: Workspace, path: Path | None = None) -> ThemesCheck:
    """Read the themes workbook (the workspace's, or `path`) and check every row against the forms."""
    return ThemesCheck(read_vocabulary(themes_path(ws, path), question_refs(ws.library())))


def workspace_themes(folder: Path | None) -> list[th.Theme]:
    """The themes the tracker is tagged with: those of the workspace's themes.xlsx that could be read, else (no
    workspace, or no such file) the framework's."""
    return themes_and_note(folder)[0]


def themes_and_note(folder: Path | None) -> tuple[list[th.Theme], str]:
    """`workspace_themes`, and what whoever runs the command should be told when themes.xlsx has problems ('' when
    it has none)."""
    path = Path(folder) / th.THEMES_FILE if folder is not None else None
    if path is None or not path.is_file():
        return th.default_themes(), ""
    check = "Run 'auditdocs learning themes check' to see what to put right."
    try:
        vocabulary = read_vocabulary(path)
    except UserError as exc:
        return [], f"nothing was tagged with themes: {exc.message} {check}"
    if any(p.sheet == th.SHEET for p in vocabulary.problems):
        n = sum(p.sheet == th.SHEET for p in vocabulary.problems)
        return vocabulary.themes, (f"the workspace's {th.THEMES_FILE} has {n} theme row{'s' * (n != 1)} with "
                                   f"problems, left out of the tagging. {check}")
    return vocabulary.themes, ""


#: The tags (with their texts) of each version read with an open register: register -> (content hash, form,
#: version, themes) -> tags.
_TAGS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def audit_tags(reg, audits: list[m.RegisteredAudit], library, themes: list[th.Theme]) -> list[th.Tag]:
    """The tags of every complete audit's evidence (its version in use, read whole from the register)."""
    tags = []
    known = _TAGS.setdefault(reg, {})
    for a in audits:
        current = a.current
        spec = library.get(a.form_id, a.form_version)
        if current is None or current.status != "complete" or spec is None or not themes:
            continue
        where = (current.content_hash, spec.id, spec.version, tuple(themes))
        if where not in known:
            record = reg.record_of(current.content_hash)
            known[where] = th.tag_texts(th.evidence_texts(spec, record), themes) if record is not None else []
        tags += [replace(t, audit_id=a.audit_id, month=a.month, service=a.service, team=a.team) for t in known[where]]
    return tags


#: Change it when tagging would find other tags in the same texts with the same themes: the tags the register
#: keeps (`Register.theme_tags`) are then made again.
TAGGER = "1"


def tags_signature(spec: m.FormSpec, themes: list[th.Theme]) -> str:
    """What an audit's tags are made from, besides its content: the tagger, its form spec and the themes."""
    made_from = [TAGGER, spec.id, spec.version, [[t.name, t.phrases, t.questions] for t in themes]]
    return hashlib.sha256(json.dumps(made_from, ensure_ascii=False).encode("utf-8")).hexdigest()


#: The Themes sheet lists the tags of the audits of the latest months only: a year's tags are too many to read
#: through (and to write on every run). The counts, the pack, the bulletin and the reports take every tag.
THEMES_SHEET_MONTHS = 3


def tags_kept(spec: m.FormSpec, record: m.AuditRecord | None, themes: list[th.Theme]) -> list[list]:
    """The tags of a record's evidence, as the register keeps them (`Register.keep_theme_tags`)."""
    tags = th.tag_texts(th.evidence_texts(spec, record), themes) if record is not None else []
    return [[t.field_id, t.field, t.ref, t.kind, t.theme, list(t.triggers), t.excerpt] for t in tags]


def _complete(audits: list[m.RegisteredAudit], library, themes: list[th.Theme]) -> list[tuple]:
    """(audit, content hash of its version in use, spec, tags signature) of every complete audit."""
    signatures: dict[tuple[str, int], str] = {}
    chosen = []
    for a in audits:
        current = a.current
        spec = library.get(a.form_id, a.form_version)
        if current is None or current.status != "complete" or spec is None:
            continue
        if (spec.id, spec.version) not in signatures:
            signatures[spec.id, spec.version] = tags_signature(spec, themes)
        chosen.append((a, current.content_hash, spec, signatures[spec.id, spec.version]))
    return chosen


def _tags_each(reg, chosen: list[tuple], themes: list[th.Theme]) -> Iterator[tuple[str, list]]:
    """(content, its kept tags) of each content chosen (`_complete`), one at a time: those the register keeps with
    the same signature, then the others made from the record and, when the register is open for writing, kept."""
    missing = {content: (spec, signature) for _, content, spec, signature in chosen}
    for content, tags in reg.theme_tags({content: signature for content, (_, signature) in missing.items()}):
        missing.pop(content, None)
        yield content, tags
    made = {content: (signature, tags_kept(spec, reg.record_of(content), themes))
            for content, (spec, signature) in missing.items()}
    if made and reg.writable:
        reg.keep_theme_tags(made)
    for content, (_, tags) in made.items():
        yield content, tags


def latest_months(audits: list[m.RegisteredAudit], months: int | None = None) -> list[m.RegisteredAudit]:
    """The audits of the latest `months` months (default THEMES_SHEET_MONTHS) that have a complete audit (the Themes
    sheet's)."""
    months = months or THEMES_SHEET_MONTHS
    done = [a.month for a in audits if a.month is not None and a.current is not None
            and a.current.status == "complete"]
    if not done:
        return []
    last = max(done)
    back = last.year * 12 + last.month - months  # the month before the first shown, counted from year 0
    first = dt.date(back // 12, back % 12 + 1, 1)
    return [a for a in audits if a.month is not None and a.month >= first]


#: Change it when the Themes sheet's rows are made otherwise from the same tags and audit: the rows the tracker keeps
#: written, audit by audit (`ThemesSheet.audits`' signatures), are then made again.
THEMES_ROWS = "1"


@dataclass
class ThemesSheet:
    """The tracker's Themes sheet, audit by audit (a year's sheet has tens of thousands of rows, and a re-run changes
    few audits): `audits`, (audit id, signature of what its rows are made from: its month, service, team, content and
    tags' signature) in the sheet's order; `rows(audit_ids)` makes the rows of those asked, `keys(audit_ids)` their
    row keys. `stale`: the audits whose tags the register does not keep (lost, or kept with another signature): their
    rows are made again, and their tags kept, whatever was kept of their rows. `note`: what whoever runs the command
    should be told of themes.xlsx ('' when nothing)."""

    audits: list[tuple[str, str]]
    stale: set[str]
    _chosen: list[tuple]
    _register: object
    _themes: list[th.Theme]
    note: str = ""

    def rows(self, audit_ids: set[str] | None = None) -> dict[str, list[tuple[str, dict]]]:
        """audit id -> its rows (row key, heading -> value), for each audit asked (default: all) that has tags."""
        out: dict[str, list[tuple[str, dict]]] = {}
        for a, tags in self._tags(audit_ids):
            out[a.audit_id] = [(_row_key(a.audit_id, field_id, theme),
                                {"Audit id": a.audit_id, "Month": a.month, "Service": a.service, "Team": a.team,
                                 "Ref": ref, "Field": shown, "Field id": field_id, "Kind": th.KINDS[kind],
                                 "Theme": theme, "Triggered by": "; ".join(words), "Excerpt": excerpt})
                               for field_id, shown, ref, kind, theme, words, excerpt in tags]
        return out

    def keys(self, audit_ids: set[str] | None = None) -> dict[str, list[str]]:
        """audit id -> its rows' keys (as `rows` gives them), for each audit asked (default: all)."""
        return {a.audit_id: [_row_key(a.audit_id, tag[0], tag[4]) for tag in tags]
                for a, tags in self._tags(audit_ids)}

    def _tags(self, audit_ids: set[str] | None) -> Iterator[tuple[m.RegisteredAudit, list]]:
        """(audit, its tags as the register keeps them) of each audit asked, one content at a time (a year's tags,
        with their excerpts, are not all held at once)."""
        part = [c for c in self._chosen if audit_ids is None or c[0].audit_id in audit_ids]
        if not part:
            return
        audits_of: dict[str, list[m.RegisteredAudit]] = {}
        for a, content, _, _ in part:
            audits_of.setdefault(content, []).append(a)
        for content, tags in _tags_each(self._register, part, self._themes):
            for a in audits_of.pop(content, []):
                yield a, tags


def _row_key(audit_id: str, field_id: str, theme: str) -> str:
    """A tag's row of the Themes sheet, as `Tag.key` (the tagger's theme)."""
    return th.Tag(audit_id, field_id, "", "", "", theme, (), "").key


def themes_sheet(given, every_month: bool = False) -> ThemesSheet:
    """The Themes sheet (see `ThemesSheet`): the audits of the latest months (THEMES_SHEET_MONTHS) with a complete
    version, with `every_month` those of every month (whose keys are the register's too)."""
    themes, note = themes_and_note(getattr(given, "folder", None))
    if not themes:
        return ThemesSheet([], set(), [], given.register, themes, note)
    chosen = _complete(given.audits if every_month else latest_months(given.audits), given.library, themes)
    audits = [(a.audit_id, hashlib.blake2b(json.dumps(
        [THEMES_ROWS, a.audit_id, a.month.isoformat() if a.month else None, a.service, a.team, content, signature],
        ensure_ascii=False).encode("utf-8"), digest_size=16).hexdigest()) for a, content, _, signature in chosen]
    tagged = given.register.theme_tags_kept()
    stale = {a.audit_id for a, content, _, signature in chosen if tagged.get(content) != signature}
    return ThemesSheet(audits, stale, chosen, given.register, themes, note)


def told_of_themes(given, note: str) -> None:
    """The note on themes.xlsx told to whoever runs the command that makes the sheet (consolidate), once."""
    told = getattr(given.register, "notes", None)
    if note and told is not None and note not in told:
        told.append(note)


def themes_rows(given) -> list[tuple[str, dict]]:
    """The tracker's Themes sheet (a maker of `consolidate.more_sheets.MAKERS`): a row per (audit, field, theme),
    for the audits of the latest months (THEMES_SHEET_MONTHS)."""
    sheet = themes_sheet(given)
    told_of_themes(given, sheet.note)
    rows = sheet.rows()
    return [row for audit_id, _ in sheet.audits for row in rows.get(audit_id, ())]


def themes_keys(given, kept: Callable[[list[tuple[str, str]]], dict[str, list[str]]] | None = None
                ) -> Callable[[str], bool]:
    """Whether a row key of the Themes sheet is one the register has, of any month (a row of an earlier month, no
    longer shown, is the register's: it goes; a row a person added stays). The keys of the latest months' audits
    are worked out first (`kept(audits)`: the keys kept for those of `ThemesSheet.audits` whose rows are kept written,
    by audit id; the others' from their tags); every month's only when a key is not among them (a month has left
    the sheet since it was written, or a person added a row): a year's tags are not read on every run."""
    shown: set[str] | None = None
    every: set[str] | None = None
    latest: set[str] = set()  # the latest months' audits

    def known(key: str) -> bool:
        nonlocal shown, every
        if shown is None:  # (worked out when first asked: a tracker without a Themes sheet never asks)
            sheet = themes_sheet(given)
            latest.update(audit_id for audit_id, _ in sheet.audits)
            found = kept(sheet.audits) if kept is not None and sheet.audits else {}
            shown = {k for keys in found.values() for k in keys}
            shown.update(k for keys in sheet.keys(latest - set(found)).values() for k in keys)
        if key in shown:
            return True
        if every is None:
            earlier = themes_sheet(given, every_month=True)
            every = shown | {k for keys in earlier.keys({audit_id for audit_id, _ in earlier.audits} - latest).values()
                             for k in keys}
        return key in every

    return known


# ---- the session's pack ----------------------------------------------------------------------


@dataclass
class PackMade:
    title: str
    path: Path
    audits: int  # in scope, of the session's month
    tags: int
    warnings: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [f"Learning pack for {self.title}: {self.audits} audit{'s' * (self.audits != 1)} in scope, "
                f"{self.tags} theme tag{'s' * (self.tags != 1)}.", f"  Word: {self.path}"]


def session_of(vocabulary: Vocabulary, on: str) -> ss.Session:
    from ..domain.dates import parse_date

    day = parse_date(on)
    if day is None:
        raise UserError(f"'{on}' is not a date: give the session's date as 2026-12-08.")
    return ss.find_session(vocabulary.sessions, day, str(vocabulary.path))


def make_pack(ws: Workspace, *, session: str | None = None, month: str | None = None, out: Path | None = None,
              themes: Path | None = None, today: dt.date | None = None, now: dt.datetime | None = None) -> PackMade:
    """The pack of the session on `session` (a date of the Sessions sheet: its month, services and activities), or
    of every audit of `month` ('YYYY-MM'), written into `out` (default: the workspace folder). Anonymous."""
    from ..files import write_atomic
    from ..report.figures import report_figures
    from ..report.make import audits_for
    from ..report.period import Period, month_period, trend_months
    from .pack import pack_content, render_pack

    if bool(session) == bool(month):
        raise UserError("give the session's date (--session 2026-12-08) or a month (--month 2026-11), not both.")
    today = today or dt.date.today()
    path = themes_path(ws, themes) if (themes or ws.settings_file or session) else None
    vocabulary = read_vocabulary(path) if path is not None and (path.is_file() or session) else None
    chosen = session_of(vocabulary, session) if session else None
    vocab = vocabulary.themes if vocabulary is not None else th.default_themes()
    period = Period(chosen.month, chosen.month) if chosen else month_period(month)
    settings = ws.settings("report")
    library = ws.library()
    with ws.open_register() as reg:
        audits = [a for a in audits_for(reg, period, library, settings) if chosen is None or chosen.holds(a)]
        if not any(period.holds(a.month) for a in audits):
            scope = f" in the scope of the session ({chosen.scope_words})" if chosen else ""
            raise UserError(f"the register {reg.path} has no audits of {period.label}{scope}. Check the session's "
                            "month and its services or teams in the Sessions sheet, or the register.")
        figures = report_figures(audits, period, library, today, settings, anonymous=True)
        months = trend_months(period, settings.trend_months)
        recent = [a for a in audits if a.month is not None and months[0] <= a.month <= period.last]
        months = [mo for mo in months if any(a.month == mo for a in recent)]  # the months with audits in scope
        tags = th.corrected(audit_tags(reg, recent, library, vocab), reg.tracker_columns(th.SHEET), vocab)
    title = chosen.title if chosen else f"{period.label} audits"
    content = pack_content(
        title=title, when=long_date(chosen.on) if chosen else period.label,
        scope=chosen.scope_words if chosen else "every service; every activity", figures=figures, tags=tags,
        themes=vocab, months=months, month=period.first,
        specs={a.audit_id: s for a in recent if (s := library.get(a.form_id, a.form_version)) is not None},
        audits={a.audit_id: a for a in recent})
    when = (now or dt.datetime.now(dt.timezone.utc)).replace(microsecond=0)
    folder = Path(out) if out is not None else ws.folder
    name = f"Learning pack {chosen.on.isoformat()}.docx" if chosen else f"Learning pack {period.key}.docx"
    written = write_atomic(folder / name, render_pack(content, when), private=True)  # it quotes auditors
    warnings = [str(p) for p in vocabulary.problems] if vocabulary is not None else []
    return PackMade(title, written, sum(period.holds(a.month) for a in audits),
                    sum(t.month == period.first for t in tags), warnings, [written])
