"""The PostgreSQL writer: the same contract as `writing.BatchWriter`, done set-based.

Each chunk is COPied into two session temporary tables, then one
INSERT … SELECT … ON CONFLICT DO UPDATE per table does the upsert, with the
deprivation rule as a join (its SQL twin, patients.deprivation.lookup.deprivation_join,
beside the Python one the portable writer uses) and the "what changed" answer read
from the same statement through a data-modifying CTE. Rows whose values have not
changed are filtered out by `IS DISTINCT FROM`, so a re-import rewrites nothing.
This is what keeps a million-row import within a small multiple of a raw COPY.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from django.db import connection, transaction

from appointments.changes import AppointmentChanges, announce_appointments_changed
from appointments.importing.validation import AppointmentValues, PatientValues
from appointments.importing.writing import APPOINTMENT_FIELDS, BatchWriter
from appointments.models import CANCELLED_CODES, HAPPENED_CODES, Appointment, Clinic, Site, Specialty
from patients.deprivation.lookup import deprivation_join
from patients.identifiers import postcode_key
from patients.models import Patient

PATIENT_STAGE = "attend_import_patient"
APPOINTMENT_STAGE = "attend_import_appointment"
# No keys on the stages: a chunk's ids are already unique (`write` keeps each id's last row),
# and nothing looks a row up in them by id.
STAGE_TABLES = f"""
CREATE TEMPORARY TABLE IF NOT EXISTS {PATIENT_STAGE} (
    hospital_number text, nhs_number text, date_of_birth date, sex text, ethnic_category text,
    postcode text, postcode_key text, lsoa text, mobile text, other_phone text, preferred_language text,
    interpreter_required boolean, given_name text, family_name text, communication_needs text, deceased boolean,
    date_of_death date, contact_name text, contact_phone text, contact_relationship text,
    address_line_1 text, address_line_2 text, address_line_3 text, address_line_4 text, address_line_5 text,
    address_line_6 text
);
CREATE TEMPORARY TABLE IF NOT EXISTS {APPOINTMENT_STAGE} (
    pas_id text, hospital_number text, site_code text, specialty_code text, clinic_code text,
    starts_at timestamptz, booked_at timestamptz, appointment_type text, medium text, attendance_code smallint,
    start_time_known boolean, age_at_appointment smallint, digest uuid, rules text
);
"""
PATIENT_STAGE_COLUMNS = (
    "hospital_number", "nhs_number", "date_of_birth", "sex", "ethnic_category", "postcode", "postcode_key",
    "lsoa", "mobile", "other_phone", "preferred_language", "interpreter_required", "given_name", "family_name",
    "communication_needs", "deceased", "date_of_death", "contact_name", "contact_phone", "contact_relationship",
    "address_line_1", "address_line_2", "address_line_3", "address_line_4", "address_line_5", "address_line_6",
)  # fmt: skip
# Patient fields the INSERT fills straight from the stage (the rest are derived or defaults).
PLAIN_PATIENT_FIELDS = (
    "nhs_number", "date_of_birth", "sex", "ethnic_category", "postcode", "mobile", "other_phone",
    "preferred_language", "interpreter_required", "given_name", "family_name", "communication_needs", "deceased",
    "date_of_death", "contact_name", "contact_phone", "contact_relationship", "address_line_1", "address_line_2",
    "address_line_3", "address_line_4", "address_line_5", "address_line_6",
)  # fmt: skip
APPOINTMENT_STAGE_COLUMNS = (
    "pas_id", "hospital_number", "site_code", "specialty_code", "clinic_code", "starts_at", "booked_at",
    "appointment_type", "medium", "attendance_code", "start_time_known", "age_at_appointment", "digest", "rules",
)  # fmt: skip
# The stage's columns an appointment's own takes its value from (the codes are looked up).
_FROM_STAGE = {"patient_id": "p.id", "site_id": "si.id", "specialty_id": "sp.id", "clinic_id": "c.id"}
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_NULL = "\\N"


def _in(codes: tuple) -> str:
    return "(" + ", ".join(str(int(code)) for code in codes) + ")"


def _text(value: str) -> str:
    return value.translate(_COPY_ESCAPES)


def _copy_texts(*values: str) -> str:
    """Values as tab-separated COPY text, escaped only when one needs it (most never do)."""
    joined = "\t".join(values)
    if "\\" in joined or joined.count("\t") != len(values) - 1 or "\n" in joined or "\r" in joined:
        return "\t".join(map(_text, values))
    return joined


def staged_appointments(
    rows: list[tuple[AppointmentValues, PatientValues]], digests: dict[str, tuple[str, str]] | None = None
) -> bytes:
    """A chunk's appointments as the stage's COPY text (the last row with an id wins), built by
    the thread that reads the rows, so the writing thread only sends it. `digests` gives
    appointment_id → (digest, rules fired) of the rows whose fingerprint the appointment is to keep."""
    digests = digests or {}
    moments: dict = {}  # a chunk's appointments share few start times: each written once
    lines = []
    no_digest = (_NULL, _NULL)
    for pas_id, a in {a.pas_id: a for a, _ in rows}.items():
        codes = _copy_texts(pas_id, a.hospital_number, a.site_code, a.specialty_code, a.clinic_code)
        starts = moments.get(a.starts_at) or moments.setdefault(a.starts_at, a.starts_at.isoformat())
        booked = a.booked_at.isoformat() if a.booked_at else _NULL
        digest, rules = digests.get(pas_id) or no_digest
        lines.append("\t".join((
            codes, starts, booked, _copy_texts(a.appointment_type, a.medium), str(a.attendance_code),
            "t" if a.start_time_known else "f", _NULL if a.age_at_appointment is None else str(a.age_at_appointment),
            digest, rules if rules is _NULL else _text(rules),
        )))  # fmt: skip
    return "".join(line + "\n" for line in lines).encode()


class PostgresBatchWriter(BatchWriter):
    def __init__(self, *, columns_present: frozenset[str]) -> None:
        super().__init__(columns_present=columns_present)
        with connection.cursor() as cursor:
            cursor.execute(STAGE_TABLES)
        self._patients = connection.ops.quote_name(Patient._meta.db_table)
        self._appointments = connection.ops.quote_name(Appointment._meta.db_table)
        # The deprivation rule's SQL twin (patients.deprivation.lookup), joined on the stage's postcode key.
        self._deprivation = deprivation_join(postcode_key="t.postcode_key", vintage=self.vintage, lsoa="t.lsoa")
        self._patient_sql = self._patient_upsert_sql()
        self._appointment_sql = self._appointment_upsert_sql()
        self._params = self._deprivation.params
        # Patients as this import last wrote them: one seen again unchanged in a later chunk
        # (a patient has several appointments) is already in the table as it would be
        # written, so it is not staged or upserted again.
        self._written: dict[str, PatientValues] = {}

    def _patient_upsert_sql(self) -> str:
        patients, deprivation = self._patients, self._deprivation
        compared = [name for name in self.patient_fields if name != "mobile_unusable"]
        updates = [f"{name} = EXCLUDED.{name}" for name in compared]
        if "mobile_unusable" in self.patient_fields:
            updates.append(
                f"mobile_unusable = CASE WHEN {patients}.mobile = EXCLUDED.mobile "
                f"THEN {patients}.mobile_unusable ELSE false END"
            )
        old = ", ".join(f"{patients}.{name}" for name in compared)
        new = ", ".join(f"EXCLUDED.{name}" for name in compared)
        plain = ", ".join(PLAIN_PATIENT_FIELDS)
        plain_from_stage = ", ".join(f"d.{name}" for name in PLAIN_PATIENT_FIELDS)
        # The stage with each patient's deprivation, derived once: for the upsert, and for the
        # postcodes and LSOAs no decile was found for (the extract's LSOA, used for want of a
        # postcode found, that the vintage does not rank).
        return f"""
            WITH d AS MATERIALIZED (
                SELECT t.*, {deprivation.lsoa_code} AS derived_lsoa, {deprivation.imd_decile} AS derived_decile,
                       {deprivation.imd_vintage} AS derived_vintage
                FROM {PATIENT_STAGE} t {deprivation.joins}
            ), up AS (
                INSERT INTO {patients} (
                    hospital_number, {plain}, lsoa_code, imd_decile, imd_vintage,
                    mobile_unusable, sms_opt_out, created_at, updated_at
                )
                SELECT d.hospital_number, {plain_from_stage}, d.derived_lsoa, d.derived_decile, d.derived_vintage,
                       false, false, now(), now()
                FROM d
                ON CONFLICT (hospital_number) DO UPDATE SET {", ".join(updates)}, updated_at = now()
                WHERE ({old}) IS DISTINCT FROM ({new})
                RETURNING (xmax = 0) AS created
            )
            SELECT
                (SELECT count(*) FILTER (WHERE created) FROM up),
                (SELECT count(*) FILTER (WHERE NOT created) FROM up),
                (SELECT COALESCE(array_agg(DISTINCT postcode), '{{}}') FROM d
                 WHERE postcode <> '' AND derived_decile IS NULL),
                (SELECT COALESCE(array_agg(DISTINCT lsoa), '{{}}') FROM d
                 WHERE lsoa <> '' AND derived_lsoa = lsoa AND derived_decile IS NULL)
        """  # noqa: S608 (identifiers are the models' and this module's constants; values are parameters)

    def _appointment_upsert_sql(self) -> str:
        appointments, patients = self._appointments, self._patients
        site, specialty, clinic = (connection.ops.quote_name(m._meta.db_table) for m in (Site, Specialty, Clinic))
        fields = ", ".join(APPOINTMENT_FIELDS)
        from_stage = ", ".join(_FROM_STAGE.get(name, f"t.{name}") for name in APPOINTMENT_FIELDS)
        updates = ", ".join(f"{name} = EXCLUDED.{name}" for name in APPOINTMENT_FIELDS)
        old = ", ".join(f"{appointments}.{name}" for name in APPOINTMENT_FIELDS)
        new = ", ".join(f"EXCLUDED.{name}" for name in APPOINTMENT_FIELDS)
        returned = ", ".join(f"up.{name}" for name in APPOINTMENT_FIELDS)
        was = ", ".join(f"was.{name}" for name in APPOINTMENT_FIELDS)
        # The row's fingerprint (importing.fingerprints) is written with it: a row that comes with
        # one is rewritten even when its values are the same (the fingerprint and its time are
        # new), and `updated_at` moves only when a value changed (the rollup reads it).
        return f"""
            WITH up AS (
                INSERT INTO {appointments} (
                    pas_id, {fields}, created_at, updated_at, fingerprint, fingerprint_rules, fingerprinted_at
                )
                SELECT t.pas_id, {from_stage}, now(), now(), t.digest, COALESCE(t.rules, ''),
                       CASE WHEN t.digest IS NOT NULL THEN now() END
                FROM {APPOINTMENT_STAGE} t JOIN {patients} p ON p.hospital_number = t.hospital_number
                JOIN {site} si ON si.ods_code = t.site_code
                JOIN {specialty} sp ON sp.treatment_function_code = t.specialty_code
                JOIN {clinic} c ON c.code = t.clinic_code
                ON CONFLICT (pas_id) DO UPDATE SET {updates},
                    updated_at = CASE WHEN ({old}) IS DISTINCT FROM ({new}) THEN now()
                                      ELSE {appointments}.updated_at END,
                    fingerprint = EXCLUDED.fingerprint, fingerprint_rules = EXCLUDED.fingerprint_rules,
                    fingerprinted_at = EXCLUDED.fingerprinted_at
                WHERE ({old}) IS DISTINCT FROM ({new})
                   OR EXCLUDED.fingerprint IS NOT NULL OR {appointments}.fingerprint IS NOT NULL
                RETURNING id, pas_id, (xmax = 0) AS created, {fields}
            ), changed AS (
                -- What each rewritten appointment was: the statement reads the table as it was
                -- before it, and only the rewritten rows look (none on a first import), by index.
                SELECT up.id, up.attendance_code, up.starts_at, was.attendance_code AS was_code,
                       was.starts_at AS was_starts_at
                FROM up CROSS JOIN LATERAL (
                    SELECT {fields} FROM {appointments} a WHERE a.pas_id = up.pas_id OFFSET 0
                ) was
                WHERE NOT up.created AND ({returned}) IS DISTINCT FROM ({was})
            )
            SELECT
                (SELECT count(*) FILTER (WHERE created) FROM up),
                (SELECT count(*) FROM changed),
                (SELECT COALESCE(array_agg(id) FILTER (
                    WHERE was_code = 0 AND attendance_code IN {_in(CANCELLED_CODES)}), '{{}}') FROM changed),
                (SELECT COALESCE(array_agg(id) FILTER (
                    WHERE was_code = 0 AND attendance_code IN {_in(HAPPENED_CODES)}), '{{}}') FROM changed),
                (SELECT COALESCE(array_agg(id) FILTER (
                    WHERE attendance_code = 0 AND was_starts_at IS DISTINCT FROM starts_at), '{{}}') FROM changed)
        """  # noqa: S608 (identifiers are the models' and this module's constants; no values are interpolated)

    def write(self, rows: list[tuple[AppointmentValues, PatientValues]], staged: StagedChunk | None = None) -> None:
        """Write one chunk; `staged` is the `Stager`'s, when the reading thread made one."""
        if staged is None or self._any_corrections or self._deaths_in_file:
            # What the extract says of a patient may be overruled here (a local correction, a death
            # Attend holds), so the patients are staged from what is kept.
            staged = self._staged_here(rows, staged)
        with transaction.atomic(), connection.cursor() as cursor:
            # Losing the last chunks to a crash is harmless (a re-import writes them again), so
            # the chunk's commit need not wait for its WAL to reach disk.
            cursor.execute("SET LOCAL synchronous_commit = off")
            cursor.execute(f"TRUNCATE {PATIENT_STAGE}, {APPOINTMENT_STAGE}")
            raw = cursor.cursor
            with raw.copy(f"COPY {PATIENT_STAGE} ({', '.join(PATIENT_STAGE_COLUMNS)}) FROM STDIN") as copy:
                copy.write(staged.patients)
            cursor.execute(self._patient_sql, self._params)
            created, updated, unmatched_postcodes, unmatched_lsoas = cursor.fetchone()
            self.counts.patients_created += created
            self.counts.patients_updated += updated
            self.counts.unmatched_postcodes.update(unmatched_postcodes)
            self.counts.unmatched_lsoas.update(unmatched_lsoas)

            # Create the sites, specialties and clinics the chunk names first (the upsert joins them
            # by code), and no other query may run during a COPY.
            sites, specialties, clinics = self._sites, self._specialties, self._clinics
            for a in staged.first_with_codes:
                if a.clinic_code not in clinics or a.site_code not in sites or a.specialty_code not in specialties:
                    self._site(a.site_code), self._specialty(a.specialty_code), self._clinic(a)
            with raw.copy(f"COPY {APPOINTMENT_STAGE} ({', '.join(APPOINTMENT_STAGE_COLUMNS)}) FROM STDIN") as copy:
                copy.write(staged.appointments)
            cursor.execute(self._appointment_sql)
            created, updated, cancelled, happened, moved = cursor.fetchone()
            self.counts.appointments_created += created
            self.counts.appointments_updated += updated
            self.counts.appointments_unchanged += staged.appointment_count - created - updated
            self.counts.replanning.update(
                announce_appointments_changed(AppointmentChanges(cancelled or (), moved or (), happened or ()))
            )
            self._announce_deaths(staged.newly_deceased)
            # The foreign keys are checked at commit, by queries PostgreSQL plans once per session and
            # keeps: planned while the patients are the first chunk's few pages, a check would scan the
            # whole table for every appointment written after (a first import slowed to minutes).
            cursor.execute("SET LOCAL enable_seqscan = off")

    def _staged_here(
        self, rows: list[tuple[AppointmentValues, PatientValues]], staged: StagedChunk | None
    ) -> StagedChunk:
        """The chunk staged in this thread, with the patients as kept (`_keep_local_corrections`,
        `_keep_deaths`); the reading thread's appointments when it staged them."""
        patients = {patient.hospital_number: patient for _, patient in rows}  # the chunk's last values win
        patients, newly_deceased = self._keep_deaths(self._keep_local_corrections(patients))
        if staged is None:
            own = Stager()
            own.add(rows, {})
            staged = own.take()
        kept = Stager(written=self._written).staged_patients(patients)
        return replace(staged, patients=kept, newly_deceased=newly_deceased)


@dataclass(frozen=True)
class StagedChunk:
    """A chunk as the PostgreSQL writer's stages take it: COPY text, and what the writer needs besides."""

    appointments: bytes
    appointment_count: int  # how many appointments (ids) the chunk has
    first_with_codes: list[AppointmentValues]  # the first appointment with each site, specialty and clinic
    patients: bytes  # the chunk's patients, but those this import already wrote as they are
    newly_deceased: list[str] = field(default_factory=list)


class Stager:
    """Chunks staged for the PostgreSQL writer by the reading thread, a block of rows at a time
    (`add`), each taken whole when it is handed over (`take`): the writing thread only sends them.
    The patients this import has staged are kept, so a patient seen again as it was (a patient has
    several appointments) is not staged or upserted again."""

    def __init__(self, written: dict[str, PatientValues] | None = None) -> None:
        self._written = {} if written is None else written
        self._blocks: list[bytes] = []
        self._count = 0
        self._codes: dict[tuple[str, str, str], AppointmentValues] = {}
        self._patients: dict[str, PatientValues] = {}

    def add(self, rows: list[tuple[AppointmentValues, PatientValues]], digests: dict[str, tuple[str, str]]) -> None:
        """Stage rows the chunk has not staged yet (`staged_appointments`: an id is given once a file)."""
        self._blocks.append(staged_appointments(rows, digests))
        self._count += len(rows)
        codes, patients = self._codes, self._patients
        for a, patient in rows:
            codes.setdefault((a.site_code, a.specialty_code, a.clinic_code), a)
            patients[patient.hospital_number] = patient  # the chunk's last values win

    def take(self) -> StagedChunk:
        taken = StagedChunk(
            appointments=b"".join(self._blocks),
            appointment_count=self._count,
            first_with_codes=list(self._codes.values()),
            patients=self.staged_patients(self._patients),
        )
        self._blocks, self._count, self._codes, self._patients = [], 0, {}, {}
        return taken

    def staged_patients(self, patients: dict[str, PatientValues]) -> bytes:
        """COPY text of the patients not yet staged as they are, who are then noted as staged."""
        written = self._written
        lines = []
        for number, p in patients.items():
            if written.get(number) == p:
                continue
            written[number] = p
            lines.append("\t".join((
                _copy_texts(p.hospital_number, p.nhs_number), _date(p.date_of_birth),
                _copy_texts(p.sex, p.ethnic_category, p.postcode, postcode_key(p.postcode), p.lsoa, p.mobile,
                            p.other_phone, p.preferred_language),
                "t" if p.interpreter_required else "f",
                _copy_texts(p.given_name, p.family_name, p.communication_needs), "t" if p.deceased else "f",
                _date(p.date_of_death),
                _copy_texts(p.contact_name, p.contact_phone, p.contact_relationship, p.address_line_1,
                            p.address_line_2, p.address_line_3, p.address_line_4, p.address_line_5, p.address_line_6),
            )))  # fmt: skip
        return "".join(line + "\n" for line in lines).encode()


def _date(value) -> str:
    return _NULL if value is None else value.isoformat()


def stager_for() -> Stager | None:
    """What the reading thread stages chunks with for the writer (`writer_for`'s), if anything."""
    return Stager() if connection.vendor == "postgresql" else None


def writer_for(columns_present: frozenset[str]) -> BatchWriter:
    """The set-based writer on PostgreSQL; the portable ORM writer elsewhere (SQLite)."""
    if connection.vendor == "postgresql":
        return PostgresBatchWriter(columns_present=columns_present)
    return BatchWriter(columns_present=columns_present)
