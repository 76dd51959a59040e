import pytest
from django.urls import reverse

from booking.http import booking_url, client_ip
from booking.models import AuditEntry
from tests.booking.factories import AppointmentRequestFactory


@pytest.mark.parametrize(
    ("forwarded", "expected"),
    [
        ("198.51.100.4", "198.51.100.4"),
        ("10.0.0.1, 198.51.100.4", "198.51.100.4"),
        ("198.51.100.4:5678", "198.51.100.4"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("[::1]", "::1"),
        ("::ffff:1.2.3.4", "1.2.3.4"),
        ("not-an-ip", "127.0.0.1"),
        ("999.1.1.1", "127.0.0.1"),
        ("", "127.0.0.1"),
    ],
)
def test_client_ip_parses_forwarded_addresses_and_falls_back(rf, forwarded, expected):
    request = rf.get("/", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_client_ip_ignores_forwarded_for_without_a_trusted_proxy(rf, settings):
    settings.TRUSTED_PROXIES = []
    request = rf.get("/", HTTP_X_FORWARDED_FOR="198.51.100.4")
    assert client_ip(request) == "127.0.0.1"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "forwarded", ["not-an-ip", "999.1.1.1", "1.2.3.4:5678", "[::1]"]
)
def test_staff_open_a_request_whatever_the_proxy_writes(
    front_desk_client, treatment, forwarded
):
    appointment_request = AppointmentRequestFactory(treatment=treatment)
    url = reverse(
        "admin:booking_appointmentrequest_change", args=[appointment_request.pk]
    )
    response = front_desk_client.get(url, HTTP_X_FORWARDED_FOR=forwarded)
    assert response.status_code == 200
    entry = AuditEntry.objects.get(action="viewed")
    assert entry.ip_address in {"127.0.0.1", "1.2.3.4", "::1"}


@pytest.mark.django_db
def test_booking_url_is_the_one_link_contract_the_form_reads(client, treatment):
    from blog.models import Article

    article = Article(slug="botox-basics")
    url = booking_url(treatment=treatment, article=article)
    assert url == "/book/request/?treatment=botox&article=botox-basics"
    form = client.get(url).context["form"]
    assert form.initial["treatment"] == "botox"
    assert form.initial["source_article"] == "botox-basics"
    assert form.initial["source_path"] == "/treatments/botox/"
    assert booking_url() == "/book/request/"
    # A treatment bookable online leads to its free times instead.
    treatment.is_bookable_online = True
    assert booking_url(treatment=treatment, article=article) == (
        "/book/botox/?article=botox-basics"
    )


@pytest.mark.django_db
@pytest.mark.parametrize("bookable", [False, True])
def test_old_booking_links_keep_working_and_keep_the_article(
    client, treatment, bookable
):
    treatment.is_bookable_online = bookable
    treatment.save()
    response = client.get("/book/", {"treatment": "botox", "article": "a-post"})
    assert response.status_code == 302
    expected = (
        "/book/botox/?article=a-post"
        if bookable
        else "/book/request/?treatment=botox&article=a-post"
    )
    assert response.url == expected
