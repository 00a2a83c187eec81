"""Who the client is, for the rate limits, the costly-read cap and the replica pin: its
address as the last trusted proxy saw it, never what the client says about itself."""

from http import HTTPStatus

import pytest
from django.core.cache import cache
from django.test import RequestFactory
from django.urls import reverse

from exile_api.middleware import pin_cache_key
from resources.api.throttling import client_address


@pytest.fixture
def low_rates(settings, db):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "anon": "3/min"}
    cache.clear()
    yield
    cache.clear()


def forwarded(value, remote="192.0.2.1"):
    return RequestFactory().get(
        "/api/v1/statistics/", HTTP_X_FORWARDED_FOR=value, REMOTE_ADDR=remote
    )


def test_list_with_a_new_x_forwarded_for_each_time_and_no_proxies_is_still_throttled(
    api_client, low_rates, settings
):
    settings.NUM_PROXIES = None
    statuses = [
        api_client.get(reverse("statistic-list"), HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code
        for n in range(4)
    ]
    assert statuses == [HTTPStatus.OK] * 3 + [HTTPStatus.TOO_MANY_REQUESTS]


def test_list_behind_one_proxy_with_spoofed_left_entries_is_still_throttled(
    api_client, low_rates, settings
):
    # The proxy appends the address it saw (203.0.113.7); the client wrote the rest.
    settings.NUM_PROXIES = 1
    statuses = [
        api_client.get(
            reverse("statistic-list"), HTTP_X_FORWARDED_FOR=f"198.51.100.{n}, 203.0.113.7"
        ).status_code
        for n in range(4)
    ]
    assert statuses == [HTTPStatus.OK] * 3 + [HTTPStatus.TOO_MANY_REQUESTS]


def test_list_behind_one_proxy_counts_each_client_address_apart(api_client, low_rates, settings):
    settings.NUM_PROXIES = 1
    for _ in range(3):
        api_client.get(reverse("statistic-list"), HTTP_X_FORWARDED_FOR="203.0.113.7")
    other = api_client.get(reverse("statistic-list"), HTTP_X_FORWARDED_FOR="203.0.113.8")
    assert other.status_code == HTTPStatus.OK


@pytest.mark.parametrize("num_proxies", [None, 0])
def test_client_address_without_proxies_is_the_peer_address(settings, num_proxies):
    settings.NUM_PROXIES = num_proxies
    assert client_address(forwarded("203.0.113.9")) == "192.0.2.1"


@pytest.mark.parametrize(
    ("num_proxies", "header", "expected"),
    [
        (1, "198.51.100.1, 203.0.113.7", "203.0.113.7"),
        (2, "198.51.100.1, 203.0.113.7, 10.0.0.2", "203.0.113.7"),
        (1, " 2001:db8::1 ", "2001:db8::1"),
        # Fewer entries than proxies: the first one, as DRF does.
        (3, "203.0.113.7, 10.0.0.2", "203.0.113.7"),
        # What the trusted proxy saw is not an address: the peer, never the garbage as a key.
        (1, "not-an-address", "192.0.2.1"),
        (1, "", "192.0.2.1"),
    ],
)
def test_client_address_behind_proxies_is_what_the_nth_proxy_saw(
    settings, num_proxies, header, expected
):
    settings.NUM_PROXIES = num_proxies
    assert client_address(forwarded(header)) == expected


def test_client_address_behind_a_proxy_that_sent_no_header_is_the_peer(settings):
    settings.NUM_PROXIES = 1
    request = RequestFactory().get("/api/v1/statistics/", REMOTE_ADDR="192.0.2.1")
    assert client_address(request) == "192.0.2.1"


def test_replica_pin_without_proxies_ignores_x_forwarded_for(settings):
    settings.NUM_PROXIES = None
    assert pin_cache_key(forwarded("203.0.113.1")) == pin_cache_key(forwarded("203.0.113.2"))


def test_admin_login_lockout_behind_a_proxy_sees_the_client_not_the_proxy(settings):
    from axes.helpers import get_client_ip_address

    settings.NUM_PROXIES = 1
    assert get_client_ip_address(forwarded("198.51.100.1, 203.0.113.7")) == "203.0.113.7"
