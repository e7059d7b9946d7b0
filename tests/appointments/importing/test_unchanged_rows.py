"""A re-import leaves unchanged rows alone, and ends exactly where a full import would.

The nightly extract mostly repeats the last one, so rows an earlier import took with no
problem are recognised by their fingerprint (appointments.importing.fingerprints) and never
reach validation or the writer. Each test here checks one way that could go wrong against the
full path (fingerprints turned off): the rows, patients, counts, announcements and the error
report must be the same, and the rows read again must be the ones that need it.

Fingerprints are a PostgreSQL feature; on SQLite every row is validated as before (the last
test runs there too). These tests commit between imports (transactional), as nights do: a
row's "changed since" is told by the time of the transaction that wrote it.
"""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from appointments.changes import AppointmentChanges
from appointments.importing import fingerprints, writing, writing_postgres
from appointments.importing.models import ImportRowError
from appointments.importing.services import import_extract
from appointments.importing.validation import RowValidator
from appointments.importing.writing import withdraw_entered_in_error
from appointments.models import Appointment, AttendanceCode, Clinic, Site, Specialty
from patients.corrections.services import local_corrections_record
from patients.models import Patient
from tests.appointments.importing.extracts import HEADER, row, write_extract

pytestmark = pytest.mark.django_db(transaction=True)
postgres = pytest.mark.postgres

PATIENT_FIELDS = (
    "hospital_number", "nhs_number", "date_of_birth", "sex", "ethnic_category", "postcode", "lsoa_code",
    "imd_decile", "imd_vintage", "mobile", "other_phone", "preferred_language", "interpreter_required",
)  # fmt: skip
APPOINTMENT_FIELDS = (
    "pas_id", "patient__hospital_number", "site__ods_code", "specialty__treatment_function_code", "clinic__code",
    "starts_at", "start_time_known", "booked_at", "appointment_type", "medium", "attendance_code",
)  # fmt: skip
BATCH_FIELDS = (
    "status", "rows_read", "rows_rejected", "rows_created", "rows_updated", "rows_unchanged", "rows_withdrawn",
    "patients_created", "patients_updated", "unmatched_postcodes", "unmatched_postcode_examples", "rules_applied",
    "new_codes", "errors_truncated",
)  # fmt: skip


@pytest.fixture
def validated(monkeypatch) -> list[int]:
    """The lines the validator is shown, import after import."""
    lines: list[int] = []
    validate = RowValidator.validate

    def spy(self, line, raw):
        lines.append(line)
        return validate(self, line, raw)

    monkeypatch.setattr(RowValidator, "validate", spy)
    return lines


@pytest.fixture
def announced(monkeypatch) -> list[dict]:
    """What each import announced, by appointment_id."""
    seen: list[dict] = []

    def record(changes: AppointmentChanges):
        pas_ids = dict(Appointment.objects.values_list("id", "pas_id"))
        kinds = ("cancelled", "moved", "happened")
        found = {kind: sorted(pas_ids[i] for i in getattr(changes, f"{kind}_ids")) for kind in kinds}
        if any(found.values()):
            seen.append(found)
        return {}

    monkeypatch.setattr(writing, "announce_appointments_changed", record)
    monkeypatch.setattr(writing_postgres, "announce_appointments_changed", record)
    return seen


def _problems(batch) -> list[tuple]:
    return list(
        ImportRowError.objects.filter(batch=batch)
        .order_by("line", "id")
        .values_list("line", "column", "value", "reason", "severity")
    )


def _batch(batch) -> dict:
    return {name: getattr(batch, name) for name in BATCH_FIELDS} | {"problems": _problems(batch)}


def _state() -> dict:
    return {
        "patients": list(Patient.objects.order_by("hospital_number").values(*PATIENT_FIELDS)),
        "appointments": list(Appointment.objects.order_by("pas_id").values(*APPOINTMENT_FIELDS)),
    }


def _nights(tmp_path, extracts: list[list[dict]], before=None, header=None) -> list:
    """Import each extract in turn (each its own transactions, as on separate nights), calling
    `before(night)` before each."""
    batches = []
    for night, rows in enumerate(extracts):
        if before:
            before(night)
        batches.append(import_extract(path=write_extract(tmp_path, rows, name=f"night{night}.csv", header=header)))
    return batches


def _fingerprinted() -> dict[str, object]:
    """appointment_id → when its fingerprint was recorded, of the appointments that have one."""
    return dict(Appointment.objects.filter(fingerprint__isnull=False).values_list("pas_id", "fingerprinted_at"))


def _reset() -> None:
    """Back to an empty trust between two runs of the same nights in one test."""
    with transaction.atomic():
        Appointment.objects.all().delete()
        Patient.objects.all().delete()
        Clinic.objects.all().delete()
        Site.objects.all().delete()
        Specialty.objects.all().delete()


def _both_ways(tmp_path, monkeypatch, announced, extracts, before=None, header=None) -> tuple[dict, dict]:
    """The same nights with fingerprints and then with every row validated: what each left."""
    results = []
    for enabled in (True, False):
        monkeypatch.setattr(fingerprints, "ENABLED", enabled)
        announced.clear()
        batches = _nights(tmp_path, extracts, before, header)
        results.append({"batches": [_batch(b) for b in batches], "announced": list(announced)} | _state())
        _reset()
    return results[0], results[1]


def _extract() -> list[dict]:
    """Two patients with several appointments, a bad row, a warning, a repeated id, a date-only start."""
    return [
        row(appointment_id="A1", patient_id="H1"),
        row(appointment_id="A2", patient_id="H1", appointment_start="2030-12-09T11:00"),
        row(appointment_id="A3", patient_id="H2", phone="07700 900456", attendance_code="9"),  # error: bad code
        row(appointment_id="A4", patient_id="H3", nhs_number="1234567890"),  # warning: fails its check
        row(appointment_id="A5", patient_id="H2", phone="07700 900456", appointment_start="2030-12-04"),  # a rule
        row(appointment_id="A1", patient_id="H1", attendance_code="5"),  # repeat: skipped, reported
        row(appointment_id="A6", patient_id="H4", postcode="ZZ9 9ZZ", phone="07700 900789"),  # no decile
    ]


@postgres
def test_an_unchanged_reimport_reads_only_the_rows_with_problems_and_reports_them_again(
    tmp_path, validated, deprivation_tables
):
    first, again = _nights(tmp_path, [_extract(), _extract()])
    assert validated[:7] == [2, 3, 4, 5, 6, 7, 8]
    assert validated[7:] == [4, 5, 7]  # the bad row, the warning, the repeat: never left alone
    assert _problems(again) == _problems(first) != []
    assert again.rules_applied == first.rules_applied != []  # the date-only start, on a row left alone
    assert (again.rows_read, again.rows_rejected, again.rows_unchanged) == (7, 2, 5)
    assert (again.unmatched_postcodes, again.unmatched_postcode_examples) == (1, ["ZZ9 9ZZ"])
    assert (first.unmatched_postcodes, first.unmatched_postcode_examples) == (1, ["ZZ9 9ZZ"])


@postgres
def test_an_unchanged_reimport_writes_nothing(tmp_path):
    _nights(tmp_path, [_extract()])
    written = dict(Appointment.objects.values_list("pas_id", "updated_at"))
    recorded = _fingerprinted()
    _nights(tmp_path, [_extract()])
    assert dict(Appointment.objects.values_list("pas_id", "updated_at")) == written
    assert _fingerprinted() == recorded
    assert set(recorded) == {"A1", "A2", "A5", "A6"}  # rows taken with no problem; not A4 (a warning)


def _later_extract() -> list[dict]:
    """The next night: outcomes arrived, one moved, one cancelled, one patient's number changed on
    all their rows, a row gone bad, a bad row fixed, a new appointment."""
    rows = _extract()
    rows[0]["attendance_code"] = "5"  # attended
    rows[1]["appointment_start"] = "2030-12-10T14:00"  # moved
    rows[2]["attendance_code"] = "2"  # the bad row fixed: cancelled by the patient
    rows[4]["phone"] = rows[2]["phone"] = "07700 900111"  # H2's new number, on both of H2's rows
    rows[6]["booked_at"] = "not a date"  # gone bad
    return [*rows, row(appointment_id="A7", patient_id="H5", postcode="AT1 2BD")]


@postgres
def test_a_reimport_with_changes_leaves_what_a_full_import_leaves_and_announces_the_same(
    tmp_path, monkeypatch, announced, deprivation_tables
):
    quick, full = _both_ways(tmp_path, monkeypatch, announced, [_extract(), _later_extract()])
    assert quick == full
    assert full["announced"] == [{"cancelled": [], "moved": ["A2"], "happened": ["A1"]}]


@postgres
def test_a_reimport_with_changes_validates_only_the_changed_rows_and_those_with_problems(tmp_path, validated):
    _nights(tmp_path, [_extract(), _later_extract()])
    assert validated[7:] == [2, 3, 4, 5, 6, 7, 8, 9]  # each row changed or has a problem
    validated.clear()
    _nights(tmp_path, [_later_extract()])
    assert validated == [5, 7, 8]  # the warning, the repeat, the row gone bad


@postgres
def test_an_earlier_row_with_a_left_alone_rows_id_makes_it_the_repeat(tmp_path, monkeypatch, announced):
    later = [row(appointment_id="A1", patient_id="H1", attendance_code="3"), *_extract()]
    quick, full = _both_ways(tmp_path, monkeypatch, announced, [_extract(), later])
    assert quick == full
    assert [(column, value, reason.startswith("already given at line 2:")) for line, column, value, reason, _
            in full["batches"][1]["problems"] if line == 3] == [("appointment_id", "A1", True)]  # fmt: skip


@postgres
def test_a_new_row_repeating_a_left_alone_rows_id_is_reported_as_its_repeat(tmp_path, validated):
    later = [*_extract(), row(appointment_id="A2", patient_id="H1", attendance_code="3")]
    _, again = _nights(tmp_path, [_extract(), later])
    assert 3 not in validated[7:]  # A2's own row is left alone
    assert [p for p in _problems(again) if p[0] == 9] == [
        (9, "appointment_id", "A2", "already given at line 3: an extract gives each appointment once, so later "
         "rows for it are skipped", "error"),
    ]  # fmt: skip
    assert Appointment.objects.get(pas_id="A2").attendance_code == AttendanceCode.NOT_YET_KNOWN


@postgres
def test_a_patient_whose_rows_disagree_is_read_in_full_and_the_last_row_wins(
    tmp_path, monkeypatch, announced, validated
):
    later = _extract()
    later[1]["phone"] = "07700 900222"  # only H1's second row has the new number
    quick, full = _both_ways(tmp_path, monkeypatch, announced, [_extract(), later])
    assert quick == full
    assert [p["mobile"] for p in full["patients"] if p["hospital_number"] == "H1"] == ["+447700900222"]
    assert validated[7:12] == [2, 3, 4, 5, 7]  # all of H1's rows were read again, with those with problems


@postgres
def test_an_appointment_changed_in_attend_since_is_imported_again_as_a_full_import_would(
    tmp_path, monkeypatch, announced
):
    def withdraw_and_edit(night):
        if not night:
            return
        withdraw_entered_in_error({"A1"})
        appointment = Appointment.objects.get(pas_id="A2")
        appointment.medium = "video"
        appointment.save()
        Appointment.objects.filter(pas_id="A5").delete()  # deleted in Attend: the import brings it back

    quick, full = _both_ways(tmp_path, monkeypatch, announced, [_extract(), _extract()], before=withdraw_and_edit)
    assert quick == full
    assert {a["pas_id"]: a["medium"] for a in full["appointments"]}["A2"] == "face_to_face"
    assert full["batches"][1]["rows_created"] == 1  # A5, deleted in Attend, imported again


@postgres
def test_a_patient_changed_in_attend_or_locally_corrected_is_imported_again(tmp_path, monkeypatch, announced):
    def change(night):
        if not night:
            return
        patient = Patient.objects.get(hospital_number="H1")
        patient.preferred_language = "ur"
        patient.save()
        h2 = Patient.objects.get(hospital_number="H2")
        Patient.objects.filter(pk=h2.pk).update(ethnic_category="B")  # a correction, as calls record one
        h2.refresh_from_db()
        local_corrections_record(patient=h2, previous={"ethnic_category": "A"}, corrected_by=None)

    quick, full = _both_ways(tmp_path, monkeypatch, announced, [_extract(), _extract()], before=change)
    assert quick == full
    patients = {p["hospital_number"]: p for p in full["patients"]}
    assert (patients["H1"]["preferred_language"], patients["H2"]["ethnic_category"]) == ("pl", "B")


@postgres
def test_a_site_code_renamed_in_the_admin_is_not_left_standing_by_unchanged_rows(tmp_path, monkeypatch, announced):
    def rename(night):
        if night:
            Site.objects.filter(ods_code="RAT01").update(ods_code="RAT09")

    quick, full = _both_ways(tmp_path, monkeypatch, announced, [_extract(), _extract()], before=rename)
    assert quick == full
    assert {a["site__ods_code"] for a in full["appointments"]} == {"RAT01"}


@postgres
def test_a_new_imd_vintage_rederives_every_patients_decile(
    tmp_path, monkeypatch, announced, deprivation_tables, settings
):
    def vintage(night):
        settings.ATTEND_IMD_VINTAGE = "IMD2025" if night else "IMD2019"

    quick, full = _both_ways(tmp_path, monkeypatch, announced, [_extract(), _extract()], before=vintage)
    assert quick == full
    assert {p["hospital_number"]: p["imd_decile"] for p in full["patients"]}["H1"] == 9  # 2 in IMD 2019


@postgres
def test_a_changed_mapping_validates_every_row_again(tmp_path, validated):
    mapping = tmp_path / "mapping.json"
    mapping.write_text('{"values": {"sex": {"W": "F"}}}')
    rows = [row(appointment_id="A1", patient_id="H1", sex="W")]
    path = write_extract(tmp_path, rows)
    import_extract(path=path, mapping_path=mapping)
    import_extract(path=path, mapping_path=mapping)
    assert validated == [2]
    mapping.write_text('{"values": {"sex": {"W": "X"}}}')
    import_extract(path=path, mapping_path=mapping)
    assert validated == [2, 2]
    assert Patient.objects.get().sex == "X"


@postgres
def test_a_header_in_another_order_validates_every_row_again(tmp_path, validated):
    _nights(tmp_path, [_extract()])
    _nights(tmp_path, [_extract()], header=[*HEADER[1:], HEADER[0]])
    assert validated[7:] == [2, 3, 4, 5, 6, 7, 8]


@postgres
def test_a_quoted_extract_with_a_field_over_two_lines_is_left_alone_with_its_lines_counted_right(tmp_path, validated):
    text = (",".join(HEADER) + "\n"
            + '"A1","H1","","1980-02-03","F","A","AT1 2BD","","en","N","RAT01","RAT01-100","100",'
              '"2030-12-02T09:30","","first","face_to_face",""\n'
            + '"A2","H1","","1980-02-03","F","A","AT1 2BD","","en","N","RAT01","RAT01-100","100",'
              '"2030-12-03T09:30","","first","face_to_face","two\nlines"\n'
            + '"A3","H2","","1980-02-03","F","A","AT1 2BD","","en","N","RAT01","RAT01-100","100",'
              '"2030-12-04T09:30","","first","face_to_face",""\n')  # fmt: skip
    path = tmp_path / "quoted.csv"
    path.write_text(text)
    first = import_extract(path=path)
    again = import_extract(path=path)
    assert validated == [2, 3, 5, 3]  # line 5, after the two-line field, is left alone
    assert _problems(again) == _problems(first) and {p[0] for p in _problems(first)} == {3}
    assert again.rows_unchanged == 2


@postgres
def test_revalidate_all_reads_every_row_and_records_them_again(tmp_path, validated):
    path = write_extract(tmp_path, _extract())
    import_extract(path=path)
    a_day_ago = timezone.now() - timedelta(days=1)
    Appointment.objects.update(fingerprinted_at=a_day_ago, updated_at=a_day_ago)
    again = import_extract(path=path, revalidate_all=True)
    assert validated[7:] == [2, 3, 4, 5, 6, 7, 8]
    assert set(_fingerprinted()) == {"A1", "A2", "A5", "A6"}
    assert all(at > a_day_ago for at in _fingerprinted().values())
    # Only the fingerprints were new: the appointments count as unchanged and keep their time,
    # so the rollup does not recompute their days.
    assert (again.rows_updated, again.rows_unchanged) == (0, 5)
    assert set(Appointment.objects.values_list("updated_at", flat=True)) == {a_day_ago}


def test_on_any_database_an_unchanged_reimport_reports_the_same_problems(tmp_path, validated):
    first, again = _nights(tmp_path, [_extract(), _extract()])
    assert _problems(again) == _problems(first) != []
    assert (again.rows_unchanged, again.rules_applied) == (5, first.rules_applied)
    if connection.vendor != "postgresql":
        assert validated == [2, 3, 4, 5, 6, 7, 8] * 2  # SQLite: every row read, as before
        assert not _fingerprinted()


@postgres
def test_the_command_can_validate_every_row_again(tmp_path, validated):
    path = write_extract(tmp_path, _extract())
    for options in ([], ["--revalidate-all"]):
        call_command("import_appointments", str(path), "--no-progress", *options, stdout=io.StringIO())
    assert validated[7:] == [2, 3, 4, 5, 6, 7, 8]


@postgres
def test_rows_giving_a_patient_two_dates_of_birth_are_warned_about_on_every_import(tmp_path):
    rows = _extract()
    rows[1]["date_of_birth"] = "1981-02-03"  # H1's second row
    first, again = _nights(tmp_path, [rows, rows])
    assert _problems(again) == _problems(first)
    assert [p[:2] for p in _problems(first) if "different date of birth" in p[3]] == [(3, "date_of_birth")]


@postgres
@pytest.mark.parametrize("chunk_rows", [1, 50_000], ids=["rows in separate chunks", "rows in one chunk"])
def test_a_first_imports_patient_whose_rows_disagree_is_not_left_alone_the_next_night(
    tmp_path, monkeypatch, announced, validated, chunk_rows
):
    """A first import digests rows as it reads them, with no scan of the file beforehand: a patient
    whose later row gives other details (the last row wins) must not have the earlier row left
    alone the next night, when that row alone is sent and should give the patient its details."""
    from appointments.importing import services

    monkeypatch.setattr(services, "CHUNK_ROWS", chunk_rows)
    first = [
        row(appointment_id="A1", patient_id="H1", phone="07700 900111"),
        row(appointment_id="A2", patient_id="H1", phone="07700 900222"),  # the last row: its number wins
    ]
    quick, full = _both_ways(tmp_path, monkeypatch, announced, [first, first[:1]])
    assert quick == full
    assert [p["mobile"] for p in quick["patients"]] == ["+447700900111"]
    assert validated[:3] == [2, 3, 2]  # the next night's row was read again, not left alone


@postgres
def test_a_first_import_records_every_row_taken_with_no_problem_and_no_other(tmp_path):
    batch = import_extract(path=write_extract(tmp_path, _extract()))
    recorded = set(_fingerprinted())
    assert batch.rows_created == 5
    assert recorded == {"A1", "A2", "A5", "A6"}  # A3 refused, A4 warned about, A1's repeat refused


@postgres
def test_a_row_that_comes_with_a_problem_takes_back_its_appointments_fingerprint(tmp_path, validated):
    """A row left a fingerprint one night and warned about the next leaves none: its appointment is
    read again on every import while the warning stands."""
    warned = _extract()
    warned[6]["nhs_number"] = "1234567890"  # A6, its patient's only row: fails its check digit
    _nights(tmp_path, [_extract(), warned])
    assert set(_fingerprinted()) == {"A1", "A2", "A5"}
    del validated[:]
    _nights(tmp_path, [warned])
    assert validated == [4, 5, 7, 8]  # A6's row is read again, with the bad row, the warning and the repeat
