import pytest

from reminders.models import InboundAction, InboundMessage, MessageTemplate, OutboxMessage
from reminders.sending import reminders_sweep
from tests.reminders.conftest import NOW, make_reminder

pytestmark = pytest.mark.django_db


def template_form(**changes) -> dict:
    data = {
        "language": "cy",
        "name": "Cymraeg",
        "is_active": "on",
        "body": "Helo {first_name}, {date} {time} {site}. {reply_options}",
        "reply_options": "Atebwch 1, 2 neu 3.",
    }
    return {**data, **changes}  # fmt: skip


def test_the_admin_sees_the_segment_count_before_saving(client, admin_user):
    client.force_login(admin_user)
    template = MessageTemplate.objects.get(language="cy")
    response = client.post(
        f"/admin/reminders/messagetemplate/{template.pk}/change/",
        template_form(body="Helo {first_name}, dewch i'r ŵyl {date}.", _segments="1"),
    )
    assert response.status_code == 200
    assert "Not saved yet" in response.text and "UCS-2" in response.text and "ŵ" in response.text
    template.refresh_from_db()
    assert "ŵyl" not in template.body


def test_saving_a_template_reports_its_segment_count(client, admin_user):
    client.force_login(admin_user)
    template = MessageTemplate.objects.get(language="cy")
    response = client.post(f"/admin/reminders/messagetemplate/{template.pk}/change/", template_form(), follow=True)
    assert "segment" in response.text and "GSM-7" in response.text
    template.refresh_from_db()
    assert template.reply_options == "Atebwch 1, 2 neu 3."


def test_an_unknown_placeholder_is_refused(client, admin_user):
    client.force_login(admin_user)
    template = MessageTemplate.objects.get(language="cy")
    response = client.post(
        f"/admin/reminders/messagetemplate/{template.pk}/change/", template_form(body="Hi {nhs_number}")
    )
    assert "Unknown placeholder" in response.text


def test_the_outbox_is_readable_in_the_admin(client, admin_user):
    make_reminder()
    reminders_sweep(now=NOW)
    client.force_login(admin_user)
    outbox = OutboxMessage.objects.get()
    response = client.get(f"/admin/reminders/outboxmessage/{outbox.pk}/change/")
    assert response.status_code == 200 and outbox.to_number in response.text


def test_a_team_lead_reads_replies_attend_could_not_act_on(client, team_lead):
    InboundMessage.objects.create(provider_message_id="SM1", from_number="+447700900001", from_e164="+447700900001",
                                  body="Can I bring my son?", action=InboundAction.FOR_TEAM_LEAD)  # fmt: skip
    InboundMessage.objects.create(provider_message_id="SM2", from_number="+447700900002", body="1",
                                  action=InboundAction.WILL_ATTEND)  # fmt: skip
    client.force_login(team_lead)
    response = client.get("/replies/")
    assert "Can I bring my son?" in response.text and ">1<" not in response.text


def test_a_team_lead_marks_a_reply_read(client, team_lead):
    reply = InboundMessage.objects.create(provider_message_id="SM1", from_number="+447700900001", body="Hi",
                                          action=InboundAction.FOR_TEAM_LEAD)  # fmt: skip
    client.force_login(team_lead)
    client.post(f"/replies/{reply.pk}/read/")
    reply.refresh_from_db()
    assert reply.read_at is not None
    assert "Hi" not in client.get("/replies/").text.split("<h1>")[1]


def test_a_call_handler_cannot_read_the_replies(client, call_handler):
    client.force_login(call_handler)
    assert client.get("/replies/").status_code == 403


def test_the_admin_is_warned_of_reminders_in_doubt_and_can_mark_them_checked(client, admin_user):
    from reminders.models import Reminder

    doubtful, fine = make_reminder(), make_reminder()
    Reminder.objects.filter(pk=doubtful.pk).update(status="failed", delivery_uncertain=True)
    client.force_login(admin_user)
    page = client.get("/admin/reminders/reminder/?delivery_uncertain__exact=1")
    assert "1 reminder(s) were handed to the SMS provider" in page.text
    assert list(page.context["cl"].queryset) == [Reminder.objects.get(pk=doubtful.pk)]
    client.post("/admin/reminders/reminder/", {"action": "mark_delivery_checked", "_selected_action": [doubtful.pk]})
    assert not Reminder.objects.filter(delivery_uncertain=True).exists()
    assert "handed to the SMS provider" not in client.get("/admin/reminders/reminder/").text
    assert Reminder.objects.get(pk=fine.pk).status == "planned"
