"""Audited reads and exports (SECURITY.md checklist 18, scenario 18): opening a
request or appointment, its history, a search that lists patients and every
export leave an entry saying who, when (UTC), what and from which address;
the trail itself holds no patient details."""

import datetime
import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from booking import audit
from booking.audit import SUBJECT_FIELDS
from booking.models import Appointment, AuditEntry
from booking.scheduling import HOLD_DURATION
from tests.booking import test_journey as journey
from tests.booking.factories import AppointmentRequestFactory, UserFactory
from tests.booking.test_journey import clinic  # noqa: F401 (fixture)
from tests.booking.test_roles import (
    CANARY,
    CANARY_TEXTS,
    appointment,  # noqa: F401 (fixture)
    calendar,  # noqa: F401 (fixture)
    changelist,
    run_action,
)

pytestmark = pytest.mark.django_db

ADDRESS = "198.51.100.23"


@pytest.fixture
def desk(client):
    user = UserFactory(username="desk", groups=["Front desk"])
    client.force_login(user)
    return user


@pytest.fixture
def appointment_request(treatment):
    return AppointmentRequestFactory(treatment=treatment, **CANARY)


def entries(**filters) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(**filters).order_by("pk"))


def assert_stamped(entry: AuditEntry, actor) -> None:
    assert entry.actor == actor
    assert entry.ip_address == ADDRESS
    assert entry.created_at.utcoffset() == datetime.timedelta(0)
    age = datetime.datetime.now(datetime.UTC) - entry.created_at
    assert datetime.timedelta(0) <= age < datetime.timedelta(minutes=1)


def assert_no_patient_details(*audit_entries: AuditEntry) -> None:
    stored = " ".join(
        str([entry.changes, entry.action, entry.ip_address]) for entry in audit_entries
    )
    assert not [text for text in [*CANARY_TEXTS, CANARY["phone"]] if text in stored]


@pytest.mark.parametrize(
    "model, record",
    [("appointmentrequest", "appointment_request"), ("appointment", "appointment")],
)
@pytest.mark.parametrize("view", ["change", "history"])
def test_opening_a_record_or_its_history_is_recorded(
    client, desk, request, model, record, view
):
    record = request.getfixturevalue(record)
    before = record.audit_entries.count()
    url = reverse(f"admin:booking_{model}_{view}", args=[record.pk])
    assert client.get(url, REMOTE_ADDR=ADDRESS).status_code == 200
    (entry,) = record.audit_entries.order_by("pk")[before:]
    assert entry.action == AuditEntry.Action.VIEWED
    assert_stamped(entry, desk)
    if view == "history":
        assert entry.changes == {"page": "history"}


@pytest.mark.parametrize(
    "model, record",
    [("appointmentrequest", "appointment_request"), ("appointment", "appointment")],
)
@pytest.mark.parametrize(
    "term", ["Zebradottir", "quillon.zebradottir@example.com", "2175449876"]
)
def test_a_search_records_what_it_listed_but_not_what_was_searched(
    client, desk, request, model, record, term
):
    record = request.getfixturevalue(record)
    changelist = reverse(f"admin:booking_{model}_changelist")
    response = client.get(changelist, {"q": term}, REMOTE_ADDR=ADDRESS)
    assert response.status_code == 200
    assert record.reference in response.content.decode()
    (entry,) = entries(action=AuditEntry.Action.SEARCHED)
    assert getattr(entry, SUBJECT_FIELDS[type(record)]) == record
    assert entry.changes["results"] == 1
    assert_stamped(entry, desk)
    assert_no_patient_details(*AuditEntry.objects.all())


def test_a_search_records_each_record_on_the_page_it_showed(client, desk, treatment):
    listed = AppointmentRequestFactory.create_batch(3, treatment=treatment)
    unlisted = AppointmentRequestFactory(treatment=treatment, first_name="Bea")
    changelist = reverse("admin:booking_appointmentrequest_changelist")
    client.get(changelist, {"q": "Ada"}, REMOTE_ADDR=ADDRESS)
    searched = entries(action=AuditEntry.Action.SEARCHED)
    assert {entry.appointment_request for entry in searched} == set(listed)
    assert {entry.changes["results"] for entry in searched} == {3}
    assert not unlisted.audit_entries.filter(action=AuditEntry.Action.SEARCHED)


def test_a_search_that_finds_nobody_is_recorded_without_a_record(
    client, desk, appointment_request
):
    changelist = reverse("admin:booking_appointmentrequest_changelist")
    client.get(changelist, {"q": "Nobodyhere"}, REMOTE_ADDR=ADDRESS)
    (entry,) = entries(action=AuditEntry.Action.SEARCHED)
    assert entry.appointment_request is None and entry.appointment is None
    assert entry.changes == {"list": "appointment requests", "results": 0}
    assert_stamped(entry, desk)
    assert "Nobodyhere" not in str(entry.changes)


def test_listing_without_a_search_records_nothing(client, desk, appointment_request):
    client.get(reverse("admin:booking_appointmentrequest_changelist"))
    client.get(reverse("admin:booking_appointmentrequest_changelist"), {"q": "  "})
    assert not entries(action=AuditEntry.Action.SEARCHED)


def test_every_export_is_recorded_on_each_row_it_took(
    client, treatment, appointment_request
):
    manager = UserFactory(username="manager", groups=["Front desk", "Managers"])
    client.force_login(manager)
    other = AppointmentRequestFactory(treatment=treatment)
    changelist = reverse("admin:booking_appointmentrequest_changelist")
    response = client.post(
        changelist,
        {
            "action": "export_csv",
            "_selected_action": [appointment_request.pk, other.pk],
            "index": 0,
        },
        REMOTE_ADDR=ADDRESS,
    )
    assert response["Content-Type"].startswith("text/csv")
    exported = entries(action=AuditEntry.Action.EXPORTED)
    assert {entry.appointment_request for entry in exported} == {
        appointment_request,
        other,
    }
    for entry in exported:
        assert_stamped(entry, manager)
        assert entry.changes == {"rows": 2}
    assert_no_patient_details(*exported)


def test_a_refused_export_records_nothing(client, desk, appointment_request):
    response = run_action(
        client, "appointmentrequest", "export_csv", appointment_request
    )
    assert response.status_code == 403
    assert not entries(action=AuditEntry.Action.EXPORTED)


def test_managers_read_the_trail_by_reference_without_patient_details(
    client, desk, appointment_request
):
    changelist = reverse("admin:booking_appointmentrequest_changelist")
    client.get(changelist, {"q": "Zebradottir"}, REMOTE_ADDR=ADDRESS)
    client.get(changelist, {"q": "Nobodyhere"}, REMOTE_ADDR=ADDRESS)
    client.force_login(
        UserFactory(username="manager", groups=["Front desk", "Managers"])
    )
    trail = reverse("admin:booking_auditentry_changelist")
    html = client.get(trail).content.decode()
    assert appointment_request.reference in html
    assert "Found by a search" in html and ADDRESS in html and "desk" in html
    assert "results: 0" in html
    assert not [text for text in CANARY_TEXTS if text in html]
    found = client.get(trail, {"q": appointment_request.reference})
    assert set(found.context["cl"].result_list) == set(
        appointment_request.audit_entries.all()
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_manager_finds_a_search_in_the_trail_in_a_browser(
    live_server, page, sign_in_to_admin, treatment
):
    """A front-desk search, then the manager's reading of the trail: axe finds
    nothing on the trail's list and entry pages, and the CSP is kept."""
    from playwright.sync_api import expect

    from tests.test_quality import assert_accessible, watch_csp

    password = "correct horse battery staple"
    appointment_request = AppointmentRequestFactory(treatment=treatment, **CANARY)
    UserFactory(username="desk", password=password, groups=["Front desk"])
    UserFactory(
        username="manager", password=password, groups=["Front desk", "Managers"]
    )
    violations = watch_csp(page)

    sign_in_to_admin(page, "desk", password)
    page.goto(live_server.url + reverse("admin:booking_appointmentrequest_changelist"))
    page.locator("#searchbar").fill("Zebradottir")
    page.locator("#changelist-search").get_by_role("button").click()
    expect(page.locator("#result_list")).to_contain_text(appointment_request.reference)
    page.context.clear_cookies()

    sign_in_to_admin(page, "manager", password)
    page.get_by_role("link", name="Audit entries").click()
    results = page.locator("#result_list")
    expect(results).to_contain_text("Found by a search")
    expect(results).to_contain_text(appointment_request.reference)
    expect(results).not_to_contain_text("Zebradottir")
    assert_accessible(page, violations)
    results.locator("tbody tr").first.locator("th a").click()
    expect(page).to_have_url(re.compile(r"/auditentry/\d+/change/$"))
    expect(page.locator("#content")).to_contain_text("results: 1")
    assert page.get_by_role("button", name="Save").count() == 0
    assert_accessible(page, violations)


def test_the_database_refuses_to_change_or_delete_an_entry(appointment_request):
    from django.db import DatabaseError, transaction

    entry = appointment_request.audit_entries.create(action=AuditEntry.Action.VIEWED)
    for attempt in (
        lambda: AuditEntry.objects.filter(pk=entry.pk).update(action="created"),
        lambda: AuditEntry.objects.filter(pk=entry.pk).delete(),
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            attempt()
    entry.refresh_from_db()
    assert entry.action == AuditEntry.Action.VIEWED


# --- What a hold is to the admin: nothing ------------------------------------


def test_a_hold_staff_came_across_is_still_freed_when_it_lapses(client, desk, request):
    """A patient's hold is not in the admin: no search lists it, its pages are
    not there, and so no audit entry keeps the lapsed hold from being deleted
    when the next patient wants its time."""
    provider = request.getfixturevalue("clinic")["providers"][0].pk
    with time_machine.travel(journey.NOW, tick=False):
        client.force_login(desk)  # a session of the travelled-to day
        assert journey.hold(Client(), provider=provider).status_code == 302
        held = Appointment.objects.get(status=Appointment.Status.HELD)
        for query in ({}, {"q": held.reference}):
            response = client.get(changelist("appointment"), query)
            assert list(response.context["cl"].result_list) == []
        for view in ("change", "history"):
            url = reverse(f"admin:booking_appointment_{view}", args=[held.pk])
            assert client.get(url).status_code == 302  # "doesn't exist"
        for view in ("move", "status"):
            url = reverse(f"admin:booking_appointment_{view}", args=[held.pk])
            assert client.get(url).status_code == 404
        assert not held.audit_entries.exists()
    with time_machine.travel(journey.NOW + HOLD_DURATION + datetime.timedelta(1)):
        assert journey.hold(Client(), provider=provider).status_code == 302
    assert not Appointment.objects.filter(pk=held.pk).exists()


def test_the_appointment_list_offers_no_held_status(client, desk):
    cl = client.get(changelist("appointment")).context["cl"]
    (status,) = [spec for spec in cl.filter_specs if spec.title == "status"]
    offered = {str(choice["display"]) for choice in status.choices(cl)}
    assert "Booked" in offered and "Held" not in offered


@pytest.mark.usefixtures("clinic")
def test_a_hold_is_never_audited(desk):
    with time_machine.travel(journey.NOW, tick=False):
        journey.hold(Client())
    held = Appointment.objects.get()
    assert audit.record(action=AuditEntry.Action.VIEWED, records=[held]) == []
    audit.record_page_view(subject=held, page="history", actor=desk, ip_address=None)
    assert not AuditEntry.objects.exists()


# --- Patient details read only where it is recorded --------------------------


@pytest.mark.parametrize(
    "model, query",
    [
        ("appointmentrequest", {"status": "all", "last_name__icontains": "zebra"}),
        ("appointmentrequest", {"status": "all", "phone": CANARY["phone"]}),
        ("appointmentrequest", {"email__startswith": "quillon"}),
        ("appointmentrequest", {"first_name__in": "Quillon,Ann"}),
        ("appointment", {"email__startswith": "quillon"}),
        ("appointment", {"last_name": "Zebradottir"}),
        ("appointment", {"contact_method": "email"}),  # not a filter it offers
    ],
)
def test_a_filter_on_patient_details_in_the_address_is_refused(
    client, desk, request, model, query
):
    request.getfixturevalue(
        "appointment_request" if model == "appointmentrequest" else "appointment"
    )
    response = client.get(changelist(model), query)
    assert response.status_code == 400
    assert not [text for text in CANARY_TEXTS if text in response.content.decode()]
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.SEARCHED)


@pytest.mark.parametrize(
    "source, field, record",
    [
        ("auditentry", "appointment_request", "appointment_request"),
        ("appointment", "appointment_request", "appointment_request"),
        ("auditentry", "appointment", "appointment"),
    ],
)
def test_the_admins_autocomplete_finds_no_patients(
    client, desk, request, source, field, record
):
    record = request.getfixturevalue(record)
    query = {"app_label": "booking", "model_name": source, "field_name": field}
    response = client.get(reverse("admin:autocomplete"), query | {"term": "Zebra"})
    assert response.status_code == 404
    assert record.reference not in response.content.decode()


@pytest.mark.parametrize(
    "model, record",
    [("appointmentrequest", "appointment_request"), ("appointment", "appointment")],
)
def test_the_lists_own_filters_and_search_still_work(
    client, desk, request, model, record
):
    record = request.getfixturevalue(record)
    url = changelist(model)
    cl = client.get(url, {"status": "all"} if model == "appointmentrequest" else {})
    cl = cl.context["cl"]
    links = {
        choice["query_string"]
        for spec in cl.filter_specs
        for choice in spec.choices(cl)
    }
    offered = {
        "appointmentrequest": [
            "status=",
            "treatment__id__exact=",
            "preferred_date__gte=",
            "contact_method__exact=",
        ],
        "appointment": ["status=", "provider__id__exact="],
    }[model]
    assert all(any(name in link for link in links) for name in offered)
    for link in links:
        assert client.get(url + link).status_code == 200, link
    found = client.get(url, {"q": "Zebradottir"}).context["cl"].result_list
    assert list(found) == [record]


def test_a_search_posted_to_the_list_is_recorded(client, desk, appointment_request):
    url = changelist("appointmentrequest") + "?q=Zebradottir"
    response = client.post(url, {}, REMOTE_ADDR=ADDRESS)
    assert response.status_code == 200
    assert "Zebradottir" in response.content.decode()
    (entry,) = entries(action=AuditEntry.Action.SEARCHED)
    assert entry.appointment_request == appointment_request
    assert_stamped(entry, desk)


def test_an_action_run_from_a_search_records_no_search(
    client, desk, appointment_request
):
    response = client.post(
        changelist("appointmentrequest") + "?q=Zebradottir",
        {
            "action": "mark_contacted",
            "_selected_action": [appointment_request.pk],
            "index": 0,
        },
    )
    assert response.status_code == 302
    assert not entries(action=AuditEntry.Action.SEARCHED)


def test_a_request_page_shown_again_with_errors_is_recorded(
    client, desk, appointment_request
):
    url = reverse(
        "admin:booking_appointmentrequest_change", args=[appointment_request.pk]
    )
    response = client.post(url, {"status": "bogus"}, REMOTE_ADDR=ADDRESS)
    assert response.status_code == 200
    assert "Zebradottir" in response.content.decode()
    (entry,) = appointment_request.audit_entries.filter(action=AuditEntry.Action.VIEWED)
    assert_stamped(entry, desk)


def test_booking_a_time_for_a_request_is_recorded(client, desk, appointment_request):
    url = reverse(
        "admin:booking_appointment_from_request", args=[appointment_request.pk]
    )
    response = client.get(url, REMOTE_ADDR=ADDRESS)
    assert response.status_code == 200
    assert CANARY["email"] in response.content.decode()
    (entry,) = appointment_request.audit_entries.filter(action=AuditEntry.Action.VIEWED)
    assert entry.changes == {"page": "book a time"}
    assert_stamped(entry, desk)
