"""The team's pseudonymisation key: made once, kept safe, used for every export.

A pseudonym is HMAC-SHA256 of the value (a case number, an audit id, a team) under the key:
the same value always gets the same pseudonym with the same key, so exports made months apart
can be matched, and nobody without the key can work back from a pseudonym to the value, or
make the pseudonym of a case number they know. The key file is text (so it survives being
copied around), readable by its owner only.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UserError
from ..files import write_atomic

KEY_BYTES = 32
PSEUDONYM_CHARS = 12  # base32 characters: 60 bits, so two cases of a council never share one
KEY_HEADER = "auditdocs pseudonymisation key, version 1"
KEY_ADVICE = (
    "Keep the key safe: store it where only your team can reach it, never with the exports, and keep a "
    "copy (for example in the team's password manager). Lose it and new exports' pseudonyms can no longer "
    "be matched with earlier ones; anyone who has it and a list of case numbers can find who a pseudonym is."
)
KEY_NOTE = f"""{KEY_HEADER}
# Made by `auditdocs key new`. {KEY_ADVICE}
"""


def how_to_make(path: Path | str) -> str:
    return (f"make one with: auditdocs key new \"{path}\" (once, for the whole team), then use it for every "
            f"export. {KEY_ADVICE}")


@dataclass(frozen=True)
class PseudonymKey:
    secret: bytes = field(repr=False)  # never printed

    def _mac(self, kind: str, value: str) -> bytes:
        return hmac.new(self.secret, f"{kind}\x1f{value}".encode("utf-8"), hashlib.sha256).digest()

    def pseudonym(self, kind: str, value: str, prefix: str) -> str:
        """`prefix` + 12 characters from the keyed hash of `value` (spaces ignored, any case); "" for ""."""
        value = "".join(str(value or "").split()).upper()
        if not value:
            return ""
        return prefix + base64.b32encode(self._mac(kind, value)).decode("ascii")[:PSEUDONYM_CHARS]

    @property
    def key_id(self) -> str:
        """A short name for the key (not the key): two exports with the same key id can be matched."""
        return base64.b32encode(self._mac("key id", "")).decode("ascii")[:8]


def make_key_file(path: Path | str) -> Path:
    """A new random key at `path`, readable by its owner only; never over an existing file."""
    path = Path(path)
    if path.exists():
        raise UserError(f"{path} is already there, so no new key was made: an existing key is never replaced "
                        "(replacing it would break matching with earlier exports). Give another file name.")
    if not path.parent.is_dir():
        raise UserError(f"the folder {path.parent} does not exist. Make it first, or give another path for the key.")
    text = KEY_NOTE + base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii") + "\n"
    return write_atomic(path, text, private=True)


def load_key(path: Path | str) -> tuple[PseudonymKey, list[str]]:
    """The key in the file at `path`, and warnings (a key file others can read)."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"there is no key file at {path}, and exports are only made with the team's key: "
                        + how_to_make(path))
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"the key file {path} cannot be read ({getattr(exc, 'strerror', None) or exc}).") from None
    body = [line.strip() for line in lines[1:] if line.strip() and not line.lstrip().startswith("#")]
    try:
        secret = base64.b64decode(body[0], validate=True) if lines and lines[0].strip() == KEY_HEADER and body else b""
    except ValueError:
        secret = b""
    if len(secret) != KEY_BYTES:
        raise UserError(f"{path} is not an auditdocs key file (or it was changed): use the key file made by "
                        "'auditdocs key new'. If the team has lost it, " + how_to_make(path))
    warnings = []
    if os.name == "posix" and path.stat().st_mode & 0o077:
        warnings.append(f"the key file {path} can be read by other users of this computer: make it readable by "
                        f"you only (chmod 600 \"{path}\").")
    return PseudonymKey(secret), warnings
