import re
from collections import Counter

import html5lib
import pytest

from tests.booking.factories import form_data

pytestmark = pytest.mark.django_db


def assert_valid_html(html: str) -> None:
    html5lib.HTMLParser(strict=True).parse(html)  # raises on any parse error
    ids = Counter(re.findall(r'\sid="([^"]+)"', html))
    assert [id_ for id_, count in ids.items() if count > 1] == []
    assert 'style="' not in html  # the CSP forbids inline styles
    # and any inline script must carry the nonce
    assert re.search(r"<script(?![^>]*\b(?:src|nonce)=)", html) is None


def test_booking_and_treatment_pages_are_valid_html(client, treatment):
    pages = [
        client.get("/book/?treatment=botox"),
        client.post("/book/", form_data(email="bad", first_name="<b>x</b>")),
        client.get("/treatments/"),
        client.get("/treatments/botox/"),
    ]
    client.post("/book/", form_data(treatment=treatment))
    pages.append(client.get("/book/done/"))
    for response in pages:
        assert response.status_code == 200
        assert_valid_html(response.content.decode())
