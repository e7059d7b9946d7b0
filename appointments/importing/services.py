"""The import run: check the file, stream its rows through validation, write in
chunks, record everything on an ImportBatch.

A file that is not an extract (wrong type, bad encoding, missing required columns,
no rows) is refused before the first chunk is written, so nothing lands. After that,
bad rows are skipped and recorded with their line, column and reason; good rows land.
"""

from __future__ import annotations

import logging
import queue
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Generator, Iterator
from contextlib import closing, contextmanager
from functools import partial
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from appointments.importing import files, fingerprints
from appointments.importing.csv_source import CsvSource
from appointments.importing.fhir import FhirSource
from appointments.importing.files import ExtractRefused
from appointments.importing.fingerprints import ImportFingerprints
from appointments.importing.layouts import layout_named
from appointments.importing.mapping import Mapping, load_mapping
from appointments.importing.models import ImportBatch, ImportFormat, ImportRowError, ImportStatus
from appointments.importing.validation import RowError, RowValidator
from appointments.importing.writing import UNMATCHED_EXAMPLES, BatchWriter, withdraw_entered_in_error
from appointments.importing.writing_postgres import Stager, stager_for, writer_for

logger = logging.getLogger(__name__)

# Rows per transaction: each chunk costs a few round trips, so larger is faster, up to memory.
CHUNK_ROWS = 50_000
# A chunk is handed to the writing thread once that thread is idle and the chunk has a multiple
# of SOONEST_ROWS rows, so writing starts soon after reading does and the database never waits
# for a chunk bigger than it needed: chunks size themselves to how fast this machine reads and
# writes (each next one is read while the one before is written).
SOONEST_ROWS = 2_000
_BLOCK_ROWS = 500  # rows staged at a time, and how often the writer's idleness is asked
# A file of nothing but bad rows still gets a full count; the report keeps this many.
MAX_REPORTED_PROBLEMS = 100_000

Progress = Callable[[int], None]  # called with characters read so far


def create_batch(*, file_name: str, uploaded_by=None, file=None, mapping_file=None, layout: str = "") -> ImportBatch:
    """A pending batch; `layout` (a built-in layout's name) is what an upload asked for."""
    return ImportBatch.objects.create(
        file_name=file_name[:255],
        uploaded_by=uploaded_by,
        file=file or "",
        mapping_file=mapping_file or "",
        layout=layout,
    )


def start_import(*, upload, uploaded_by, mapping_file=None, layout: str = "") -> ImportBatch:
    """Store an uploaded extract as a pending batch and have the Celery task import it once
    the caller's transaction commits (the API and the admin's upload page both call this)."""
    from appointments.tasks import process_import

    with transaction.atomic():
        batch = create_batch(
            file_name=Path(upload.name).name,
            uploaded_by=uploaded_by,
            file=upload,
            mapping_file=mapping_file,
            layout=layout,
        )
        process_import.delay_on_commit(batch.pk)
    return batch


class _ProblemLog:
    """Collects row problems and writes them in bulk, up to MAX_REPORTED_PROBLEMS."""

    def __init__(self, batch: ImportBatch) -> None:
        self.batch = batch
        self.pending: list[ImportRowError] = []
        self.stored = 0

    def add(self, problems: list[RowError]) -> None:
        # Called from the reading thread while `flush` may run in the writing one: `flush`
        # counts and swaps the list out in one step, so nothing is lost or stored twice.
        for p in problems:
            if self.stored + len(self.pending) >= MAX_REPORTED_PROBLEMS:
                self.batch.errors_truncated = True
                return
            self.pending.append(
                ImportRowError(
                    batch=self.batch, line=p.line, column=_storable(p.column), value=_storable(p.value[:200]),
                    reason=_storable(p.reason[:300]), severity=p.severity,
                )
            )  # fmt: skip

    def flush(self) -> None:
        if self.pending:
            pending, self.pending = self.pending, []
            self.stored += len(pending)
            ImportRowError.objects.bulk_create(pending, batch_size=2000)


def _storable(text: str) -> str:
    """Text quoted from a damaged row, safe to store: PostgreSQL refuses a NUL in any text
    column, so a NUL is shown as U+FFFD, the replacement character."""
    return text.replace("\x00", "\ufffd")


def _source(path: Path, fmt: str, mapping: Mapping) -> CsvSource | FhirSource:
    return FhirSource(path) if fmt == ImportFormat.FHIR else CsvSource(path, mapping)


def _finish(batch: ImportBatch, status: str, started: float, message: str = "") -> ImportBatch:
    batch.status = status
    batch.message = message
    batch.finished_at = timezone.now()
    batch.duration_seconds = round(time.monotonic() - started, 3)
    batch.save()
    return batch


def run_import(
    batch: ImportBatch,
    *,
    path: str | Path,
    mapping_path: str | Path | None = None,
    layout: str | None = None,
    progress: Progress | None = None,
    revalidate_all: bool = False,
) -> ImportBatch:
    """Import the extract at `path` into `batch` (already created); returns the finished batch.

    `layout` names a built-in layout (`layouts.LAYOUTS`); `mapping_path` a trust's mapping
    file instead; neither: the attend layout. Never raises for a bad file: a refusal or
    failure is the batch's status and message. Rows an earlier import took unchanged are
    left alone (`fingerprints`) unless `revalidate_all`.
    """
    started = time.monotonic()
    batch.status, batch.started_at = ImportStatus.RUNNING, timezone.now()
    batch.save(update_fields=["status", "started_at"])
    path = Path(path)
    try:
        facts = files.inspect(path)
        batch.file_sha256, batch.file_size, batch.format = facts.sha256, facts.size, facts.format
        if layout and mapping_path:
            raise ExtractRefused("Give a layout or a mapping file, not both.")
        mapping = layout_named(layout) if layout else load_mapping(mapping_path)
        batch.layout = mapping.name or "attend"
        source = _source(path, facts.format, mapping)
        validator = RowValidator(mapping)
        if isinstance(source, CsvSource):
            validator.rules.headers = source.headers  # filled when the header is read: rules name the file's headers
        prints = ImportFingerprints(source, mapping, validator.rules) if fingerprints.applies(source) else None
        _import_rows(batch, source, validator, progress, prints, revalidate_all=revalidate_all)
    except ExtractRefused as exc:
        logger.info("Import %s refused: %s", batch.pk, exc)
        return _finish(batch, ImportStatus.REFUSED, started, str(exc))
    except Exception as exc:
        logger.exception("Import %s failed", batch.pk)
        return _finish(batch, ImportStatus.FAILED, started, f"The import stopped part-way: {exc}")
    return _finish(batch, ImportStatus.SUCCEEDED, started)


def _located(source: CsvSource | FhirSource, problems: list[RowError]) -> list[RowError]:
    """A FHIR entry's problems name the element and resource they came from (`FhirSource.located`),
    which must be asked before the source reads on; a CSV row's column is already its place."""
    return source.located(problems) if isinstance(source, FhirSource) else problems


def _valid_chunks(
    batch: ImportBatch,
    source: CsvSource | FhirSource,
    validator: RowValidator,
    log: _ProblemLog,
    prints: ImportFingerprints | None,
    skip: bytes | bytearray,
    stager: Stager | None,
    wanted: Callable[[], bool] = lambda: False,
) -> Iterator[tuple[list, bytes | None]]:
    """(rows to write, the writer's stage of them) per chunk, of CHUNK_ROWS rows or fewer when the
    writer is idle (`wanted`). The stage is made a block of rows at a time as they are read, so
    little is left to stage when a chunk is handed over; the fingerprints of rows taken with no
    problem go into it, and the writer stores each with its appointment."""
    chunk: list = []
    clean: dict[str, tuple[str, str]] = {}  # appointment_id → (digest, rules fired), of the rows not yet staged
    staged = 0  # the chunk's rows before this are staged
    rows = source.rows(skip=skip, lines_are_records=prints.lines_are_records) if prints and skip else source.rows()
    for line, values, problem in rows:
        batch.rows_read += 1
        if values is None:
            withdrawn = line in source.withdrawals
            if withdrawn:
                batch.rows_withdrawn += 1
            else:
                batch.rows_rejected += 1
            severity = "warning" if withdrawn else "error"
            log.add(_located(source, [RowError(line, "", "", problem or "unreadable row", severity)]))
            continue
        appointment, patient, problems = validator.validate(line, values)
        rules = prints.rules.fired.take() if prints else ""
        if problems:
            log.add(_located(source, problems))
        if appointment is None:
            batch.rows_rejected += 1
            continue
        chunk.append((appointment, patient))
        if prints:
            prints.see(patient)
            if not problems:
                clean[appointment.pas_id] = (prints.digest(source.record), rules)
        full = len(chunk) >= CHUNK_ROWS
        if full or not len(chunk) % _BLOCK_ROWS:
            if stager:
                stager.add(chunk[staged:], clean)
                clean, staged = {}, len(chunk)
            if full or (len(chunk) >= SOONEST_ROWS and wanted()):
                yield chunk, stager.take() if stager else None
                chunk, staged = [], 0
    if chunk:
        if stager:
            stager.add(chunk[staged:], clean)
        yield chunk, stager.take() if stager else None


_DONE = object()
# How long the reading thread may keep the interpreter before the writing thread, whose query
# has returned, gets it back: the default 5 ms, at every one of a chunk's round trips, left
# the database idle for a fifth of a first import while rows were validated.
_SWITCH_INTERVAL = 0.0005


@contextmanager
def _prompt_thread_switches() -> Iterator[None]:
    before = sys.getswitchinterval()
    sys.setswitchinterval(min(before, _SWITCH_INTERVAL))
    try:
        yield
    finally:
        sys.setswitchinterval(before)


class _ReadAhead:
    """`make(wanted)`'s chunks, produced in a thread one chunk ahead of the caller, from the moment
    it is made; `wanted()` tells the producer that the caller is waiting for a chunk.

    Reading and validating is Python work; writing a chunk is mostly waiting for the
    database (which releases the GIL), so the next chunk is validated meanwhile, and each
    chunk's appointments are staged as COPY text here (`writing_postgres.staged_appointments`),
    so the writing thread only sends them. The reading thread touches no database; an
    exception in it is raised by the iteration, in order. `close` stops the thread and waits
    for it (the file is closed in that thread).
    """

    def __init__(self, make: Callable[[Callable[[], bool]], Generator[list, None, None]]) -> None:
        self._handoff: queue.Queue = queue.Queue(maxsize=1)
        self._stop = threading.Event()
        self._wanted = threading.Event()
        self._chunks = make(self._wanted.is_set)
        self._reader = threading.Thread(target=self._produce, name="attend-import-reader", daemon=True)
        self._reader.start()

    def _put(self, item: object) -> bool:
        while not self._stop.is_set():
            try:
                self._handoff.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _produce(self) -> None:
        try:
            for chunk in self._chunks:
                if not self._put((chunk, None)):
                    return
            self._put((_DONE, None))
        except BaseException as exc:  # handed to the consuming thread, which raises it
            self._put((None, exc))
        finally:
            self._chunks.close()  # when stopped early: closes the file in this thread, not at garbage collection

    def __iter__(self) -> Iterator[list]:
        while True:
            try:
                chunk, exc = self._handoff.get_nowait()
            except queue.Empty:
                self._wanted.set()
                chunk, exc = self._handoff.get()
                self._wanted.clear()
            if exc is not None:
                raise exc
            if chunk is _DONE:
                return
            yield chunk

    def close(self) -> None:
        self._stop.set()
        self._reader.join()


def _import_rows(
    batch: ImportBatch,
    source: CsvSource | FhirSource,
    validator: RowValidator,
    progress: Progress | None,
    prints: ImportFingerprints | None = None,
    *,
    revalidate_all: bool = False,
) -> None:
    log = _ProblemLog(batch)
    writer: BatchWriter | None = None
    skip = b""
    # With no row recorded yet (a first import) or every row to be validated, nothing can be left
    # alone, so the file is not scanned: the rows are read once, and digested as they are read.
    everything = prints is not None and (revalidate_all or not prints.anything_recorded())
    if prints is not None and not everything:
        skip = prints.plan()
        validator.given_earlier(prints.first_lines_left_alone(skip))
    elif everything:
        prints.prepare()  # before the reading thread starts: it reads the same header
    stager = stager_for()
    with (
        _prompt_thread_switches(),
        closing(_ReadAhead(partial(_valid_chunks, batch, source, validator, log, prints, skip, stager))) as chunks,
    ):
        for chunk, staged in chunks:
            # The header has been read by now, so the columns present are known.
            writer = writer or writer_for(source.columns_present)
            with transaction.atomic():
                writer.write(chunk, staged)
            log.flush()
            if progress:
                progress(source.chars_read)
    if prints is not None:
        with transaction.atomic():
            prints.forget_mixed()
    left_alone = getattr(source, "skipped", 0)
    batch.rows_read += left_alone
    if batch.rows_read == 0:
        raise ExtractRefused("The file has a header but no appointment rows.")
    with transaction.atomic():
        log.flush()
        if writer:
            counts = writer.counts
            batch.rows_created = counts.appointments_created
            batch.rows_updated = counts.appointments_updated
            batch.rows_unchanged = counts.appointments_unchanged
            batch.patients_created, batch.patients_updated = counts.patients_created, counts.patients_updated
            batch.new_codes = counts.new_codes_summary()
            batch.replanning = dict(counts.replanning)
        unmatched_postcodes = writer.counts.unmatched_postcodes if writer else set()
        unmatched_lsoas = writer.counts.unmatched_lsoas if writer else set()
        if prints is not None:
            batch.rows_unchanged += left_alone
            validator.rules.fired.update(prints.skipped_rules)
            unmatched_postcodes = unmatched_postcodes | prints.unmatched_postcodes
            unmatched_lsoas = unmatched_lsoas | prints.unmatched_lsoas
        batch.unmatched_postcodes = len(unmatched_postcodes)
        batch.unmatched_postcode_examples = sorted(unmatched_postcodes)[:UNMATCHED_EXAMPLES]
        batch.unmatched_lsoas = len(unmatched_lsoas)
        if source.withdrawals:
            _, replanning = withdraw_entered_in_error(set(source.withdrawals.values()))
            batch.replanning = dict(Counter(batch.replanning) + replanning)
        batch.rules_applied = validator.rules.summary()
        batch.save()
    if progress:
        progress(source.chars_read)


def import_extract(
    *,
    path: str | Path,
    mapping_path: str | Path | None = None,
    file_name: str | None = None,
    uploaded_by=None,
    layout: str | None = None,
    progress: Progress | None = None,
    revalidate_all: bool = False,
) -> ImportBatch:
    """Create an ImportBatch for the file and run it (the command line's entry point)."""
    batch = create_batch(file_name=file_name or Path(path).name, uploaded_by=uploaded_by)
    return run_import(
        batch, path=path, mapping_path=mapping_path, layout=layout, progress=progress, revalidate_all=revalidate_all
    )
