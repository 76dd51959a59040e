"""The clinic's booking rules: the consultation rule for new patients
(booking.rules), the policy shown before booking, the separate rebooking
consent, and the missed appointments staff see on a patient's record."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from booking import frontdesk
from booking.models import Appointment, Provider
from booking.rules import treatment_to_book
from tests.booking import test_journey
from tests.booking.factories import TreatmentFactory
from tests.booking.test_journey import MONDAY_NINE, NOW, details, hold

clinic = test_journey.clinic
pytestmark = pytest.mark.django_db
HOUR = datetime.timedelta(hours=1)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def fillers(clinic):
    """Fillers, whose new patients start with a (bookable) consultation."""
    consultation = TreatmentFactory(
        name="Consultation", slug="consultation", is_bookable_online=True
    )
    fillers = TreatmentFactory(
        name="Dermal fillers",
        slug="fillers",
        is_bookable_online=True,
        new_patient_treatment=consultation,
    )
    for provider in Provider.objects.all():
        provider.treatments.add(consultation, fillers)
    return fillers


# --- The rule itself ----------------------------------------------------------


def test_new_patients_book_the_substitute_returning_ones_the_treatment(fillers):
    consultation = fillers.new_patient_treatment
    assert treatment_to_book(fillers, new_patient=True) == consultation
    assert treatment_to_book(fillers, new_patient=False) == fillers


def test_a_treatment_without_a_substitute_is_booked_by_everyone(clinic):
    botox = clinic["treatment"]
    assert treatment_to_book(botox, new_patient=True) == botox
    assert treatment_to_book(botox, new_patient=False) == botox


def test_a_treatment_cannot_be_its_own_substitute(fillers):
    fillers.new_patient_treatment = fillers
    with pytest.raises(ValidationError, match="another treatment|not a chain"):
        fillers.full_clean()


# --- The rule on the booking pages -------------------------------------------


def test_the_times_page_asks_new_or_returning_first(client, fillers):
    html = client.get("/book/fillers/").content.decode()
    assert "Have you been treated at" in html
    assert 'href="?patient=returning"' in html and 'href="?patient=new"' in html
    assert 'name="start"' not in html  # no times before the answer


def test_a_new_patient_is_sent_to_the_consultation_with_a_reason(client, fillers):
    response = client.get("/book/fillers/?patient=new")
    assert response.status_code == 302
    assert response.url == "/book/consultation/?for=fillers&patient=new"
    html = client.get(response.url).content.decode()
    assert "New patients start with Consultation" in html
    assert "Dermal fillers is right for you" in html
    assert f'value="{MONDAY_NINE.isoformat()}"' in html
    # The answer travels with the chosen time.
    assert 'name="patient" value="new"' in html


def test_a_returning_patient_goes_straight_to_the_times(client, fillers):
    html = client.get("/book/fillers/?patient=returning").content.decode()
    assert f'value="{MONDAY_NINE.isoformat()}"' in html
    assert "New patients start with" not in html


def test_a_new_patient_cannot_book_the_treatment_itself(client, fillers):
    client.post(
        "/book/fillers/", {"start": MONDAY_NINE.isoformat(), "patient": "returning"}
    )
    form = client.get("/book/fillers/details/").content.decode()
    assert 'value="returning"  id="id_patient_type_1" required checked' in form
    response = client.post("/book/fillers/details/", details(patient_type="new"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "New patients start with Consultation" in html
    assert 'href="/book/consultation/?for=fillers&amp;patient=new"' in html
    assert Appointment.objects.get().status == "held"  # the hold is kept
    response = client.post("/book/fillers/details/", details(patient_type="returning"))
    assert response.url == "/book/confirmed/"


def test_a_chain_or_circle_of_substitutes_is_refused(fillers):
    consultation = fillers.new_patient_treatment
    consultation.new_patient_treatment = fillers
    with pytest.raises(ValidationError, match="not a chain"):
        consultation.full_clean()
    other = TreatmentFactory(slug="other", new_patient_treatment=fillers)
    with pytest.raises(ValidationError, match="not a chain"):
        other.full_clean()


def test_an_inactive_substitute_is_refused(fillers):
    consultation = fillers.new_patient_treatment
    consultation.is_active = False
    consultation.save()
    with pytest.raises(ValidationError, match="active treatment"):
        fillers.full_clean()


def test_a_circle_made_anyway_never_loops(client, fillers):
    """Saved past the form (a shell, an import): the rule is applied once."""
    consultation = fillers.new_patient_treatment
    consultation.new_patient_treatment = fillers
    consultation.save()
    response = client.get("/book/fillers/?patient=new")
    assert response.url == "/book/consultation/?for=fillers&patient=new"
    html = client.get(response.url).content.decode()
    assert f'value="{MONDAY_NINE.isoformat()}"' in html


def test_a_substitute_taken_by_request_sends_new_patients_to_its_form(client, fillers):
    consultation = fillers.new_patient_treatment
    consultation.is_bookable_online = False
    consultation.save()
    response = client.get("/book/fillers/?patient=new")
    assert response.url == "/book/request/?treatment=consultation"
    html = client.get(response.url).content.decode()
    assert "New patients start with Consultation" in html
    assert 'value="consultation" selected' in html


def test_a_substitute_no_longer_offered_sends_new_patients_to_the_request_form(
    client, fillers
):
    consultation = fillers.new_patient_treatment
    consultation.is_active = False
    consultation.save()
    response = client.get("/book/fillers/?patient=new")
    assert response.url == "/book/request/?treatment=fillers"


# --- Before confirming: the policy and the separate consent -------------------


def test_the_policy_is_shown_before_booking(client, clinic, settings):
    hold(client)
    html = client.get("/book/botox/details/").content.decode()
    assert "at least 24 hours’ notice" in html
    settings.BOOKING_CANCELLATION_POLICY = "Cancel 48 hours ahead or pay $50."
    assert "Cancel 48 hours ahead or pay $50." in (
        client.get("/book/botox/details/").content.decode()
    )


def test_no_rebooking_consent_is_asked_for_a_treatment_without_an_interval(
    client, clinic
):
    hold(client)
    assert (
        "rebooking_reminder" not in client.get("/book/botox/details/").content.decode()
    )


@pytest.mark.parametrize("ticked", [True, False])
def test_the_rebooking_consent_is_optional_unticked_and_recorded_with_time(
    client, clinic, ticked
):
    clinic["treatment"].rebook_after_days = 105
    clinic["treatment"].save()
    hold(client)
    html = client.get("/book/botox/details/").content.decode()
    box = html[html.index('name="rebooking_reminder"') - 200 :][:400]
    assert "checked" not in box
    data = details() | ({"rebooking_reminder": "on"} if ticked else {})
    assert client.post("/book/botox/details/", data).url == "/book/confirmed/"
    appointment = Appointment.objects.get()
    assert appointment.consent  # the contact consent is separate
    assert appointment.marketing_consent_at == (NOW if ticked else None)


# --- Missed appointments on the patient's record ------------------------------


def test_staff_see_no_shows_and_late_cancellations_of_the_same_patient(
    admin_client, clinic
):
    def booked(at, **patient):
        client = Client()
        hold(client, at=at)
        client.post("/book/botox/details/", details(**patient))
        return Appointment.objects.get(pk=client.session["booking_appointment_id"])

    no_show = booked(MONDAY_NINE)
    late = booked(MONDAY_NINE + HOUR, email="MARIA@example.com")
    early = booked(MONDAY_NINE + 2 * HOUR, phone="+12175440123", email="m@x.org")
    stranger = booked(MONDAY_NINE + 3 * HOUR, email="x@y.org", phone="+12175449999")
    clinic_cancelled = booked(MONDAY_NINE + 5 * HOUR)
    current = booked(MONDAY_NINE + 4 * HOUR)
    frontdesk.appointment_set_status(
        appointment=early, status="cancelled", reason="x", actor=None, ip_address=None
    )
    frontdesk.appointment_set_status(
        appointment=stranger,
        status="cancelled",
        reason="x",
        actor=None,
        ip_address=None,
    )
    with time_machine.travel(MONDAY_NINE - 2 * HOUR, tick=False):
        frontdesk.appointment_set_status(
            appointment=late,
            status="cancelled",
            reason="Patient called: cannot come",
            cancelled_by="patient",
            actor=None,
            ip_address=None,
        )
        frontdesk.appointment_set_status(
            appointment=clinic_cancelled,
            status="cancelled",
            reason="Provider ill",
            cancelled_by="clinic",
            actor=None,
            ip_address=None,
        )
    with time_machine.travel(MONDAY_NINE + HOUR / 2, tick=False):
        frontdesk.appointment_set_status(
            appointment=no_show, status="no_show", actor=None, ip_address=None
        )
    html = admin_client.get(
        reverse("admin:booking_appointment_change", args=[current.pk])
    ).content.decode()
    row = html[html.index("Missed appointments") :][:800]
    assert "2026-12-07 09:00 EST: Botox Cosmetic (no-show)" in row
    assert "2026-12-07 10:00 EST: Botox Cosmetic (cancelled late)" in row
    assert "11:00" not in row  # cancelled days ahead: not late
    assert "12:00" not in row  # another patient
    assert "14:00" not in row  # cancelled late, but by the clinic
