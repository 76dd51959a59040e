"""Whose address a request is (SECURITY-REVIEW #2): X-Forwarded-For is believed
only from settings.TRUSTED_PROXIES, read from the right."""

import ipaddress

import pytest

from booking.http import client_ip
from tests.test_deploy import run_in_production

CLIENT = "198.51.100.4"


def networks(*values: str) -> list:
    return [ipaddress.ip_network(value) for value in values]


@pytest.fixture(autouse=True)
def _proxies(settings):
    # A proxy on this machine, and a load balancer's private network before it.
    settings.TRUSTED_PROXIES = networks("127.0.0.1/32", "::1/128", "10.0.0.0/8")


def ip(rf, remote_addr: str, forwarded: str | None = None) -> str | None:
    headers = {} if forwarded is None else {"HTTP_X_FORWARDED_FOR": forwarded}
    return client_ip(rf.get("/", REMOTE_ADDR=remote_addr, **headers))


def test_a_client_talking_to_gunicorn_directly_cannot_name_itself(rf):
    assert ip(rf, "203.0.113.7", CLIENT) == "203.0.113.7"
    assert ip(rf, "203.0.113.7") == "203.0.113.7"


def test_behind_our_proxy_the_address_it_appended_is_the_client(rf):
    assert ip(rf, "127.0.0.1", CLIENT) == CLIENT
    assert ip(rf, "::1", CLIENT) == CLIENT
    assert ip(rf, "::ffff:127.0.0.1", CLIENT) == CLIENT


def test_entries_the_client_wrote_itself_are_ignored(rf):
    # nginx's $proxy_add_x_forwarded_for keeps what the client sent, then
    # appends the address it saw: only that last one is the proxy's word.
    assert ip(rf, "127.0.0.1", f"6.6.6.6, {CLIENT}") == CLIENT


def test_a_chain_of_trusted_proxies_is_walked_from_the_right(rf):
    assert ip(rf, "127.0.0.1", f"6.6.6.6, {CLIENT}, 10.1.2.3") == CLIENT
    assert ip(rf, "127.0.0.1", "2001:db8::9, 10.1.2.3") == "2001:db8::9"
    # Nothing but our own proxies: the first of them is where it came from.
    assert ip(rf, "127.0.0.1", "10.9.9.9, 10.1.2.3") == "10.9.9.9"


def test_an_entry_that_is_not_an_address_stops_at_the_proxy_that_wrote_it(rf):
    assert ip(rf, "127.0.0.1", f"{CLIENT}, unknown") == "127.0.0.1"
    assert ip(rf, "127.0.0.1", "unknown, 10.1.2.3") == "10.1.2.3"
    assert ip(rf, "127.0.0.1", "") == "127.0.0.1"


def test_without_trusted_proxies_forwarded_for_is_never_read(rf, settings):
    settings.TRUSTED_PROXIES = []
    assert ip(rf, "127.0.0.1", CLIENT) == "127.0.0.1"


def test_production_defaults_believe_only_a_proxy_on_this_machine():
    """The review's bypass: posts straight to gunicorn, each naming itself
    another client in X-Forwarded-For, all counted as different patients."""
    result = run_in_production(
        "from django.test import RequestFactory\n"
        "from booking.http import client_ip\n"
        "for remote in ('203.0.113.7', '127.0.0.1'):\n"
        "    request = RequestFactory().get(\n"
        "        '/', REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR='198.51.100.4')\n"
        "    print(client_ip(request))\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["203.0.113.7", CLIENT]


def test_a_mistyped_proxy_network_stops_the_start_naming_it():
    result = run_in_production("", DJANGO_TRUSTED_PROXIES="10.0.0.0/8,10.0.0.1/8")
    assert result.returncode != 0
    assert "10.0.0.1/8 has host bits set" in result.stderr
