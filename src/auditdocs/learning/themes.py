"""Themes of practice across audits: the council's vocabulary, evidence tagged with it, and the counts. Pure: no files.

A theme is a name, the words and phrases that show it, and the questions it belongs to (their refs, as the forms
number them, or any). A text is tagged with a theme when it holds one of its words or phrases as whole words, case
ignored, with the simple endings tolerated ("delay" finds "delays", "delayed" and "delaying"; "chronology" finds
"chronologies"). No guessing: every tag keeps the words that triggered it, so a QA officer can see why, and
correct it in the tracker's Themes sheet ("Correct?" No, or another theme in "Theme instead"): the correction
wins over the tagger in every count.

The texts tagged are the evidence of returned audits (`evidence_texts`): what is working well (a strength), what
we are worried about (a worry), the evidence of each question (a strength when answered Yes, a worry when No or
Partially) and the rationale of each judgement (a strength in the better half of its scale, a worry in the other).
"""
from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from dataclasses import field as dc_field
from functools import lru_cache
from typing import Iterable

from ..domain import model as m
from ..domain.model import name_key as key
from ..specs.loader import did_you_mean

SHEET = "Themes"
HELP_SHEET = "How to fill this in"
THEMES_FILE = "themes.xlsx"
ANY = "any"
STRENGTH, WORRY = "strength", "worry"
KINDS = {STRENGTH: "Strength", WORRY: "Worry", "": "Other evidence"}
#: The fields that say what is working well and what we are worried about (by id, else by their label's words).
STRENGTH_FIELDS, WORRY_FIELDS = ("working_well",), ("worried_about",)
STRENGTH_WORDS, WORRY_WORDS = ("working well",), ("worried",)
YES, CONCERNS = ("yes",), ("no", "partially")
NOT_GIVEN = "(not given)"
EXCERPT = 240  # characters of the text around the first trigger, for the tracker

#: The sheet's columns: attribute -> (heading, other headings accepted, width, help).
COLUMNS = {
    "name": ("Theme", ("theme name", "name"), 34, "The theme's name, as the reports show it. Each name once."),
    "phrases": ("Words and phrases", ("words and phrases (one a line)", "words", "phrases", "triggers"), 60,
                "The words and phrases that show the theme, one a line. A text is tagged when it holds one as whole "
                "words (case ignored; 'delay' also finds 'delays', 'delayed', 'delaying')."),
    "questions": ("Questions it belongs to", ("questions", "question refs", "refs"), 30,
                  "'any' (or empty) for every text; else the refs of the questions whose evidence it is looked for "
                  "in (as the forms number them, for example 2.1), one a line."),
}
BY_HEADING = {key(h): name for name, (heading, others, _, _) in COLUMNS.items() for h in (heading, *others)}

#: The framework's themes (seed 003): name, words and phrases, questions ('any').
DEFAULT_THEMES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("The child's voice and lived experience",
     ("voice of the child", "child's voice", "voice", "wishes and feelings", "lived experience", "seen alone",
      "views of the child", "child's views", "direct work", "advocate", "advocacy"), ANY),
    ("Chronology", ("chronology", "history", "journey of the child", "child's journey", "timeline"), ANY),
    ("Management oversight", ("management oversight", "manager's oversight", "oversight", "management decision",
                              "manager's rationale", "management direction"), ANY),
    ("Supervision", ("supervision", "reflective supervision", "case discussion"), ANY),
    ("Drift and delay", ("drift", "delay", "out of timescale", "timescales", "overdue", "waiting"), ANY),
    ("SMART plans", ("SMART", "smart plan", "outcome focused", "contingency plan", "clear actions"), ANY),
    ("Assessment quality", ("analysis", "analytical", "quality of the assessment", "risk assessment",
                            "single assessment", "assessment of need", "thorough assessment"), ANY),
    ("Multi-agency working", ("multi-agency", "multi agency", "partner agencies", "partners", "information sharing",
                              "strategy meeting", "core group", "professionals meeting", "agencies",
                              "health visitor", "school nurse"), ANY),
    ("Contextual safeguarding and exploitation", ("contextual safeguarding", "exploitation", "CSE", "CCE",
                                                  "county lines", "missing from home", "missing episode",
                                                  "went missing", "extra-familial", "grooming",
                                                  "trafficking", "gang"), ANY),
    ("Recording and jargon", ("recording", "case records", "case notes", "jargon", "acronyms", "child-focused language",
                              "written to the child"), ANY),
)


@dataclass(frozen=True)
class Theme:
    name: str
    phrases: tuple[str, ...]
    questions: tuple[str, ...] = ()  # the refs (or question ids) it belongs to; empty: any text
    row: int = 0  # its row in the sheet (0: built in)

    def applies_to(self, text: EvidenceText) -> bool:
        return not self.questions or any(q in (text.ref, text.question) for q in self.questions)

    @property
    def pattern(self) -> re.Pattern:
        return theme_pattern(self.phrases)

    @property
    def stems(self) -> tuple[str, ...] | None:
        return theme_stems(self.phrases)


def default_themes() -> list[Theme]:
    return [Theme(name, phrases) for name, phrases, _ in DEFAULT_THEMES]


@dataclass(frozen=True)
class Problem:
    """A cell of themes.xlsx that cannot be used: where, and what to do."""

    file: str
    sheet: str
    row: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}, sheet '{self.sheet}', row {self.row}: {self.message}"


def text_of(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def cell_lines(value) -> list[str]:
    """The entries of a cell: one a line (or separated by ';')."""
    return [line.strip() for line in re.split(r"[\n;]", text_of(value)) if line.strip()]


def find_headings(headings: list, file: str, sheet: str, row: int, needed: tuple[str, ...],
                  by_heading: dict[str, str], columns: dict) -> tuple[dict[str, int], list[Problem]]:
    """Which column holds what (attribute -> index), and a Problem for each needed heading missing."""
    found: dict[str, int] = {}
    for i, h in enumerate(headings):
        name = by_heading.get(key(text_of(h)))
        if name and name not in found:
            found[name] = i
    written = [text_of(h) for h in headings if text_of(h)]
    return found, [Problem(file, sheet, row, f"there is no '{columns[n][0]}' column: put the heading "
                                             f"'{columns[n][0]}' in row {row}{did_you_mean(columns[n][0], written)}.")
                   for n in needed if n not in found]


def themes_from_rows(headings: list, rows: list[tuple[int, list]], *, file: str, sheet: str = SHEET,
                     heading_row: int = 1, refs: frozenset[str] | None = None) -> tuple[list[Theme], list[Problem]]:
    """The themes of the sheet's rows (row number, cells), and a Problem for every row that cannot be used (the
    rows with problems are left out). `refs`: the question refs and ids of the forms, to check the questions."""
    found, problems = find_headings(headings, file, sheet, heading_row, ("name", "phrases"), BY_HEADING, COLUMNS)
    if problems:
        return [], problems
    themes: list[Theme] = []
    seen: dict[str, int] = {}

    def cell(cells, name):
        i = found.get(name)
        return cells[i] if i is not None and i < len(cells) else None

    for n, cells in rows:
        name = text_of(cell(cells, "name"))
        phrases = cell_lines(cell(cells, "phrases"))
        questions = cell_lines(cell(cells, "questions"))
        if not name and not phrases:
            continue
        wrong = []
        if not name:
            wrong.append(f"the words {', '.join(phrases[:3])} have no theme: write the theme's name in "
                         f"'{COLUMNS['name'][0]}'")
        elif key(name) in seen:
            wrong.append(f"the theme '{name}' is already in row {seen[key(name)]}: put all its words in one row, or "
                         "give this one another name")
        if name and not phrases:
            wrong.append(f"the theme '{name}' has no words or phrases: write them in '{COLUMNS['phrases'][0]}', "
                         "one a line")
        for p in phrases:
            if not any(ch.isalnum() for ch in p):
                wrong.append(f"'{p}' is not a word or phrase: write words, one phrase a line")
        chosen = () if [q.casefold() for q in questions] in ([], [ANY]) else tuple(questions)
        for q in chosen:
            if q.casefold() == ANY:
                wrong.append(f"'{ANY}' and question refs together: write either '{ANY}' or the refs")
            elif refs is not None and q not in refs:
                wrong.append(f"'{q}' is no question of the forms{did_you_mean(q, refs)}: write the question's ref "
                             "as the forms number it (for example 2.1), or 'any'")
        if wrong:
            problems += [Problem(file, sheet, n, w + ".") for w in wrong]
            continue
        seen[key(name)] = n
        themes.append(Theme(name, tuple(phrases), chosen, n))
    if not themes and not problems:
        problems.append(Problem(file, sheet, heading_row, "there are no themes: write a theme a row, with its words "
                                                          "and phrases."))
    return themes, problems


# ---- matching -------------------------------------------------------------------------------------

_VOWELS = "aeiou"


def _word_pattern(word: str) -> str:
    """A word with its simple endings: plural, -ed, -ing (and the spelling changes they bring)."""
    w = re.escape(word)
    lower = word.casefold()
    if len(word) <= 3 or not word[-1].isalpha():
        return w + "(?:s|es)?"
    if lower.endswith("e"):
        return re.escape(word[:-1]) + "(?:e|es|ed|ing)"
    if lower.endswith("y") and lower[-2] not in _VOWELS:
        return re.escape(word[:-1]) + "(?:y|ies|ied|ying)"
    last = re.escape(word[-1])
    double = f"|{last}ed|{last}ing" if lower[-1] not in _VOWELS + "wxy" and lower[-2] in _VOWELS else ""
    return w + f"(?:s|es|ed|ing{double})?"


#: A word of a phrase, with its apostrophes ("child's").
_PHRASE_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


def phrase_pattern(phrase: str) -> str:
    """A phrase as whole words, case ignored, each word with its simple endings, any spaces or a hyphen between
    words, and any apostrophe (’ or ')."""
    words = _PHRASE_WORD.findall(phrase)
    return r"[\s\-]+".join(re.sub(r"\\?['’]", "['’]", _word_pattern(w)) for w in words)


@lru_cache(maxsize=256)
def theme_pattern(phrases: tuple[str, ...]) -> re.Pattern:
    """Any of the phrases, as whole words (`phrase_pattern`), the longest first (so that "management oversight"
    is found whole, not as "oversight")."""
    parts = [phrase_pattern(p) for p in sorted(phrases, key=len, reverse=True)]
    if not any(parts):
        return re.compile(r"(?!)")  # no word to find
    return re.compile(r"(?<![^\W_])(?:" + "|".join(f"(?:{p})" for p in parts if p) + r")(?![^\W_])", re.IGNORECASE)


#: Letters `re.IGNORECASE` takes for one another although `str.lower` keeps them apart (`sre`'s equivalences):
#: each made the first of its kind.
_ALIKE = {"ı": "i", "ſ": "s", "µ": "μ", "ͅ": "ι", "ι": "ι", "ΐ": "ΐ", "ΰ": "ΰ", "ϐ": "β", "ϵ": "ε", "ϑ": "θ", "ϰ": "κ",
          "ϖ": "π", "ϱ": "ρ", "ς": "σ", "ϕ": "φ", "ẛ": "ṡ", "ﬅ": "ﬆ"}
_MAKE_ALIKE = str.maketrans(_ALIKE)
_ANY_ALIKE = re.compile("[" + "".join(_ALIKE) + "]")


def folded(text: str) -> str:
    """`text` as `re.IGNORECASE` compares it: lower case, letters it takes for one another made one. Where it is as
    long as `text` (nearly always), a word found in it is at the same place in `text`."""
    low = text.lower()
    return low.translate(_MAKE_ALIKE) if _ANY_ALIKE.search(low) else low


@lru_cache(maxsize=256)
def theme_stems(phrases: tuple[str, ...]) -> tuple[str, ...] | None:
    """What every match of one of `phrases` begins with, in a `folded` text: each phrase's first word without its
    last letter (endings change it) or up to its apostrophe. None when folding changes a word's length (the
    text is then searched whole)."""
    stems = set()
    for phrase in phrases:
        words = _PHRASE_WORD.findall(phrase)
        if not words:
            continue
        word = folded(words[0])
        if len(word) != len(words[0]):
            return None
        before = re.split("['’]", word, maxsplit=1)
        stems.add(before[0] if len(before) > 1 else word[:-1] or word)
    return tuple(sorted(stems))


@lru_cache(maxsize=64)
def _first_words(stems: tuple[tuple[str, ...] | None, ...]) -> tuple[re.Pattern | None, dict[str, tuple[int, ...]]]:
    """One look for the first words of several themes at once (`stems`: each theme's `theme_stems`). A pattern that
    finds, where any stem begins, the longest one beginning there (the stems grouped by their first letter: one
    test of that letter wherever a word could begin, not a test of every stem), and for each stem the themes (their
    places in `stems`) with a stem it begins with: those whose first words are found where it is."""
    every = {stem for own in stems if own for stem in own}
    if not every:
        return None, {}
    by_letter: dict[str, list[str]] = defaultdict(list)
    for stem in every:
        by_letter[stem[0]].append(stem[1:])
    pattern = re.compile("|".join(
        re.escape(letter) + "(?:" + "|".join(map(re.escape, sorted(rest, key=lambda r: (-len(r), r)))) + ")"
        for letter, rest in sorted(by_letter.items())))
    return pattern, {stem: tuple(i for i, own in enumerate(stems) if own and stem.startswith(own)) for stem in every}


#: The one character, not a letter or digit, that `folded` makes a letter (YPOGEGRAMMENI, to iota).
_FOLDS_TO_A_LETTER = "\u0345"


def _word_starts(text: str, low: str, stems: tuple[tuple[str, ...] | None, ...]) -> list[list[int]]:
    """For each of the themes' `stems` (see `_first_words`), every place in `low` (`text` folded) where one of its
    stems begins a word (in order). One pass for all themes: the places where any stem begins, found in one go
    (`finditer`, which goes on after the end of each: no word begins inside a stem, which is letters and digits,
    in `text` either, but after `_FOLDS_TO_A_LETTER`), else each looked for from the one before."""
    pattern, themes_of = _first_words(stems)
    places: list[list[int]] = [[] for _ in stems]
    if pattern is not None and _FOLDS_TO_A_LETTER not in text:
        for found in pattern.finditer(low):
            at = found.start()
            if at == 0 or not text[at - 1].isalnum():  # the search's own test: no letter or digit before
                for i in themes_of[found.group()]:
                    places[i].append(at)
        return places
    at = -1
    while pattern is not None and (found := pattern.search(low, at + 1)):
        at = found.start()
        if at == 0 or not text[at - 1].isalnum():  # the search's own test: no letter or digit before
            for i in themes_of[found.group()]:
                places[i].append(at)
    return places


def triggers(text: str, theme: Theme, low: str | None = None) -> tuple[str, ...]:
    """The words of `text` that show `theme` (as the text writes them, each once, in the text's order). Given
    `folded(text)`, the theme is searched for only where its phrases' first words begin (one look for them all,
    much quicker than the search through the whole of a long text), with the same matches."""
    if low is None or theme.stems is None or len(low) != len(text):
        return _triggers(theme.pattern.finditer(text))
    return _triggers(_matches_at(text, _word_starts(text, low, (theme.stems,))[0], theme.pattern))


def _matches_at(text: str, places: list[int], pattern: re.Pattern) -> list[re.Match]:
    """The matches of `pattern` in `text` that begin at one of `places` (in order), each after the one before
    (what `finditer` finds, when every match begins at one of them)."""
    matches, end = [], 0
    for at in places:
        if at >= end and (match := pattern.match(text, at)):
            matches.append(match)
            end = match.end()
    return matches


def _triggers(matches: Iterable[re.Match]) -> tuple[str, ...]:
    found: dict[str, str] = {}
    for match in matches:
        words = " ".join(match.group(0).split())
        found.setdefault(words.casefold(), words)
    return tuple(found.values())


def excerpt(flat: str, flat_low: str, words: tuple[str, ...], size: int = EXCERPT) -> str:
    """The part of a text around the first trigger, at most `size` characters: the text with its spaces made single
    (`flat`), and that case folded (`flat_low`)."""
    if len(flat) <= size:
        return flat
    at = min((i for w in words if (i := flat_low.find(w.casefold())) >= 0), default=0)
    start = max(0, min(at - size // 3, len(flat) - size))
    return ("…" if start else "") + flat[start:start + size].strip() + ("…" if start + size < len(flat) else "")


# ---- the evidence of an audit ----------------------------------------------------------------------


@dataclass(frozen=True)
class EvidenceText:
    """One text of a returned audit that themes are looked for in."""

    audit_id: str
    field_id: str
    field: str  # its label, as the form shows it
    ref: str  # the row of the form it sits in
    question: str  # the id of its item (question, judgement…)
    kind: str  # STRENGTH, WORRY or ""
    text: str


def _chosen_kind(spec: m.FormSpec, record: m.AuditRecord, item: str) -> str:
    """Strength or worry, from the answer of the item a text explains (its question or judgement)."""
    f = spec.field(item)
    option = f.scale.chosen(record.answers.get(f.id)) if f is not None and f.scale is not None else None
    if option is None or option.value == "na":
        return ""
    if f.part == "answer" and option.value in YES:
        return STRENGTH
    if f.part == "answer" and option.value in CONCERNS:
        return WORRY
    options = [o for o in f.scale.options if o.value != "na"]
    if option not in options:
        return ""
    return STRENGTH if 2 * options.index(option) < len(options) - 1 else WORRY


def evidence_texts(spec: m.FormSpec, record: m.AuditRecord) -> list[EvidenceText]:
    """The texts of a record that themes are looked for in (see the module's doc), in form order."""
    out = []
    for f in spec.fields:
        text = record.answers.get(f.id)
        if f.type != "text" or not isinstance(text, str) or not text.strip():
            continue
        label = f.label.casefold()
        if f.id in STRENGTH_FIELDS or any(w in label for w in STRENGTH_WORDS):
            kind = STRENGTH
        elif f.id in WORRY_FIELDS or any(w in label for w in WORRY_WORDS):
            kind = WORRY
        elif f.part == "evidence" or f.part == "comment" or f.part.endswith(".comment"):
            kind = _chosen_kind(spec, record, f.item)
        else:
            continue
        shown = f.label.split(" ", 1)[-1] if f.label.startswith(f.ref + " ") else f.label
        out.append(EvidenceText(record.audit_id, f.id, shown, f.ref, f.item, kind, text.strip()))
    return out


# ---- tags -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tag:
    """A text of an audit tagged with a theme, and the words that triggered it."""

    audit_id: str
    field_id: str
    field: str
    ref: str
    kind: str  # STRENGTH, WORRY or ""
    theme: str
    triggers: tuple[str, ...]
    excerpt: str
    text: str = dc_field(default="", repr=False)
    month: dt.date | None = None
    service: str = ""
    team: str = ""
    tagged_as: str = ""  # the tagger's theme, when a person put another
    confirmed: bool = False  # a person said the tag is right

    @property
    def key(self) -> str:
        """Its row of the tracker's Themes sheet (Audit id, Field id, Theme as tagged)."""
        return "\x1f".join((self.audit_id, self.field_id, self.tagged_as or self.theme))


def tag_texts(texts: list[EvidenceText], themes: list[Theme], audit: m.RegisteredAudit | None = None) -> list[Tag]:
    """Each text tagged with each theme it shows (of the themes that apply to its question)."""
    tags = []
    stems = tuple(theme.stems for theme in themes)
    patterns = [theme.pattern for theme in themes]
    for t in texts:
        low, flat = folded(t.text), None
        # one look for the first words of all the themes (None: folding changed the text's length, every theme
        # is searched for through the whole text)
        places = _word_starts(t.text, low, stems) if len(low) == len(t.text) else None
        for i, theme in enumerate(themes):
            quick = places is not None and stems[i] is not None
            if (quick and not places[i]) or not theme.applies_to(t):
                continue  # (none of its first words: nothing to search)
            matches = _matches_at(t.text, places[i], patterns[i]) if quick else patterns[i].finditer(t.text)
            if words := _triggers(matches):
                if flat is None:  # once a text, for the excerpts of all its tags
                    flat = " ".join(t.text.split())
                    flat_low = flat.casefold()
                tags.append(Tag(audit.audit_id if audit else t.audit_id, t.field_id, t.field, t.ref, t.kind, theme.name, words,
                                excerpt(flat, flat_low, words), t.text,
                                audit.month if audit else None, audit.service if audit else "",
                                audit.team if audit else ""))
    return tags


CORRECT, INSTEAD = "Correct?", "Theme instead"
NO_WORDS = {"no", "n", "false", "wrong", "0"}
YES_WORDS = {"yes", "y", "true", "right", "1"}


def corrected(tags: list[Tag], cells: dict[str, dict[str, object]], themes: list[Theme] = ()) -> list[Tag]:
    """The tags as the QA officer corrected them in the Themes sheet (`cells`: row key -> heading -> value, as
    `Register.tracker_columns` gives them): a tag marked "Correct?" No goes; one with a "Theme instead" counts for
    that theme (its name as the vocabulary writes it, when it is one of `themes`)."""
    names = {key(t.name): t.name for t in themes}
    out = []
    for tag in tags:
        typed = cells.get(tag.key, {})
        instead = text_of(typed.get(INSTEAD))
        answer = text_of(typed.get(CORRECT)).casefold()
        if instead:
            out.append(replace(tag, theme=names.get(key(instead), instead), tagged_as=tag.theme, confirmed=True))
        elif answer in NO_WORDS:
            continue
        else:
            out.append(replace(tag, confirmed=answer in YES_WORDS))
    return out


# ---- counts -------------------------------------------------------------------------------------------


@dataclass
class ThemeTable:
    """A table of counts: headings and rows (the first columns name, the rest count)."""

    headers: list[str]
    rows: list[list]


def _order(tags: list[Tag], themes: list[Theme]) -> list[str]:
    names = [t.name for t in themes]
    return names + sorted({t.theme for t in tags} - set(names))


def _audits(tags, **where) -> int:
    return len({t.audit_id for t in tags if all(getattr(t, k) == v for k, v in where.items())})


def theme_counts(tags: list[Tag], themes: list[Theme] = (), by: str | None = None,
                 every_theme: bool = True) -> ThemeTable:
    """How many audits show each theme in their worries and in their strengths (an audit counts once per theme and
    kind, however many of its texts show it). `by`: "service" or "team": a row per (service or team, theme) that
    has a tag. `every_theme`: without `by`, a row for each theme of the vocabulary even with no tag."""
    counted = ["In worries", "In strengths", "Audits"]
    if by is None:
        names = _order(tags, themes) if every_theme else [n for n in _order(tags, themes)
                                                          if any(t.theme == n for t in tags)]
        return ThemeTable(["Theme", *counted], [[n, _audits(tags, theme=n, kind=WORRY),
                                                  _audits(tags, theme=n, kind=STRENGTH), _audits(tags, theme=n)]
                                                 for n in names])
    groups: dict[str, list[Tag]] = defaultdict(list)
    for t in tags:
        groups[getattr(t, by) or NOT_GIVEN].append(t)
    rows = []
    for group in sorted(groups):
        for n in _order(groups[group], themes):
            if any(t.theme == n for t in groups[group]):
                rows.append([group, n, _audits(groups[group], theme=n, kind=WORRY),
                             _audits(groups[group], theme=n, kind=STRENGTH), _audits(groups[group], theme=n)])
    return ThemeTable([by.capitalize(), "Theme", *counted], rows)


def theme_trend(tags: list[Tag], months: list[dt.date], themes: list[Theme] = (), kind: str | None = WORRY) -> ThemeTable:
    """Each theme by month (`months`, oldest first): how many audits of the month show it (in their worries, or
    strengths, or any text when `kind` is None)."""
    per: Counter = Counter()
    for audit_id, theme, month in {(t.audit_id, t.theme, t.month) for t in tags
                                   if kind is None or t.kind == kind}:
        per[theme, month] += 1
    return ThemeTable(["Theme", *(f"{mo:%b %Y}" for mo in months)],
                      [[n, *(per[n, mo] for mo in months)] for n in _order(tags, themes)])
