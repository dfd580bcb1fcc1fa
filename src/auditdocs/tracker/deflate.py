"""Raw deflate for the tracker's big parts (its sheets' rows, compressed piece by piece): Intel's ISA-L (the
`isal` package) where it is installed, which compresses five times quicker than zlib at its quickest level and
as small, and inflates twice as quick; zlib otherwise. Either makes and reads the same format: what one
compressed, the other inflates (the pieces kept in a register by either are used by both)."""
from __future__ import annotations

import zlib

try:
    from isal import isal_zlib as _deflate
except ImportError:  # (a platform isal has no build for)
    _deflate = zlib

#: The library in use (the tests check that it is isal, installed with auditdocs).
LIBRARY = _deflate.__name__
QUICK = 1  # the level: a year's sheets are hundreds of megabytes of XML


def piece(raw: bytes) -> bytes:
    """`raw` compressed on its own as a piece of an entry: a raw deflate stream cut after a flush (no final block),
    which the next piece's data may follow (`stream.Package.add_pieces`)."""
    squeeze = compressor()
    return squeeze.compress(raw) + squeeze.flush(zlib.Z_SYNC_FLUSH)


def compressor():
    """A raw deflate compressor at the QUICK level; its pieces end with `flush(zlib.Z_SYNC_FLUSH)`."""
    return _deflate.compressobj(QUICK, zlib.DEFLATED, -15)


def inflated(data: bytes) -> bytes:
    """What a raw deflate piece holds."""
    return _deflate.decompressobj(-15).decompress(data)


def packed(raw: bytes) -> bytes:
    """`raw` compressed on its own, in the zlib format (at the QUICK level), for keeping (`unpacked` gives it back)."""
    return _deflate.compress(raw, QUICK)


unpacked = _deflate.decompress
crc32 = _deflate.crc32
#: The CRC-32 of A + B from A's, B's and B's length, in C where isal is installed (None otherwise: `stream.crc_combine`).
crc32_combine = getattr(_deflate, "crc32_combine", None)
