"""The booking services called directly, without HTTP: the rules each one owns."""

import datetime
import uuid

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from booking import audit
from booking.clinic import clinic_details
from booking.models import AppointmentRequest, AuditEntry, RateLimitCounter
from booking.ratelimit import RateLimited
from booking.services import (
    AlreadySubmitted,
    appointment_request_set_status,
    appointment_request_submit,
    appointment_request_update,
    appointment_requests_anonymize_expired,
)
from booking.tasks import send_request_emails
from tests.booking.factories import (
    AppointmentRequestFactory,
    TreatmentFactory,
    UserFactory,
    next_open_day,
    queued,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient(treatment):
    return {
        "first_name": "Maria",
        "last_name": "García",
        "email": "maria@example.com",
        "phone": "+12175440123",
        "treatment": treatment,
        "preferred_date": next_open_day(),
        "preferred_time": "morning",
        "patient_type": "new",
        "contact_method": "text",
        "message": "",
        "consent": True,
    }


def submit(patient, *, client_ip="192.0.2.1", form_token=None, **overrides):
    return appointment_request_submit(
        client_ip=client_ip,
        form_token=form_token or uuid.uuid4(),
        **patient | overrides,
    )


# --- submit: replay, rate limit, duplicate, create ---------------------------


def test_submit_stores_the_request_audited_with_its_emails_queued(patient):
    appointment_request = submit(patient)
    assert appointment_request.reference.startswith("MS-")
    assert appointment_request.status == AppointmentRequest.Status.NEW
    assert queued(send_request_emails) == [{"request_id": appointment_request.pk}]
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor, entry.changes) == ("created", None, {})


def test_the_email_task_is_queued_with_the_request_or_not_at_all(patient):
    """Inside the request's own transaction, not after its commit: no crash
    between the two can leave a request without its emails (booking.tasks)."""
    with pytest.raises(RuntimeError), transaction.atomic():
        submit(patient)
        assert len(queued(send_request_emails)) == 1  # before any commit
        raise RuntimeError("the transaction fails after the submit")
    assert queued(send_request_emails) == []
    assert not AppointmentRequest.objects.exists()


def test_submit_takes_exactly_the_patient_fields(patient):
    with pytest.raises(TypeError):
        submit(patient, status="scheduled")


def test_submit_refuses_an_unnormalised_phone_from_any_entry_point(patient):
    with pytest.raises(ValidationError) as error:
        submit(patient, phone="call me maybe")
    assert error.value.message_dict["phone"][0].startswith("Enter a valid phone")
    assert not AppointmentRequest.objects.exists()


def test_a_replay_returns_the_stored_request_even_over_the_rate_limit(
    patient, settings
):
    settings.BOOKING_RATE_LIMIT = 1
    token = uuid.uuid4()
    first = submit(patient, form_token=token)
    # The client is now at its limit; its own double click must still succeed.
    assert submit(patient, form_token=token) == first
    assert submit(patient, form_token=token, email="MARIA@example.com") == first
    with pytest.raises(RateLimited):
        submit(patient, email="other@example.com")
    assert AppointmentRequest.objects.count() == 1


def test_a_replay_with_different_details_raises_and_keeps_the_first(patient):
    token = uuid.uuid4()
    first = submit(patient, form_token=token)
    with pytest.raises(AlreadySubmitted) as raised:
        submit(patient, form_token=token, phone="+12175440199")
    assert raised.value.appointment_request == first
    first.refresh_from_db()
    assert first.phone == "+12175440123"


def test_a_rate_limited_post_stores_nothing_and_the_window_passes(patient, settings):
    settings.BOOKING_RATE_LIMIT = 2
    submit(patient, email="a@example.com")
    submit(patient, email="b@example.com")
    with pytest.raises(RateLimited):
        submit(patient, email="c@example.com")
    submit(patient, email="c@example.com", client_ip="198.51.100.7")
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=11)):
        submit(patient, email="d@example.com")
    assert AppointmentRequest.objects.count() == 4


def test_the_same_request_again_under_a_new_token_is_the_same_request(patient):
    first = submit(patient)
    assert submit(patient) == first
    assert submit(patient, email="Maria@Example.com") == first
    assert AppointmentRequest.objects.count() == 1


@pytest.mark.parametrize(
    "change",
    [
        {"first_name": "Marie"},
        {"phone": "+12175440199"},
        {"treatment": None},
        {"preferred_time": "afternoon"},
        {"message": "For my sister"},
    ],
)
def test_a_request_differing_in_any_field_is_kept(patient, change):
    submit(patient)
    submit(patient, **change)
    assert AppointmentRequest.objects.count() == 2


def test_the_duplicate_window_is_thirty_minutes_of_new_requests(patient):
    first = submit(patient)
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=29)):
        assert submit(patient) == first
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=31)):
        assert submit(patient) != first
    assert AppointmentRequest.objects.count() == 2
    # Once staff have worked it, the same details are a new request.
    AppointmentRequest.objects.update(status="contacted")
    submit(patient)
    assert AppointmentRequest.objects.count() == 3


def requests_read() -> int:
    """Rows of booking_appointmentrequest this transaction has read so far."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_stat_get_xact_tuples_returned(%s::regclass)"
            " + pg_stat_get_xact_tuples_fetched(%s::regclass)",
            ["booking_appointmentrequest"] * 2,
        )
        return cursor.fetchone()[0]


def test_the_duplicate_check_reads_only_the_address_s_own_requests(patient):
    """However many requests a treatment had lately, a post reads its own
    address's rows and no others. Before, with every patient field in the
    query and statistics from before the treatment's requests came in (a new
    treatment, a burst), PostgreSQL walked the treatment's index and read each
    of its recent requests on every post: 3.8 ms of the database's time per
    post at 5,000 of them (bench/PERFORMANCE.md 14)."""
    older = AppointmentRequestFactory.build_batch(300, treatment=TreatmentFactory())
    AppointmentRequest.objects.bulk_create(older)
    AppointmentRequest.objects.update(
        created_at=timezone.now() - datetime.timedelta(days=2)
    )
    recent = AppointmentRequestFactory.build_batch(300, treatment=patient["treatment"])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE booking_appointmentrequest")
    AppointmentRequest.objects.bulk_create(recent)
    read_before = requests_read()
    submit(patient)
    read_after = requests_read()
    # The foreign-key check of the audit entry reads the new row itself.
    assert read_after - read_before <= 2


def test_acknowledgments_to_one_address_are_limited_per_day(patient, settings):
    settings.BOOKING_RATE_LIMIT = 100
    settings.BOOKING_ACKNOWLEDGMENTS_PER_DAY = 3
    stored = [submit(patient, first_name=f"Name{n}") for n in range(5)]
    assert [r.patient_email_withheld for r in stored] == [False] * 3 + [True] * 2
    assert submit(patient, email="someone.else@example.com").patient_email_withheld is (
        False
    )
    # Counted per address whatever its case, and the next day starts afresh.
    assert submit(
        patient, email="MARIA@example.com", first_name="X"
    ).patient_email_withheld
    with time_machine.travel(timezone.now() + datetime.timedelta(days=1)):
        assert not submit(patient, first_name="Tomorrow").patient_email_withheld


# --- status lifecycle ---------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "target", "allowed"),
    [
        ("new", "contacted", True),
        ("new", "completed", False),
        ("contacted", "new", False),
        ("scheduled", "completed", True),
        ("scheduled", "no_show", True),
        ("completed", "new", False),
        ("completed", "cancelled", False),
        ("cancelled", "contacted", True),
        ("declined", "scheduled", False),
    ],
)
def test_status_moves_follow_the_lifecycle(treatment, start, target, allowed):
    appointment_request = AppointmentRequestFactory(
        treatment=treatment,
        status=start,
        scheduled_for=timezone.now() + datetime.timedelta(days=1),
    )
    staff = UserFactory()
    requests = AppointmentRequest.objects.filter(pk=appointment_request.pk)
    if allowed:
        moved = appointment_request_set_status(
            appointment_requests=requests, status=target, actor=staff, ip_address=None
        )
        assert moved == [appointment_request]
        entry = AuditEntry.objects.get(action="changed")
        assert entry.changes == {"status": [start, target]}
        assert entry.actor == staff
    else:
        with pytest.raises(ValidationError, match="cannot be marked"):
            appointment_request_set_status(
                appointment_requests=requests,
                status=target,
                actor=staff,
                ip_address=None,
            )
        assert requests.get().status == start
        assert not AuditEntry.objects.exists()


def test_every_status_has_its_transitions_written_down():
    statuses = set(AppointmentRequest.Status.values)
    assert set(AppointmentRequest.TRANSITIONS) == statuses
    for targets in AppointmentRequest.TRANSITIONS.values():
        assert targets <= statuses
        assert AppointmentRequest.Status.NEW not in targets


def test_update_refuses_a_forbidden_move_and_saves_nothing(treatment):
    appointment_request = AppointmentRequestFactory(treatment=treatment)
    AppointmentRequest.objects.filter(pk=appointment_request.pk).update(
        status="completed"
    )
    appointment_request = AppointmentRequest.objects.get(pk=appointment_request.pk)
    appointment_request.status = "new"
    appointment_request.staff_notes = "reopened"
    with pytest.raises(ValidationError) as error:
        appointment_request_update(
            appointment_request=appointment_request, actor=None, ip_address=None
        )
    assert "cannot be marked new" in error.value.message_dict["status"][0]
    assert AppointmentRequest.objects.get(pk=appointment_request.pk).staff_notes == ""


# --- audit --------------------------------------------------------------------


def test_update_audits_its_own_diff_with_private_fields_masked(treatment):
    staff = UserFactory()
    appointment_request = AppointmentRequest.objects.get(
        pk=AppointmentRequestFactory(treatment=treatment).pk
    )
    appointment_request.status = "scheduled"
    appointment_request.scheduled_for = datetime.datetime(
        2026, 12, 1, 15, 30, tzinfo=datetime.UTC
    )
    appointment_request.staff_notes = "Prefers the afternoon; anxious about needles"
    appointment_request_update(
        appointment_request=appointment_request, actor=staff, ip_address="192.0.2.9"
    )
    entry = AuditEntry.objects.get(action="changed")
    assert entry.changes == {
        "status": ["new", "scheduled"],
        "scheduled_for": ["", "2026-12-01 15:30:00+00:00"],
        "staff_notes": "changed",
    }
    assert "needles" not in str(entry.changes)
    assert (entry.actor, entry.ip_address) == (staff, "192.0.2.9")
    appointment_request.refresh_from_db()
    assert appointment_request.handled_by == staff


def test_an_update_that_changes_nothing_writes_no_audit_entry(treatment):
    appointment_request = AppointmentRequest.objects.get(
        pk=AppointmentRequestFactory(treatment=treatment).pk
    )
    appointment_request_update(
        appointment_request=appointment_request, actor=None, ip_address=None
    )
    assert not AuditEntry.objects.exists()


def test_patient_details_changed_by_a_service_are_recorded_only_as_changed(
    treatment,
):
    appointment_request = AppointmentRequest.objects.get(
        pk=AppointmentRequestFactory(treatment=treatment).pk
    )
    appointment_request.email = "new.secret@example.com"
    appointment_request.phone = "+12175440177"
    appointment_request_update(
        appointment_request=appointment_request, actor=None, ip_address=None
    )
    entry = AuditEntry.objects.get(action="changed")
    assert entry.changes == {"email": "changed", "phone": "changed"}
    assert set(AppointmentRequest.PERSONAL_FIELDS) <= audit.PRIVATE_FIELDS


def test_a_second_update_starts_from_what_the_first_saved(treatment):
    appointment_request = AppointmentRequest.objects.get(
        pk=AppointmentRequestFactory(treatment=treatment).pk
    )
    appointment_request.status = "contacted"
    appointment_request_update(
        appointment_request=appointment_request, actor=None, ip_address=None
    )
    appointment_request.status = "new"  # contacted → new is not allowed
    with pytest.raises(ValidationError, match="cannot be marked new"):
        appointment_request_update(
            appointment_request=appointment_request, actor=None, ip_address=None
        )
    appointment_request.status = "scheduled"
    appointment_request.scheduled_for = timezone.now() + datetime.timedelta(days=2)
    appointment_request_update(
        appointment_request=appointment_request, actor=None, ip_address=None
    )
    diffs = [
        entry.changes["status"]
        for entry in AuditEntry.objects.filter(action="changed").order_by("pk")
    ]
    assert diffs == [["new", "contacted"], ["contacted", "scheduled"]]
    assert AppointmentRequest.objects.get(pk=appointment_request.pk).status == (
        "scheduled"
    )


def test_an_anonymised_request_keeps_its_status(treatment):
    appointment_request = AppointmentRequestFactory(
        treatment=treatment, status="cancelled", anonymized_at=timezone.now()
    )
    with pytest.raises(ValidationError, match="anonymised record keeps its status"):
        appointment_request_set_status(
            appointment_requests=AppointmentRequest.objects.filter(
                pk=appointment_request.pk
            ),
            status="contacted",
            actor=None,
            ip_address=None,
        )
    assert AppointmentRequest.objects.get(pk=appointment_request.pk).status == (
        "cancelled"
    )


# --- retention ----------------------------------------------------------------


def test_anonymise_erases_the_personal_fields_of_old_closed_requests(treatment):
    with time_machine.travel(timezone.now() - datetime.timedelta(days=400)):
        old = AppointmentRequestFactory(
            treatment=treatment,
            status="completed",
            message="private",
            staff_notes="notes",
            source_path="/articles/x/",
        )
        old_open = AppointmentRequestFactory(
            treatment=treatment, status="scheduled", scheduled_for=timezone.now()
        )
    recent = AppointmentRequestFactory(treatment=treatment, status="completed")
    assert appointment_requests_anonymize_expired(days=365) == 1
    old.refresh_from_db()
    for field in AppointmentRequest.PERSONAL_FIELDS:
        assert getattr(old, field) == ""
    assert (old.staff_notes, old.source_path) == ("", "")
    assert old.treatment == treatment and old.preferred_date  # statistics stay
    entry = old.audit_entries.get()
    assert (entry.action, entry.changes) == ("anonymized", {"retention_days": 365})
    for untouched in (old_open, recent):
        untouched.refresh_from_db()
        assert untouched.anonymized_at is None and untouched.first_name == "Ada"


@pytest.mark.parametrize("days", [0, -1, 29])
def test_anonymise_refuses_a_retention_under_thirty_days(treatment, days):
    AppointmentRequestFactory(treatment=treatment, status="completed")
    with pytest.raises(ValueError, match="at least 30 days"):
        appointment_requests_anonymize_expired(days=days)
    assert not AppointmentRequest.objects.filter(anonymized_at__isnull=False).exists()


def test_finished_rate_limit_counters_are_deleted(patient):
    from booking import ratelimit

    with time_machine.travel(timezone.now() - datetime.timedelta(days=2)):
        submit(patient)
    submit(patient, email="today@example.com")
    assert ratelimit.counters_delete_finished() == 2  # the post and the ack counter
    assert RateLimitCounter.objects.count() == 2


def test_a_reference_collision_draws_another_code(patient, monkeypatch):
    from booking import services

    taken = AppointmentRequestFactory(reference="MS-AAAAA").reference
    codes = iter([taken, "MS-BBBBB"])
    monkeypatch.setattr(services, "generate_reference", lambda: next(codes))
    assert submit(patient).reference == "MS-BBBBB"


def test_a_broken_invariant_from_a_direct_call_is_a_validation_error(patient):
    with pytest.raises(ValidationError, match="Consent to be contacted is required"):
        submit(patient, consent=False)
    assert not AppointmentRequest.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_booking_post_makes_eight_queries(client, treatment):
    """Counted as bench/measure.py counts them, BEGIN and COMMIT included: the
    form's treatment lookup; the service's transaction with one lookup for
    replay and duplicate, one statement counting the post and the
    acknowledgment, the row and its audit entry; and the email task. Was 18
    before the reshape, 15 with a session, 11 with the model validation asking
    again whether the treatment exists, an advisory lock per form token (the
    unique token now settles concurrent posts) and the two counters apart.
    The confirmation page is named by a signed cookie, not a new session."""
    from django.test.utils import CaptureQueriesContext

    from tests.booking.factories import form_data

    # The clinic's hours and closures, read once a second per process.
    clinic_details()
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/book/request/", form_data(treatment=treatment))
    assert response.status_code == 302
    assert len(queries) == 8


@pytest.mark.parametrize(("days", "errors"), [(29, ["booking.E001"]), (30, [])])
def test_a_retention_period_under_thirty_days_fails_the_system_check(
    settings, days, errors
):
    from django.core.checks import run_checks

    settings.BOOKING_RETENTION_DAYS = days
    assert [e.id for e in run_checks() if e.id.startswith("booking.")] == errors


def test_personal_fields_are_patient_fields():
    """Anonymising erases a subset of what the patient sent, nothing else."""
    personal = set(AppointmentRequest.PERSONAL_FIELDS)
    assert personal <= set(AppointmentRequest.PATIENT_FIELDS)
