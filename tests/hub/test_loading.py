"""Loading a member trust's aggregate file: all of it or none of it, with the reason when refused."""

import json
from datetime import date

import pytest

from audit.models import AuditEvent
from hub.models import FileStatus, ReceivedFile, TrustFigure
from hub.services import MeshMessage, aggregate_file_load, mesh_messages_load
from tests.hub.files import aggregate_file, as_bytes, changed, even_cells, quintile_table

pytestmark = pytest.mark.django_db


def load(document, **kwargs):
    return aggregate_file_load(content=as_bytes(document), sender="test", **kwargs)


def test_a_sound_file_is_loaded_with_every_row_and_recorded(members):
    result = load(aggregate_file())
    assert result.loaded, result.message
    received = result.received_file
    assert (received.trust, received.period_from, received.period_to) == (
        members[0],
        date(2025, 1, 1),
        date(2025, 3, 31),
    )
    assert received.figures.count() == 15  # 3 months × 5 quintiles
    assert AuditEvent.objects.for_target(received).filter(action="create").exists()


def refused_for(document, **kwargs):
    before = TrustFigure.objects.count()
    result = (
        load(document, **kwargs) if isinstance(document, dict) else aggregate_file_load(content=document, sender="test")
    )
    assert not result.loaded
    assert result.received_file.status == FileStatus.REFUSED
    assert TrustFigure.objects.count() == before, "a refused file must load nothing"
    return result.received_file.reason


def test_a_wrong_version_is_refused_by_name(members):
    assert "version 2" in refused_for(changed(aggregate_file(), version=2))


def test_a_missing_field_is_refused_naming_it(members):
    document = aggregate_file()
    del document["imd_vintage"]
    assert "'imd_vintage' is a required property" in refused_for(changed(document))


def test_a_changed_file_fails_its_hash(members):
    document = aggregate_file()
    document["tables"][0]["rows"][0]["dnas"] += 1
    assert "SHA-256 does not match" in refused_for(document)


def test_a_trust_outside_the_collaborative_is_refused(members):
    reason = refused_for(aggregate_file(ods_code="RZZ", name="Elsewhere NHS Trust"))
    assert "RZZ" in reason and "not a member" in reason


def test_a_mesh_message_from_another_mailbox_than_the_trusts_is_refused(members):
    [result] = mesh_messages_load([MeshMessage("m1", "XYZOT009", as_bytes(aggregate_file()))])
    assert result.received_file.status == FileStatus.REFUSED
    assert "XYZOT009" in result.received_file.reason
    [result] = mesh_messages_load([MeshMessage("m2", "RAAOT001", as_bytes(aggregate_file()))])
    assert result.loaded and result.received_file.sender == "MESH RAAOT001 message m2"


def test_an_overlapping_period_is_refused_and_the_earlier_figures_kept(members):
    first = load(aggregate_file()).received_file
    overlapping = aggregate_file(
        period=("2025-03-01", "2025-05-31"), tables=[quintile_table(even_cells(["2025-03", "2025-04", "2025-05"]))]
    )
    reason = refused_for(overlapping)
    assert "overlaps" in reason and "2025-01-01 to 2025-03-31" in reason
    assert TrustFigure.objects.filter(file=first).count() == 15
    first.refresh_from_db()
    assert first.status == FileStatus.ACCEPTED


def test_a_period_that_is_not_whole_months_is_refused(members):
    assert "whole months" in refused_for(aggregate_file(period=("2025-01-01", "2025-03-15")))


def test_a_row_outside_the_period_is_refused(members):
    document = aggregate_file(period=("2025-01-01", "2025-02-28"), tables=[quintile_table(even_cells(["2025-03"]))])
    assert "outside the file's period" in refused_for(document)


def test_a_row_key_the_schema_does_not_allow_is_refused(members):
    document = aggregate_file()
    document["tables"][0]["rows"][0]["nhs_number"] = "9434765919"
    reason = refused_for(changed(document))
    assert "nhs_number" in reason and "Additional properties" in reason


def test_a_row_missing_a_dimension_of_its_table_is_refused(members):
    document = aggregate_file()
    del document["tables"][0]["rows"][0]["imd_quintile"]
    assert "missing imd_quintile" in refused_for(changed(document))


def test_suppressed_rows_must_have_null_counts(members):
    document = aggregate_file()
    document["tables"][0]["rows"][0]["suppressed"] = True
    assert "marked suppressed but gives counts" in refused_for(changed(document))


def test_a_file_that_is_not_json_is_refused(members):
    assert "not JSON" in refused_for(b"appointment_id,patient_id\n1,2\n")


def test_the_same_period_again_replaces_the_earlier_figures_and_is_audited(members):
    first = load(aggregate_file()).received_file
    cells = even_cells(["2025-01", "2025-02", "2025-03"], rate_q1=0.30)
    second = load(aggregate_file(tables=[quintile_table(cells)]))
    assert second.loaded and second.replaced == first
    first.refresh_from_db()
    assert first.status == FileStatus.REPLACED and first.replaced_by == second.received_file
    assert not TrustFigure.objects.filter(file=first).exists()
    q1 = TrustFigure.objects.get(file=second.received_file, month=date(2025, 1, 1), imd_quintile=1)
    assert q1.dnas == 120  # 30% of 400, the new figures
    event = AuditEvent.objects.for_target(second.received_file).get(action="change")
    assert "Replaced RAA's figures" in event.summary and event.changes["file"] == [first.pk, second.received_file.pk]


def test_the_very_same_file_again_changes_nothing(members):
    document = aggregate_file()
    first = load(document).received_file
    again = load(document)
    assert again.received_file.status == FileStatus.DUPLICATE
    first.refresh_from_db()
    assert first.status == FileStatus.ACCEPTED
    assert TrustFigure.objects.count() == 15


def test_a_failure_while_writing_rows_leaves_the_earlier_figures(members, monkeypatch):
    first = load(aggregate_file()).received_file
    import hub.services

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(hub.services.TrustFigure.objects, "bulk_create", broken)
    cells = even_cells(["2025-01", "2025-02", "2025-03"], rate_q1=0.30)
    with pytest.raises(RuntimeError):
        load(aggregate_file(tables=[quintile_table(cells)]))
    first.refresh_from_db()
    assert first.status == FileStatus.ACCEPTED
    assert TrustFigure.objects.filter(file=first).count() == 15
    assert ReceivedFile.objects.count() == 1


def test_the_load_aggregates_command_loads_a_file_and_refuses_a_bad_one(members, tmp_path, settings):
    from django.core.management import CommandError, call_command

    settings.ATTEND_HUB_ENABLED = True
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_bytes(as_bytes(aggregate_file()))
    bad.write_text(json.dumps(changed(aggregate_file(), version=2)))
    call_command("load_aggregates", str(good))
    assert ReceivedFile.objects.current().count() == 1
    with pytest.raises(CommandError, match="version 2"):
        call_command("load_aggregates", str(bad))


def test_the_load_aggregates_command_refuses_when_this_attend_is_not_a_hub(members, tmp_path, settings):
    from django.core.management import CommandError, call_command

    settings.ATTEND_HUB_ENABLED = False
    good = tmp_path / "good.json"
    good.write_bytes(as_bytes(aggregate_file()))
    with pytest.raises(CommandError, match="ATTEND_HUB_ENABLED"):
        call_command("load_aggregates", str(good))


def test_another_trust_may_send_the_same_months(members):
    assert load(aggregate_file()).loaded
    assert load(aggregate_file(ods_code="RBB", name=members[1].name)).loaded
    assert ReceivedFile.objects.current().count() == 2


def test_a_replaced_or_refused_file_never_becomes_current_again(members):
    from hub.services import IllegalTransition, received_file_transition

    first = load(aggregate_file()).received_file
    cells = even_cells(["2025-01", "2025-02", "2025-03"], rate_q1=0.30)
    assert load(aggregate_file(tables=[quintile_table(cells)])).loaded
    first.refresh_from_db()
    assert received_file_transition(received_file=first, to=FileStatus.REPLACED) is False
    with pytest.raises(IllegalTransition):
        received_file_transition(received_file=first, to=FileStatus.ACCEPTED)
