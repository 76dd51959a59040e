"""Only the admin takes uploaded files (SECURITY-REVIEW #14)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from blog.models import BodyImage
from booking.models import AppointmentRequest
from tests.blog.factories import image_file
from tests.booking.factories import form_data

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("enforce_csrf_checks", [True, False])
def test_a_file_sent_outside_the_admin_is_refused_unstored(
    treatment, enforce_csrf_checks, caplog
):
    client = Client(enforce_csrf_checks=enforce_csrf_checks)
    client.get("/book/request/")  # the CSRF check reads the body for its token
    data = form_data(treatment, csrfmiddlewaretoken=client.cookies["csrftoken"].value)
    data["attachment"] = SimpleUploadedFile("big.bin", b"x" * (3 * 1024 * 1024))
    response = client.post("/book/request/", data)
    assert response.status_code == 400
    assert "We could not read that request" in response.content.decode()
    assert not AppointmentRequest.objects.exists()
    assert "which takes no files" in caplog.text


def test_the_admin_still_takes_uploads(admin_client):
    response = admin_client.post(
        reverse("admin:blog_bodyimage_add"),
        {"image": image_file(name="room.jpg"), "alt_text": "The room"},
    )
    assert response.status_code == 302
    assert BodyImage.objects.get().alt_text == "The room"
