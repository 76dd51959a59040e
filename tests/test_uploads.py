"""Only the admin takes uploaded files, from staff it lets in (SECURITY-REVIEW #14)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.test import Client
from django.urls import reverse

from blog.models import BodyImage
from booking.models import AppointmentRequest
from tests.blog.factories import image_file
from tests.booking.factories import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def spooled_files(monkeypatch) -> list[str]:
    """Names of the files written to temporary files on disk (any file over
    FILE_UPLOAD_MAX_MEMORY_SIZE, as the 3 MB ones below)."""
    spooled = []
    new_file = TemporaryFileUploadHandler.new_file

    def recorded(self, field_name, file_name, *args, **kwargs):
        spooled.append(file_name)
        return new_file(self, field_name, file_name, *args, **kwargs)

    monkeypatch.setattr(TemporaryFileUploadHandler, "new_file", recorded)
    return spooled


def large_file() -> SimpleUploadedFile:
    return SimpleUploadedFile("big.bin", b"x" * (3 * 1024 * 1024))


@pytest.mark.parametrize("enforce_csrf_checks", [True, False])
def test_a_file_sent_outside_the_admin_is_refused_unstored(
    treatment, enforce_csrf_checks, caplog, spooled_files
):
    client = Client(enforce_csrf_checks=enforce_csrf_checks)
    client.get("/book/request/")  # the CSRF check reads the body for its token
    data = form_data(treatment, csrfmiddlewaretoken=client.cookies["csrftoken"].value)
    data["attachment"] = large_file()
    response = client.post("/book/request/", data)
    assert response.status_code == 400
    assert "We could not read that request" in response.content.decode()
    assert not AppointmentRequest.objects.exists()
    assert "which takes no files" in caplog.text
    assert spooled_files == []


@pytest.mark.parametrize("who", ["anonymous", "not staff", "staff, password only"])
def test_a_file_sent_to_the_admin_by_someone_it_does_not_let_in_is_refused_unstored(
    who, django_user_model, caplog, spooled_files
):
    client = Client()  # no second factor
    if who != "anonymous":
        user = django_user_model.objects.create_user(
            "someone", password="a long enough password", is_staff=who != "not staff"
        )
        client.force_login(user)
    response = client.post(
        reverse("admin:login"),
        {"username": "someone", "password": "wrong", "attachment": large_file()},
    )
    assert response.status_code == 400
    assert "not signed in to the admin" in caplog.text
    assert spooled_files == []


def test_the_admin_still_takes_uploads(admin_client, spooled_files):
    response = admin_client.post(
        reverse("admin:blog_bodyimage_add"),
        {"image": image_file(name="room.jpg"), "alt_text": "The room"},
    )
    assert response.status_code == 302
    assert BodyImage.objects.get().alt_text == "The room"
    # Large files too, spooled to disk as Django does.
    response = admin_client.post(
        reverse("admin:blog_bodyimage_add"),
        {"image": large_file(), "alt_text": "Not an image"},
    )
    assert response.status_code == 200
    assert spooled_files == ["big.bin"]
