"""The role matrix (SECURITY.md checklist 16, scenario 16): each role tries
what it may not do through the admin's own URLs and is refused with 403.

Front desk works requests and appointments; Managers (on top of Front desk)
may also export and read the audit trail; Content editors see no patient data;
users and groups are the superusers' alone."""

from importlib import import_module

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.urls import reverse

from booking.models import AppointmentRequest, AuditEntry, WaitlistEntry
from tests.booking import test_scheduling
from tests.booking.factories import AppointmentRequestFactory, UserFactory
from tests.booking.test_frontdesk import A_WEEK_BEFORE, book

calendar = test_scheduling.calendar

pytestmark = pytest.mark.django_db

# A patient whose details must never show where they should not.
CANARY = {
    "first_name": "Quillon",
    "last_name": "Zebradottir",
    "email": "quillon.zebradottir@example.com",
    "phone": "+12175449876",
}
CANARY_TEXTS = ["Quillon", "Zebradottir", "quillon.zebradottir", "544-9876"]


@pytest.fixture
def appointment_request(treatment):
    return AppointmentRequestFactory(treatment=treatment, **CANARY)


@pytest.fixture
def appointment(calendar):
    with time_machine.travel(A_WEEK_BEFORE, tick=False):
        return book(calendar, **CANARY)


@pytest.fixture
def waitlist_entry(calendar):
    return WaitlistEntry.objects.create(
        treatment=calendar["treatment"],
        location=calendar["location"],
        first_name=CANARY["first_name"],
        email=CANARY["email"],
        earliest_date=test_scheduling.MONDAY,
        latest_date=test_scheduling.MONDAY,
    )


@pytest.fixture
def audit_entry(appointment_request):
    return appointment_request.audit_entries.create(action=AuditEntry.Action.VIEWED)


def login(client, *groups, username="someone"):
    client.force_login(UserFactory(username=username, groups=list(groups)))
    return client


def changelist(model):
    return reverse(f"admin:booking_{model}_changelist")


def run_action(client, model, name, *records):
    return client.post(
        changelist(model),
        {
            "action": name,
            "_selected_action": [record.pk for record in records],
            "index": 0,
        },
    )


def page(name, *args):
    return reverse(f"admin:{name}", args=args)


# --- Front desk ---------------------------------------------------------------


def test_front_desk_works_requests_and_appointments(
    client, appointment_request, appointment, waitlist_entry
):
    login(client, "Front desk")
    for url in (
        changelist("appointmentrequest"),
        page("booking_appointmentrequest_change", appointment_request.pk),
        changelist("appointment"),
        page("booking_appointment_change", appointment.pk),
        page("booking_appointment_schedule"),
        changelist("waitlistentry"),
    ):
        assert client.get(url).status_code == 200, url
    response = run_action(
        client, "appointmentrequest", "mark_contacted", appointment_request
    )
    assert response.status_code == 302
    appointment_request.refresh_from_db()
    assert appointment_request.status == AppointmentRequest.Status.CONTACTED


def test_front_desk_cannot_export(client, appointment_request):
    login(client, "Front desk")
    response = run_action(
        client, "appointmentrequest", "export_csv", appointment_request
    )
    assert response.status_code == 403
    assert "Zebradottir" not in response.content.decode()
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.EXPORTED).exists()
    # Nor is it offered.
    html = client.get(changelist("appointmentrequest")).content.decode()
    assert "export_csv" not in html


@pytest.mark.parametrize(
    "model, record",
    [
        ("appointmentrequest", "appointment_request"),
        ("appointment", "appointment"),
        ("waitlistentry", "waitlist_entry"),
    ],
)
def test_front_desk_cannot_delete(client, request, model, record):
    record = request.getfixturevalue(record)
    login(client, "Front desk")
    delete_page = page(f"booking_{model}_delete", record.pk)
    assert client.get(delete_page).status_code == 403
    assert client.post(delete_page, {"post": "yes"}).status_code == 403
    response = run_action(client, model, "delete_selected", record)
    assert response.status_code == 403
    response = client.post(
        changelist(model),
        {"action": "delete_selected", "_selected_action": [record.pk], "post": "yes"},
    )
    assert response.status_code == 403
    assert type(record).objects.filter(pk=record.pk).exists()


@pytest.mark.parametrize("group", [["Front desk"], ["Front desk", "Managers"]])
def test_staff_below_superuser_cannot_change_users_or_groups(client, group):
    login(client, *group)
    someone = UserFactory(username="colleague")
    front_desk = Group.objects.get(name="Front desk")
    for url in (
        page("auth_user_changelist"),
        page("auth_user_add"),
        page("auth_user_change", someone.pk),
        page("auth_user_password_change", someone.pk),
        page("auth_user_delete", someone.pk),
        page("auth_group_changelist"),
        page("auth_group_add"),
        page("auth_group_change", front_desk.pk),
        page("auth_group_delete", front_desk.pk),
    ):
        assert client.get(url).status_code == 403, url
    response = client.post(
        page("auth_user_change", someone.pk),
        {"username": "colleague", "is_superuser": "on", "is_staff": "on"},
    )
    assert response.status_code == 403
    someone.refresh_from_db()
    assert not someone.is_superuser
    response = client.post(page("auth_group_change", front_desk.pk), {"name": "Hacked"})
    assert response.status_code == 403
    assert Group.objects.filter(name="Front desk").exists()


def test_front_desk_cannot_read_the_audit_trail(client, audit_entry):
    login(client, "Front desk")
    assert client.get(changelist("auditentry")).status_code == 403
    assert client.get(
        page("booking_auditentry_change", audit_entry.pk)
    ).status_code == (403)


# --- Managers -------------------------------------------------------------------


def test_managers_export_and_read_the_audit_trail(client, appointment_request):
    login(client, "Front desk", "Managers")
    response = run_action(
        client, "appointmentrequest", "export_csv", appointment_request
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "Zebradottir" in response.content.decode("utf-8-sig")
    trail = client.get(changelist("auditentry"))
    assert trail.status_code == 200
    assert appointment_request.reference in trail.content.decode()


def test_managers_still_cannot_delete_requests(client, appointment_request):
    login(client, "Front desk", "Managers")
    delete_page = page("booking_appointmentrequest_delete", appointment_request.pk)
    assert client.post(delete_page, {"post": "yes"}).status_code == 403
    assert AppointmentRequest.objects.filter(pk=appointment_request.pk).exists()


def test_undoing_the_managers_migration_takes_back_only_what_it_gave():
    from django.apps import apps
    from django.contrib.auth.models import Permission

    managers_migration = import_module("booking.migrations.0020_managers_group")
    managers = Group.objects.get(name="Managers")
    member = UserFactory(username="manager", groups=["Managers"])
    granted_since = Permission.objects.get(codename="view_appointment")
    managers.permissions.add(granted_since)
    managers_migration.backwards(apps, schema_editor=None)
    managers = Group.objects.get(name="Managers")
    assert list(managers.user_set.all()) == [member]
    assert list(managers.permissions.all()) == [granted_since]
    front_desk = UserFactory(username="desk", groups=["Front desk"])
    assert front_desk.has_perm("booking.export_appointmentrequest")


# --- The audit trail: nobody edits it, not even a superuser ----------------------


@pytest.mark.parametrize(
    "who", [("Front desk", "Managers"), "superuser"], ids=["manager", "superuser"]
)
def test_nobody_adds_changes_or_deletes_audit_entries(client, audit_entry, who):
    if who == "superuser":
        client.force_login(
            UserFactory(username="owner", is_superuser=True, is_staff=True)
        )
    else:
        login(client, *who)
    change_page = page("booking_auditentry_change", audit_entry.pk)
    page_html = client.get(change_page)
    assert page_html.status_code == 200  # read-only
    assert 'name="action"' not in page_html.content.decode()
    assert client.get(page("booking_auditentry_add")).status_code == 403
    assert client.post(change_page, {"action": "created"}).status_code == 403
    delete_page = page("booking_auditentry_delete", audit_entry.pk)
    assert client.get(delete_page).status_code == 403
    assert client.post(delete_page, {"post": "yes"}).status_code == 403
    response = run_action(client, "auditentry", "delete_selected", audit_entry)
    assert response.status_code == 403
    audit_entry.refresh_from_db()
    assert audit_entry.action == AuditEntry.Action.VIEWED


# --- Content editors --------------------------------------------------------------


@pytest.mark.parametrize(
    "model, record",
    [
        ("appointmentrequest", "appointment_request"),
        ("appointment", "appointment"),
        ("waitlistentry", "waitlist_entry"),
        ("auditentry", "audit_entry"),
    ],
)
def test_content_editors_open_no_patient_record(client, request, model, record):
    record = request.getfixturevalue(record)
    login(client, "Content editors")
    for url in (
        changelist(model),
        changelist(model) + "?q=Zebradottir",
        page(f"booking_{model}_change", record.pk),
        page(f"booking_{model}_history", record.pk),
        page(f"booking_{model}_delete", record.pk),
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Zebradottir" not in response.content.decode()


def test_content_editors_use_no_front_desk_page(
    client, appointment_request, appointment
):
    login(client, "Content editors")
    for url in (
        page("booking_appointment_schedule"),
        page("booking_appointment_add"),
        page("booking_appointment_from_request", appointment_request.pk),
        page("booking_appointment_from_request", 999_999),  # no oracle either
        page("booking_appointment_move", appointment.pk),
        page("booking_appointment_status", appointment.pk),
    ):
        assert client.get(url).status_code == 403, url
    response = run_action(client, "appointment", "mark_checked_in", appointment)
    assert response.status_code == 403


def test_no_page_a_content_editor_opens_shows_a_patient(
    client, appointment_request, appointment, waitlist_entry, audit_entry
):
    from blog.models import Article

    article = Article.objects.create(
        title="Botox or Dysport?", slug="botox-or-dysport", author_name="Staff"
    )
    AppointmentRequest.objects.filter(pk=appointment_request.pk).update(
        source_article=article
    )
    login(client, "Content editors")
    urls = [
        page("index"),
        page("app_list", "blog"),
        page("blog_article_change", article.pk),
        *(
            page(f"blog_{model}_changelist")
            for model in (
                "article",
                "category",
                "bodyimage",
                "redirect",
                "reviewer",
                "articlereview",
            )
        ),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert not [text for text in CANARY_TEXTS if text in html], url
        assert "new requests" not in html
