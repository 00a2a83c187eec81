"""The project's leaner versions of Django's and django-csp's middleware answer exactly as the
originals do (exile_api/middleware.py): same status, same headers in the same order, same
cookies, whatever the request and the response."""

import pytest
from csp.decorators import csp_exempt, csp_update
from csp.middleware import CSPMiddleware
from django.contrib import messages
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpResponse, HttpResponseNotFound
from django.middleware.http import ConditionalGetMiddleware

from exile_api.middleware import (
    ConditionalGetOnlyIfAskedMiddleware,
    ContentSecurityPolicyMiddleware,
    LazyMessageMiddleware,
)

LAST_MODIFIED = "Mon, 01 Jan 2024 00:00:00 GMT"


def answer(response):
    """What a client receives: status, headers in order, cookies."""
    cookies = sorted(cookie.output() for cookie in response.cookies.values())
    return response.status_code, list(response.items()), cookies


def both(original, lean, view, request_of):
    """The original's and the lean one's answer to the same request (made twice: a request
    object carries what middleware leaves on it)."""
    return [answer(middleware(view)(request_of())) for middleware in (original, lean)]


# ConditionalGetMiddleware ------------------------------------------------------------------


def page(*, etag=None, last_modified=None, cache_control=None, status=200):
    def view(request):
        response = HttpResponse(b"the body", status=status)
        for name, value in (
            ("ETag", etag),
            ("Last-Modified", last_modified),
            ("Cache-Control", cache_control),
        ):
            if value:
                response[name] = value
        return response

    return view


RESPONSES = {
    "plain": page(),
    "etag": page(etag='"v1"'),
    "last-modified": page(last_modified=LAST_MODIFIED),
    "both": page(etag='"v1"', last_modified=LAST_MODIFIED),
    "no-store": page(cache_control="no-store"),
    "not found": page(etag='"v1"', status=404),
}
CONDITIONS = {
    "none": {},
    "empty if-none-match": {"HTTP_IF_NONE_MATCH": ""},
    "if-none-match matching": {"HTTP_IF_NONE_MATCH": '"v1"'},
    "if-none-match other": {"HTTP_IF_NONE_MATCH": '"v2"'},
    "if-modified-since later": {"HTTP_IF_MODIFIED_SINCE": "Tue, 02 Jan 2024 00:00:00 GMT"},
    "if-modified-since earlier": {"HTTP_IF_MODIFIED_SINCE": "Sun, 31 Dec 2023 00:00:00 GMT"},
    "if-match other": {"HTTP_IF_MATCH": '"v2"'},
    "if-unmodified-since earlier": {"HTTP_IF_UNMODIFIED_SINCE": "Sun, 31 Dec 2023 00:00:00 GMT"},
    "if-modified-since malformed": {"HTTP_IF_MODIFIED_SINCE": "yesterday"},
}


@pytest.mark.parametrize("method", ["get", "head", "post"])
@pytest.mark.parametrize("condition", CONDITIONS)
@pytest.mark.parametrize("response", RESPONSES)
def test_conditional_get_answers_as_django_does(rf, method, condition, response):
    original, lean = both(
        ConditionalGetMiddleware,
        ConditionalGetOnlyIfAskedMiddleware,
        RESPONSES[response],
        lambda: getattr(rf, method)("/api/v1/statistics/", **CONDITIONS[condition]),
    )

    assert lean == original


# MessageMiddleware -------------------------------------------------------------------------


def with_session(middleware):
    """``middleware`` inside Django's session middleware, as in settings.MIDDLEWARE."""
    return lambda view: SessionMiddleware(middleware(view))


def adds_a_message(request):
    messages.info(request, "Saved.")
    return HttpResponse("done")


def reads_messages(request):
    return HttpResponse(", ".join(str(message) for message in messages.get_messages(request)))


def silent(request):
    return HttpResponse("nothing said")


@pytest.mark.parametrize("view", [adds_a_message, reads_messages, silent])
@pytest.mark.parametrize("cookie", [None, "stored"])
def test_messages_answer_as_django_does(rf, db, view, cookie):
    stored = {}
    if cookie:  # a message left by an earlier response, in the messages cookie
        first = with_session(MessageMiddleware)(adds_a_message)(rf.get("/admin/"))
        stored = {"HTTP_COOKIE": f"messages={first.cookies['messages'].coded_value}"}

    original, lean = both(
        with_session(MessageMiddleware),
        with_session(LazyMessageMiddleware),
        view,
        lambda: rf.get("/admin/", **stored),
    )

    assert lean == original


def test_messages_storage_is_made_only_when_used(rf, db, monkeypatch):
    made = []
    monkeypatch.setattr(
        "exile_api.middleware.default_storage", lambda request: made.append(request)
    )

    with_session(LazyMessageMiddleware)(silent)(rf.get("/api/v1/statistics/"))

    assert made == []


# Content-Security-Policy -------------------------------------------------------------------


@csp_update({"img-src": "https://images.example.org"})
def own_policy(request):
    return HttpResponse("with its own img-src")


@csp_exempt()
def exempt(request):
    return HttpResponse("no policy")


def uses_a_nonce(request):
    return HttpResponse(f"<script nonce='{request.csp_nonce}'></script>")


def sets_its_own_header(request):
    response = HttpResponse("set by the view")
    response["Content-Security-Policy"] = "default-src 'none'"
    return response


def missing(request):
    return HttpResponseNotFound("no such page")


@pytest.mark.parametrize(
    "view", [silent, own_policy, exempt, uses_a_nonce, sets_its_own_header, missing]
)
@pytest.mark.parametrize(
    "changed",
    ["nothing", "report-only", "excluded prefix", "debug"],
)
def test_content_security_policy_is_django_csps(rf, settings, monkeypatch, view, changed):
    monkeypatch.setattr("csp.middleware.os.urandom", lambda size: b"n" * size)  # one nonce
    if changed == "report-only":
        settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": {"default-src": ["'self'"]}}
    elif changed == "excluded prefix":
        settings.CONTENT_SECURITY_POLICY = {
            **settings.CONTENT_SECURITY_POLICY,
            "EXCLUDE_URL_PREFIXES": ["/api/"],
        }
    elif changed == "debug":
        settings.DEBUG = True

    original, lean = both(
        CSPMiddleware,
        ContentSecurityPolicyMiddleware,
        view,
        lambda: rf.get("/api/v1/statistics/"),
    )

    assert lean == original
