"""Is this file an extract at all? Answered from the whole file before anything is written.

One pass over the bytes gives the SHA-256 recorded on the ImportBatch, proves the
text is UTF-8 (so a bad byte can never surface half-way through an import), and
recognises files that are plainly something else (a spreadsheet, a PDF, UTF-16).
"""

from __future__ import annotations

import codecs
import hashlib
from dataclasses import dataclass
from pathlib import Path

from appointments.importing.models import ImportFormat

BLOCK = 1 << 20
# A FHIR Bundle is parsed whole; larger extracts should come as CSV, which streams.
MAX_FHIR_BYTES = 256 * 1024 * 1024

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "a zip or Excel (.xlsx) file; export the extract as CSV"),
    (b"\xd0\xcf\x11\xe0", "an old Excel (.xls) or Word file; export the extract as CSV"),
    (b"%PDF", "a PDF"),
    (b"\xff\xfe", "UTF-16 text; save the extract as UTF-8 CSV"),
    (b"\xfe\xff", "UTF-16 text; save the extract as UTF-8 CSV"),
    (b"\x1f\x8b", "a gzip file; decompress it first"),
)


class ExtractRefused(Exception):
    """The file is not an extract Attend can read; nothing has been written."""


@dataclass(frozen=True)
class FileFacts:
    sha256: str
    size: int
    format: str


def inspect(path: str | Path) -> FileFacts:
    """Hash and check the file; ExtractRefused (with a message for the person) if it is not an extract."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
    size = 0
    first = b""
    with open(path, "rb") as handle:
        while block := handle.read(BLOCK):
            if not size:
                first = block[:16]
                for signature, what in _SIGNATURES:
                    if block.startswith(signature):
                        raise ExtractRefused(f"This is not a CSV or FHIR extract: it is {what}.")
                # A NUL in the header line means binary data; one in a later row is that row's
                # problem (reported with its line), so the good rows beside it still land.
                if b"\x00" in block.split(b"\n", 1)[0]:
                    raise ExtractRefused("This is not a text file (it contains NUL bytes); export the extract as CSV.")
            digest.update(block)
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                raise ExtractRefused(
                    f"The file is not UTF-8 text (byte {size + exc.start:,} cannot be read). "
                    "Save the extract as UTF-8 CSV and import it again."
                ) from None
            size += len(block)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise ExtractRefused("The file is not UTF-8 text (it ends part-way through a character).") from None
    if not first.strip().removeprefix(codecs.BOM_UTF8).strip():
        raise ExtractRefused("The file is empty.")
    is_fhir = first.removeprefix(codecs.BOM_UTF8).lstrip().startswith(b"{")
    if is_fhir and size > MAX_FHIR_BYTES:
        raise ExtractRefused(f"A FHIR Bundle may be at most {MAX_FHIR_BYTES // 2**20} MB; send larger extracts as CSV.")
    return FileFacts(digest.hexdigest(), size, ImportFormat.FHIR if is_fhir else ImportFormat.CSV)
