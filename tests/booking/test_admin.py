import csv
import datetime
import io

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from booking.models import AppointmentRequest, AuditEntry
from tests.booking.factories import AppointmentRequestFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:booking_appointmentrequest_changelist")


def change_url(appointment_request):
    return reverse(
        "admin:booking_appointmentrequest_change", args=[appointment_request.pk]
    )


def action(client, name, *requests, **extra):
    return client.post(
        CHANGELIST + extra.pop("query", ""),
        {
            "action": name,
            "_selected_action": [r.pk for r in requests],
            **extra,
        },
    )


def test_anonymous_is_sent_to_login():
    from django.test import Client

    response = Client().get(CHANGELIST)
    assert response.status_code == 302
    assert "/login/" in response.url


def test_front_desk_group_has_exactly_its_permissions():
    permissions = set(
        Group.objects.get(name="Front desk").permissions.values_list(
            "content_type__app_label", "codename"
        )
    )
    assert permissions == {
        ("booking", "view_appointmentrequest"),
        ("booking", "change_appointmentrequest"),
        ("booking", "view_treatment"),
        ("booking", "view_appointment"),
        ("booking", "add_appointment"),
        ("booking", "change_appointment"),
        ("booking", "view_waitlistentry"),
        ("booking", "change_waitlistentry"),
    }


def test_managers_group_adds_export_and_the_audit_trail():
    permissions = set(
        Group.objects.get(name="Managers").permissions.values_list(
            "content_type__app_label", "codename"
        )
    )
    assert permissions == {
        ("booking", "export_appointmentrequest"),
        ("booking", "view_auditentry"),
    }


def test_content_editors_get_no_booking_permissions():
    group = Group.objects.get(name="Content editors")
    assert not group.permissions.filter(content_type__app_label="booking").exists()


def test_content_editor_cannot_see_patient_data(client, treatment):
    editor = UserFactory(username="editor", groups=["Content editors"])
    appointment_request = AppointmentRequestFactory(treatment=treatment)
    client.force_login(editor)
    assert client.get(CHANGELIST).status_code == 403
    assert client.get(change_url(appointment_request)).status_code == 403
    index = client.get(reverse("admin:index")).content.decode()
    assert "new requests" not in index


def test_front_desk_cannot_edit_articles_or_delete_requests(
    front_desk_client, treatment
):
    appointment_request = AppointmentRequestFactory(treatment=treatment)
    assert front_desk_client.get("/admin/blog/article/").status_code == 403
    assert front_desk_client.get("/admin/blog/article/add/").status_code == 403
    delete_url = reverse(
        "admin:booking_appointmentrequest_delete", args=[appointment_request.pk]
    )
    assert front_desk_client.get(delete_url).status_code == 403
    add_url = reverse("admin:booking_appointmentrequest_add")
    assert front_desk_client.get(add_url).status_code == 403
    treatment_url = reverse("admin:booking_treatment_change", args=[treatment.pk])
    response = front_desk_client.get(treatment_url)
    assert response.status_code == 200  # view only
    assert 'name="name"' not in response.content.decode()


def test_changelist_shows_open_requests_newest_first_with_fixed_queries(
    front_desk_client, treatment, django_assert_max_num_queries
):
    old = AppointmentRequestFactory(
        treatment=treatment, created_at=timezone.now() - datetime.timedelta(days=2)
    )
    new = AppointmentRequestFactory(treatment=treatment)
    done = AppointmentRequestFactory(
        treatment=treatment, status=AppointmentRequest.Status.COMPLETED
    )
    AppointmentRequestFactory.create_batch(20, treatment=None)
    # 13: every admin page also reads the user's confirmed second factor.
    with django_assert_max_num_queries(13):
        response = front_desk_client.get(CHANGELIST)
    html = response.content.decode()
    assert html.index(new.reference) < html.index(old.reference)
    assert done.reference not in html
    assert "booking-status-new" in html
    assert "Consultation (not sure)" in html
    everything = front_desk_client.get(CHANGELIST + "?status=all").content.decode()
    assert done.reference in everything


@pytest.mark.parametrize(
    "term", ["MS-FIND1", "Findme", "findme@example.com", "(217) 544-0177", "5440177"]
)
def test_search_by_reference_name_email_phone(front_desk_client, treatment, term):
    target = AppointmentRequestFactory(
        reference="MS-FIND1",
        last_name="Findme",
        email="findme@example.com",
        phone="+12175440177",
        treatment=treatment,
    )
    other = AppointmentRequestFactory(treatment=treatment)
    html = front_desk_client.get(CHANGELIST, {"q": term}).content.decode()
    assert target.reference in html
    assert other.reference not in html


def test_phone_search_keeps_the_list_filters(front_desk_client, treatment):
    closed = AppointmentRequestFactory(
        reference="MS-GONE1",
        phone="+12175440100",
        treatment=treatment,
        status=AppointmentRequest.Status.CANCELLED,
    )
    open_one = AppointmentRequestFactory(
        reference="MS-OPEN1", phone="+12175440100", treatment=treatment
    )
    html = front_desk_client.get(CHANGELIST, {"q": "(217) 544-0100"}).text
    assert open_one.reference in html
    assert closed.reference not in html  # the default "open" filter still applies


def test_filters_and_date_hierarchy_find_the_matching_rows(
    front_desk_client, treatment
):
    match = AppointmentRequestFactory(treatment=treatment)
    other = AppointmentRequestFactory(
        treatment=None, contact_method="email", status="contacted"
    )
    today = timezone.localdate()
    for query, expected in (
        ({"treatment__id__exact": treatment.pk}, {match}),
        ({"status": "new"}, {match}),
        ({"status": "all"}, {match, other}),
        (
            {"created_at__year": today.year, "created_at__month": today.month},
            {match, other},
        ),
        ({"contact_method__exact": "call"}, {match}),
        ({"source_article__isnull": "True", "status": "all"}, {match, other}),
    ):
        response = front_desk_client.get(CHANGELIST, query)
        assert response.status_code == 200
        shown = set(response.context["cl"].result_list)
        assert shown == expected, query


def test_actions_change_status_and_are_audited(
    front_desk_client, front_desk_user, treatment
):
    first, second = AppointmentRequestFactory.create_batch(2, treatment=treatment)
    response = action(front_desk_client, "mark_contacted", first, second)
    assert response.status_code == 302
    for appointment_request in (first, second):
        appointment_request.refresh_from_db()
        assert appointment_request.status == "contacted"
        assert appointment_request.handled_by == front_desk_user
        entry = appointment_request.audit_entries.get(action="changed")
        assert entry.actor == front_desk_user
        assert entry.changes == {"status": ["new", "contacted"]}
        assert entry.ip_address == "127.0.0.1"
    # Along the lifecycle: contacted → declined → contacted → cancelled.
    for name, status in [
        ("mark_declined", "declined"),
        ("mark_contacted", "contacted"),
        ("mark_cancelled", "cancelled"),
    ]:
        action(front_desk_client, name, first, query="?status=all")
        first.refresh_from_db()
        assert first.status == status


def test_a_forbidden_status_action_changes_nothing_and_says_why(
    front_desk_client, treatment
):
    completed = AppointmentRequestFactory(
        treatment=treatment,
        status="scheduled",
        scheduled_for=timezone.now() + datetime.timedelta(days=1),
    )
    fresh = AppointmentRequestFactory(treatment=treatment)
    AppointmentRequest.objects.filter(pk=completed.pk).update(status="completed")
    response = action(
        front_desk_client, "mark_no_show", fresh, completed, query="?status=all"
    )
    assert response.status_code == 302
    page = front_desk_client.get(response.url)
    assert (
        f"Nothing was changed. {completed.reference}: A request that is completed "
        "cannot be marked no-show." in page.content.decode()
    )
    # All or nothing: the allowed one did not move either.
    assert AppointmentRequest.objects.get(pk=fresh.pk).status == "new"
    assert AppointmentRequest.objects.get(pk=completed.pk).status == "completed"
    assert not AuditEntry.objects.filter(action="changed").exists()


def test_the_change_form_refuses_a_forbidden_status_with_a_clear_message(
    front_desk_client, treatment
):
    appointment_request = AppointmentRequestFactory(treatment=treatment)
    AppointmentRequest.objects.filter(pk=appointment_request.pk).update(
        status="completed"
    )
    url = reverse(
        "admin:booking_appointmentrequest_change", args=[appointment_request.pk]
    )
    page = front_desk_client.get(url)
    assert "From here: no further moves." in page.content.decode()
    response = front_desk_client.post(
        url, {"status": "new", "scheduled_for_0": "", "scheduled_for_1": ""}
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["status"] == [
        "A request that is completed cannot be marked new. From here it can be: "
        "nothing else."
    ]
    assert AppointmentRequest.objects.get(pk=appointment_request.pk).status == (
        "completed"
    )


def test_scheduling_needs_a_time_and_is_audited(
    front_desk_client, front_desk_user, treatment
):
    appointment_request = AppointmentRequestFactory(treatment=treatment)
    url = change_url(appointment_request)
    data = {"status": "scheduled", "staff_notes": "Prefers mornings"}
    response = front_desk_client.post(
        url, {**data, "scheduled_for_0": "", "scheduled_for_1": ""}
    )
    assert response.status_code == 200
    assert "needs the appointment date and time" in response.content.decode()

    day = appointment_request.preferred_date
    response = front_desk_client.post(
        url,
        {**data, "scheduled_for_0": day.isoformat(), "scheduled_for_1": "10:30"},
    )
    assert response.status_code == 302
    appointment_request.refresh_from_db()
    assert appointment_request.status == "scheduled"
    assert timezone.localtime(appointment_request.scheduled_for).hour == 10
    assert appointment_request.handled_by == front_desk_user
    entry = appointment_request.audit_entries.get(action="changed")
    assert entry.changes["status"] == ["new", "scheduled"]
    assert entry.changes["staff_notes"] == "changed"  # never the note itself
    assert "Prefers" not in str(entry.changes)

    page = front_desk_client.get(url).content.decode()
    assert "new → scheduled" in page
    assert "frontdesk" in page
    assert appointment_request.audit_entries.filter(action="viewed").exists()


def test_patient_fields_are_read_only_in_admin(front_desk_client, treatment):
    appointment_request = AppointmentRequestFactory(treatment=treatment)
    front_desk_client.post(
        change_url(appointment_request),
        {"status": "new", "first_name": "Changed", "email": "x@example.com"},
    )
    appointment_request.refresh_from_db()
    assert appointment_request.first_name == "Ada"


def test_csv_export_guards_formulas_keeps_unicode_and_is_audited(client, treatment):
    manager = UserFactory(username="manager", groups=["Front desk", "Managers"])
    client.force_login(manager)
    risky = AppointmentRequestFactory(
        treatment=treatment, first_name='=HYPERLINK("x")', last_name="@SUM(A1)"
    )
    unicode = AppointmentRequestFactory(
        treatment=None, first_name="Zoë 😀", last_name="מרים"
    )
    semicolons = AppointmentRequestFactory(
        treatment=treatment,
        first_name="Ann;=cmd()",
        last_name="Lee;+1;-2;@x; ok;",
    )
    response = action(client, "export_csv", risky, unicode, semicolons)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "no-store" in response["Cache-Control"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    by_ref = {row["reference"]: row for row in rows}
    assert by_ref[risky.reference]["first name"] == '\'=HYPERLINK("x")'
    assert by_ref[risky.reference]["last name"] == "'@SUM(A1)"
    assert by_ref[risky.reference]["mobile phone"] == "'+12175440100"
    assert by_ref[unicode.reference]["first name"] == "Zoë 😀"
    assert by_ref[unicode.reference]["last name"] == "מרים"
    assert by_ref[unicode.reference]["treatment"] == "Consultation"
    # Where a semicolon-splitting spreadsheet starts a cell, a formula is
    # guarded too.
    assert by_ref[semicolons.reference]["first name"] == "Ann;'=cmd()"
    assert by_ref[semicolons.reference]["last name"] == "Lee;'+1;'-2;'@x; ok;"
    assert AuditEntry.objects.filter(action="exported", actor=manager).count() == 3


def test_export_needs_the_export_permission(client, treatment):
    from django.contrib.auth.models import Permission

    viewer = UserFactory(username="viewer")
    viewer.user_permissions.add(
        Permission.objects.get(codename="view_appointmentrequest"),
        Permission.objects.get(codename="change_appointmentrequest"),
    )
    client.force_login(viewer)
    appointment_request = AppointmentRequestFactory(treatment=treatment)
    response = action(client, "export_csv", appointment_request)
    assert response.status_code == 403
    assert not response["Content-Type"].startswith("text/csv")
    assert not AuditEntry.objects.filter(action="exported").exists()


def test_admin_index_shows_todays_counts(front_desk_client, treatment):
    AppointmentRequestFactory.create_batch(3, treatment=treatment)
    AppointmentRequestFactory(treatment=treatment, status="contacted")
    now = timezone.now()
    AppointmentRequestFactory(
        treatment=treatment, status="scheduled", scheduled_for=now
    )
    AppointmentRequestFactory(
        treatment=treatment,
        status="scheduled",
        scheduled_for=now + datetime.timedelta(days=3),
    )
    html = front_desk_client.get(reverse("admin:index")).content.decode()
    assert "<strong>3</strong> new requests" in html
    assert "<strong>1</strong> to call back" in html
    assert "<strong>1</strong> scheduled today" in html


def test_admin_pages_are_not_cached(front_desk_client, treatment):
    appointment_request = AppointmentRequestFactory(treatment=treatment)
    for url in (CHANGELIST, change_url(appointment_request)):
        assert "no-store" in front_desk_client.get(url)["Cache-Control"]


def test_anonymize_command_erases_old_closed_requests_only_and_is_audited(
    treatment, settings
):
    from django.core.management import call_command

    settings.BOOKING_RETENTION_DAYS = 365
    with time_machine.travel(timezone.now() - datetime.timedelta(days=400)):
        old = AppointmentRequestFactory(
            treatment=treatment, message="private", status="completed"
        )
        still_open = AppointmentRequestFactory(treatment=treatment, status="contacted")
    recent = AppointmentRequestFactory(treatment=treatment)
    out = io.StringIO()
    call_command("anonymize_appointment_requests", stdout=out)
    assert "Anonymized 1" in out.getvalue()
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.first_name, old.last_name, old.email, old.phone, old.message) == (
        "",
        "",
        "",
        "",
        "",
    )
    assert old.anonymized_at is not None
    assert old.treatment == treatment and old.reference  # statistics survive
    assert old.audit_entries.filter(action="anonymized").count() == 1
    assert recent.first_name == "Ada" and recent.anonymized_at is None
    still_open.refresh_from_db()
    assert still_open.first_name == "Ada" and still_open.anonymized_at is None
    call_command("anonymize_appointment_requests", stdout=io.StringIO())
    assert old.audit_entries.filter(action="anonymized").count() == 1


@pytest.mark.parametrize("days", [0, -1, 29])
def test_anonymize_command_refuses_a_retention_under_30_days(treatment, days):
    from django.core.management import CommandError, call_command

    closed = AppointmentRequestFactory(treatment=treatment, status="completed")
    with pytest.raises(CommandError, match="at least 30 days"):
        call_command("anonymize_appointment_requests", f"--days={days}")
    closed.refresh_from_db()
    assert closed.anonymized_at is None and closed.first_name == "Ada"


def test_staff_can_see_which_article_brought_a_request(front_desk_client, treatment):
    from blog.models import Article

    article = Article.objects.create(
        title="Botox or Dysport?",
        slug="botox-vs-dysport",
        author_name="Staff",
        status=Article.Status.PUBLISHED,
        published_at=timezone.now(),
    )
    appointment_request = AppointmentRequestFactory(
        treatment=treatment, source_article=article
    )
    changelist = front_desk_client.get(CHANGELIST).content.decode()
    assert "Botox or Dysport?" in changelist  # offered as a filter
    filtered = front_desk_client.get(
        CHANGELIST, {"source_article__id__exact": article.pk}
    )
    assert appointment_request.reference in filtered.content.decode()
    detail = front_desk_client.get(change_url(appointment_request)).content.decode()
    assert "Botox or Dysport?" in detail


def test_treatment_admin_smoke(admin_client, treatment):
    assert admin_client.get("/admin/booking/treatment/").status_code == 200
    assert admin_client.get("/admin/booking/treatment/add/").status_code == 200
    response = admin_client.get("/admin/booking/treatment/", {"q": "Botox"})
    assert "Botox Cosmetic" in response.content.decode()


def test_anonymized_request_still_opens_and_can_be_edited(front_desk_client, treatment):
    from booking.services import appointment_requests_anonymize_expired

    with time_machine.travel(timezone.now() - datetime.timedelta(days=400)):
        appointment_request = AppointmentRequestFactory(
            treatment=treatment, status="declined"
        )
    appointment_requests_anonymize_expired(days=365)
    url = change_url(appointment_request)
    assert front_desk_client.get(url).status_code == 200
    response = front_desk_client.post(
        url, {"status": "declined", "staff_notes": "Left town"}
    )
    assert response.status_code == 302
    appointment_request.refresh_from_db()
    assert appointment_request.staff_notes == "Left town"
    assert appointment_request.email == ""


def test_the_back_office_carries_the_clinics_name(admin_client, settings):
    html = admin_client.get("/admin/").content.decode()
    assert f"{settings.CLINIC['name']} · back office" in html
    assert "Django administration" not in html
