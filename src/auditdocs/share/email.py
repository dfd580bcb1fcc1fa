"""E-mail drafts, as councils work: each auditor's forms (`generate --eml`) and each chase letter
(`chase --eml`), one .eml file each, for Outlook or Thunderbird to open, check and send.

auditdocs sends nothing and uses no network. A draft is an RFC 5322 message in UTF-8 with the
`X-Unsent: 1` header, which makes Outlook open it as a draft to send rather than as a message
received. Its To is the person's address from the auditors list's E-mail column (left for the
QA officer to fill in, and said so, where the list has none). An auditor's forms are attached, and
spread over several drafts when together they would be larger than the council's limit
(`EmailSettings.max_mb`, 20 MB unless the workspace's [email] settings say otherwise).
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from dataclasses import field as dc_field
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from pathlib import Path

from .. import naming
from ..domain.model import name_key
from ..files import write_atomic
from ..naming import safe_name
from .settings import EmailSettings

#: What each kind of form attached is, for the mail program.
MIME_TYPES = {
    ".docx": ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ".xlsx": ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}
HEADERS_ALLOWANCE = 8 * 1024  # the headers and the text of a draft, besides its attachments
MB = 1024 * 1024


@dataclass
class Drafts:
    """The drafts written, and what the QA officer should know (an address missing, a form too large)."""

    paths: list[Path] = dc_field(default_factory=list)
    warnings: list[str] = dc_field(default_factory=list)

    def lines(self, folder: Path) -> list[str]:
        """What the person who ran the command reads (the warnings go first, as warnings)."""
        n = len(self.paths)
        return [f"{n} e-mail draft{'s' * (n != 1)} written to {folder} (nothing was sent: open each in Outlook or "
                "Thunderbird, check it and send it)."]


def addresses(auditors: Path, settings, month: dt.date) -> dict[str, str]:
    """name (as `name_key`) -> e-mail address, from the auditors list's E-mail column (read as `allocate`
    reads it, with the workspace's allocation `settings`)."""
    from ..allocate.lists import read_auditors

    listed = read_auditors(auditors, settings, month)
    return {name_key(a.name): a.email.strip() for a in listed.auditors if a.email and "@" in a.email}


def forms_made(result, allocations, out: Path) -> tuple[dict[str, list[Path]], dict[str, dt.date]]:
    """The forms of a `generate` run (made now, or before and left alone), by auditor; and when each auditor's
    are due back (the latest due date, on a working day)."""
    from ..domain.dates import next_working_day, parse_date

    due_of = {a.audit_id: parse_date(a.values.get("due_date")) for a in allocations.allocations}
    forms: dict[str, list[Path]] = {}
    due: dict[str, dt.date] = {}
    for entry in result.entries:
        if entry.status in ("generated", "exists") and entry.file and (out / entry.file).is_file():
            forms.setdefault(entry.auditor, []).append(out / entry.file)
            if day := due_of.get(entry.audit_id):
                day = next_working_day(day)
                due[entry.auditor] = max(due.get(entry.auditor) or day, day)
    return forms, due


def encoded_size(size: int) -> int:
    """The bytes an attachment of `size` bytes takes in a message: base64, 76 characters and CRLF a line."""
    return math.ceil(size / 57) * 78


def in_batches(files: list[Path], limit: int) -> list[list[Path]]:
    """The files in order, in batches each of which fits in a message of `limit` bytes (a file larger than
    that on its own goes alone)."""
    batches: list[list[Path]] = []
    size = 0
    for path in files:
        grown = encoded_size(path.stat().st_size) + 512  # its part's headers
        if batches and batches[-1] and size + grown <= limit:
            batches[-1].append(path)
            size += grown
        else:
            batches.append([path])
            size = HEADERS_ALLOWANCE + grown
    return batches


def message(to_name: str, to_address: str, subject: str, body: str, attachments: list[Path] = (), *,
            sender: str = "", now: dt.datetime | None = None) -> bytes:
    """One draft as RFC 5322 bytes (CRLF line ends), UTF-8, marked unsent."""
    msg = EmailMessage(policy=SMTP)
    if sender:
        msg["From"] = sender
    if to_address:  # (else the QA officer fills it in)
        msg["To"] = Address(display_name=to_name, addr_spec=to_address)
    msg["Subject"] = subject
    msg["Date"] = format_datetime((now or dt.datetime.now()).astimezone())
    msg["Message-ID"] = make_msgid(domain="auditdocs.invalid")  # (not the computer's name)
    msg["X-Unsent"] = "1"  # Outlook opens it as a draft to send
    msg.set_content(body, charset="utf-8")
    for path in attachments:
        maintype, subtype = MIME_TYPES.get(path.suffix.lower(), ("application", "octet-stream"))
        msg.add_attachment(path.read_bytes(), maintype=maintype, subtype=subtype, filename=path.name)
    return msg.as_bytes()


def _path(folder: Path, who: str, taken: list[Path], part: int = 0, parts: int = 1) -> Path:
    """Where a draft to `who` goes: named for them, short enough for the whole path (`naming.fit`), and not
    one of the drafts already `taken` by this run (two names cut to the same: the second gets a number)."""
    end = (f" ({part} of {parts})" if parts > 1 else "") + ".eml"
    for n in range(1, len(taken) + 2):
        path = folder / naming.fit(folder, [(safe_name(who or "no one named", 80), True),
                                            ((f" {n}" if n > 1 else "") + end, False)])
        if path not in taken:
            return path
    raise AssertionError("unreachable: one of len(taken) + 1 names is free")


def forms_drafts(forms: dict[str, list[Path]], emails: dict[str, str], folder: Path, month: dt.date,
                 due: dict[str, dt.date | None], settings: EmailSettings, now: dt.datetime | None = None) -> Drafts:
    """One draft per auditor (`forms`: auditor -> their forms), their forms attached, split to fit
    `settings.max_mb`; `due`: auditor -> the date their forms are due back."""
    from ..domain.dates import long_date

    done = Drafts()
    limit = int(settings.max_mb * MB)
    for auditor, files in forms.items():
        address = emails.get(name_key(auditor), "")
        if not address:
            done.warnings.append(f"the auditors list gives no e-mail address for {auditor or '(no auditor named)'}: "
                                 "fill in To in their draft before sending it.")
        batches = in_batches(files, limit)
        for n, batch in enumerate(batches, start=1):
            if len(batch) == 1 and encoded_size(batch[0].stat().st_size) + HEADERS_ALLOWANCE > limit:
                done.warnings.append(f"{batch[0].name} is larger than the e-mail limit ({settings.max_mb:g} MB) on "
                                     "its own: it has a draft of its own, which your mail system may refuse.")
            part = f" ({n} of {len(batches)})" if len(batches) > 1 else ""
            when = f" by {long_date(due[auditor])}" if due.get(auditor) else ""
            body = "\n".join([
                f"Dear {auditor},", "",
                f"Attached {'are' if len(batch) != 1 else 'is'} {len(batch)} of your {len(files)} case file audit "
                f"form{'s' * (len(files) != 1)} for {month:%B %Y}{part}. Please complete each form in Word or Excel, "
                f"save it as it is (the same file, the same name) and send it back to the QA team{when}.", "",
                *[f"  - {path.name}" for path in batch], "",
                "Thank you."])
            data = message(auditor, address, f"Case file audits for {month:%B %Y}: your forms{part}", body, batch,
                           sender=settings.sender, now=now)
            done.paths.append(write_atomic(_path(folder, auditor, done.paths, n, len(batches)), data, private=True))
    return done


def letter_drafts(letters, emails: dict[str, str], folder: Path, today: dt.date, settings: EmailSettings,
                  now: dt.datetime | None = None) -> Drafts:
    """One draft per chase letter (`status.Letter`), to the person's address where the auditors list has it."""
    from ..domain.dates import long_date

    done = Drafts()
    for letter in letters:
        address = emails.get(name_key(letter.to), "")
        if not address:
            done.warnings.append(f"the auditors list gives no e-mail address for {letter.to or '(no one named)'}: "
                                 "fill in To in their draft before sending it.")
        subject = f"Case file audits: what is needed from you ({long_date(today)})"
        data = message(letter.to, address, subject, letter.text + "\n\nThank you.\n", sender=settings.sender, now=now)
        done.paths.append(write_atomic(_path(folder, f"{letter.to} ({letter.role})", done.paths), data, private=True))
    return done
