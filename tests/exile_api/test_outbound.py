"""Requests to addresses others gave us (exile_api/outbound.py): never into our networks."""

import pytest

from exile_api import outbound


@pytest.fixture(autouse=True)
def plain_http_allowed(settings):
    settings.WEBHOOKS_REQUIRE_HTTPS = False
    settings.WEBHOOKS_ALLOW_LOOPBACK = False


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://127.0.0.1/hook", "loopback"),
        ("http://2130706433/hook", "loopback"),  # 127.0.0.1 as one number
        ("http://127.1/hook", "loopback"),
        ("http://[::1]/hook", "loopback"),
        ("http://[::ffff:127.0.0.1]/hook", "loopback"),
        ("http://0.0.0.0/hook", "not a public"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://[fe80::1]/hook", "link-local"),
        ("http://metadata.google.internal/computeMetadata/v1/", "metadata"),
        ("http://10.0.0.1/hook", "private"),
        ("http://172.16.5.4/hook", "private"),
        ("http://192.168.1.1/hook", "private"),
        ("http://[fd00::1]/hook", "private"),
        ("http://100.64.0.1/hook", "private"),
        ("http://224.0.0.1/hook", "not a public"),
        ("http://user:password@93.184.216.34/hook", "user name or password"),
        ("ftp://93.184.216.34/hook", "must use"),
        ("http://93.184.216.34:99999/hook", "Not a valid URL"),
    ],
)
def test_urls_into_our_networks_are_refused(url, why):
    with pytest.raises(outbound.UnsafeURL, match=why):
        outbound.check_url(url)


def test_a_public_address_is_allowed_and_pinned():
    assert outbound.check_url("http://93.184.216.34:8080/hook") == (
        "http",
        "93.184.216.34",
        8080,
        "93.184.216.34",
    )


def test_https_only_where_required(settings):
    settings.WEBHOOKS_REQUIRE_HTTPS = True
    with pytest.raises(outbound.UnsafeURL, match="must use https"):
        outbound.check_url("http://93.184.216.34/hook")
    assert outbound.check_url("https://93.184.216.34/hook")[2] == 443


def test_loopback_only_when_allowed(settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    assert outbound.check_url("http://127.0.0.1:9/hook")[3] == "127.0.0.1"
    with pytest.raises(outbound.UnsafeURL, match="private"):
        outbound.check_url("http://10.0.0.1/hook")
