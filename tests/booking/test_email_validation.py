"""Patient email addresses the clinic can really mail (SECURITY-REVIEW #23)."""

import pytest
from django.core.exceptions import ValidationError

from booking.forms import (
    AppointmentDetailsForm,
    AppointmentRequestForm,
    WaitlistJoinForm,
)
from booking.models import AppointmentRequest
from tests.booking.factories import form_data

PATIENT_FORMS = [AppointmentRequestForm, AppointmentDetailsForm, WaitlistJoinForm]
REFUSED = ["a@localhost", "a@[127.0.0.1]", "a@[10.0.0.5]"]
ACCEPTED = ["a@example.com", "a@exämple.com", "a@xn--exmple-cua.com", "a@b.c.example"]


@pytest.mark.parametrize("form_class", PATIENT_FORMS)
@pytest.mark.parametrize("address", REFUSED)
def test_every_patient_form_refuses_ip_literal_and_dotless_domains(form_class, address):
    with pytest.raises(ValidationError) as excinfo:
        form_class.base_fields["email"].clean(address)
    assert [error.code for error in excinfo.value.error_list] == ["invalid_domain"]


@pytest.mark.parametrize("form_class", PATIENT_FORMS)
@pytest.mark.parametrize("address", ACCEPTED)
def test_ordinary_and_international_domains_are_accepted(form_class, address):
    assert form_class.base_fields["email"].clean(address) == address


@pytest.mark.django_db
def test_the_request_form_says_why_and_keeps_what_was_typed(client):
    response = client.post("/book/request/", form_data(email="maria@localhost"))
    assert response.status_code == 200
    assert not AppointmentRequest.objects.exists()
    html = response.content.decode()
    assert "Please use an email address with a full domain, like" in html
    assert 'value="maria@localhost"' in html
    assert 'value="García"' in html
