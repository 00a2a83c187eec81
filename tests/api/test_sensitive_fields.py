"""Sensitive fields (contact details, internal notes) of organizations and media outlets.

Only readers of drafts see them (``resources.visibility.reads_drafts``): users with the
model's view permission, and through an API key only when the key has the read-drafts scope.
Everyone else (anonymous clients, users without permissions, keys without that scope) never
sees them anywhere: JSON, CSV, the country profile, search, a record's history, the changes
feed, the public dataset export. Raw bodies are checked, not only parsed keys.
"""

import csv
import io
import json
from dataclasses import dataclass
from http import HTTPStatus

import pytest
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from resources.dataset import export_dataset
from resources.models import ApiKey, Country
from tests.factories import make_media_outlet, make_organization
from tests.problems import detail

CONTACT = "+7 999 SECRET-PHONE"
NOTE = "SECRET-NOTE source is at risk"
SENSITIVE = {"contact_details": CONTACT, "internal_notes": NOTE}
# A part of each value that nothing else in any response holds: a leak of a value, whole or
# cut, or neutralised in a CSV cell ('+7 ...), contains one of them.
MARKERS = (b"SECRET-PHONE", b"SECRET-NOTE")
# Queries matching words of the sensitive values only (never a whole marker: the global search
# echoes its query).
SENSITIVE_WORDS = ("SECRET", "PHONE", "source is at risk", "999")
NAME = "Zephyrine House"
SLUG = "zephyrine-house"
CLAIM = {"source": "essay", "locator": "para 1", "claim": "It helps exiles in Georgia."}


@dataclass(frozen=True)
class Resource:
    basename: str  # the route's basename
    record_type: str  # its type in search hits and the changes feed
    section: str  # its key in the dataset export and the country profile
    make: object  # its factory
    kind: str  # a valid kind, for writes


ORGANIZATION = Resource("organization", "organization", "organizations", make_organization, "ngo")
MEDIA_OUTLET = Resource(
    "media-outlet", "media_outlet", "media_outlets", make_media_outlet, "channel_network"
)


def key_client(owner, scopes):
    """An API client with a new key of ``owner`` holding ``scopes``."""
    _key, secret = ApiKey.objects.create_key(name="app", owner=owner, scopes=scopes)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    return client


def body(response):
    """The raw bytes of a response, streamed (a CSV list) or not."""
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def assert_no_secret(response):
    raw = body(response)
    for marker in MARKERS:
        assert marker not in raw


def csv_rows(response):
    return list(csv.reader(io.StringIO(body(response).decode("utf-8"))))


def detail_url(resource, slug=SLUG):
    return reverse(f"{resource.basename}-detail", kwargs={"slug": slug})


def list_url(resource):
    return reverse(f"{resource.basename}-list")


def history_url(resource, slug=SLUG):
    return reverse(f"{resource.basename}-history", kwargs={"slug": slug})


@pytest.fixture(params=[ORGANIZATION, MEDIA_OUTLET], ids=lambda r: r.basename)
def resource(request):
    """Each resource with sensitive fields."""
    return request.param


@pytest.fixture
def record(resource, source):
    """A published record in Georgia with both sensitive fields filled."""
    georgia = Country.objects.get(code="GE")
    return resource.make(source, slug=SLUG, name=NAME, country=georgia, **SENSITIVE)


@pytest.fixture
def written(resource, source, editor_client, reviewer_client):
    """A record whose sensitive fields an editor wrote through the API: created as a draft
    with its contact details, submitted, published, then its internal notes added."""
    payload = {
        "slug": SLUG,
        "name": NAME,
        "kind": resource.kind,
        "country": "GE",
        "contact_details": CONTACT,
        "citations": [CLAIM],
    }
    response = editor_client.post(list_url(resource), payload, format="json")
    assert response.status_code == HTTPStatus.CREATED, response.json()
    # Submitted by the editor, published by a second person (four eyes).
    for client, transition in ((editor_client, "submit"), (reviewer_client, "publish")):
        url = reverse(f"{resource.basename}-{transition}", kwargs={"slug": SLUG})
        response = client.post(url, {}, format="json")
        assert response.status_code == HTTPStatus.OK, response.json()
    response = editor_client.patch(detail_url(resource), {"internal_notes": NOTE}, format="json")
    assert response.status_code == HTTPStatus.OK, response.json()
    return SLUG


@pytest.fixture(params=["anonymous", "reader", "key-without-scopes", "key-with-write-only"])
def outsider(request):
    """A client who may not read drafts: anonymous, a user without permissions, or the
    editor's own key without the read-drafts scope."""
    if request.param == "anonymous":
        return request.getfixturevalue("api_client")
    if request.param == "reader":
        return request.getfixturevalue("reader_client")
    scopes = [] if request.param == "key-without-scopes" else ["write"]
    return key_client(request.getfixturevalue("editor"), scopes)


@pytest.fixture(params=["editor-session", "key-with-read-drafts"])
def insider(request, editor):
    """A reader of drafts: the editor logged in (a session), or the editor's key with the
    read-drafts scope and no other."""
    if request.param == "editor-session":
        client = APIClient()
        client.force_login(editor)
        return client
    return key_client(editor, ["read-drafts"])


# Clients who may not read drafts ---------------------------------------------------------


def test_read_detail_without_draft_rights_hides_sensitive_fields(resource, record, outsider):
    response = outsider.get(detail_url(resource))

    assert response.status_code == HTTPStatus.OK
    data = response.json()
    assert data["slug"] == SLUG
    assert "contact_details" not in data
    assert "internal_notes" not in data
    assert_no_secret(response)


def test_read_list_without_draft_rights_hides_sensitive_fields(resource, record, outsider):
    response = outsider.get(list_url(resource))

    assert response.status_code == HTTPStatus.OK
    results = response.json()["results"]
    assert [row["slug"] for row in results] == [SLUG]
    assert "contact_details" not in results[0]
    assert "internal_notes" not in results[0]
    assert_no_secret(response)


@pytest.mark.parametrize("name", ["contact_details", "internal_notes"])
def test_ask_sensitive_field_without_draft_rights_is_403(resource, record, outsider, name):
    response = outsider.get(list_url(resource), {"fields": name})

    assert detail(response, HTTPStatus.FORBIDDEN, "permission-denied") == (
        f"{name}: shown only to readers of drafts (editors, reviewers, and API keys with the "
        "read-drafts scope)."
    )
    assert_no_secret(response)


def test_export_list_as_csv_without_draft_rights_hides_sensitive_columns(
    resource, record, outsider
):
    response = outsider.get(list_url(resource), {"format": "csv"})

    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    header, *rows = csv_rows(response)
    assert "contact_details" not in header
    assert "internal_notes" not in header
    assert [row[header.index("slug")] for row in rows] == [SLUG]
    assert_no_secret(response)


def test_export_detail_as_csv_without_draft_rights_hides_sensitive_columns(
    resource, record, outsider
):
    response = outsider.get(detail_url(resource), {"format": "csv"})

    assert response.status_code == HTTPStatus.OK
    header, row = csv_rows(response)
    assert "contact_details" not in header
    assert "internal_notes" not in header
    assert row[header.index("slug")] == SLUG
    assert_no_secret(response)


def test_read_country_profile_without_draft_rights_hides_sensitive_fields(
    resource, record, outsider
):
    response = outsider.get(reverse("country-profile", kwargs={"code": "GE"}))

    assert response.status_code == HTTPStatus.OK
    rows = response.json()[resource.section]
    assert [row["slug"] for row in rows] == [SLUG]
    assert "contact_details" not in rows[0]
    assert "internal_notes" not in rows[0]
    assert_no_secret(response)


def test_search_by_sensitive_text_without_draft_rights_finds_nothing(resource, record, outsider):
    url = reverse("search")
    by_name = outsider.get(url, {"q": "Zephyrine", "type": resource.record_type})
    assert [hit["key"] for hit in by_name.json()["results"]] == [SLUG]  # it is searchable

    for text in SENSITIVE_WORDS:
        response = outsider.get(url, {"q": text})

        assert response.status_code == HTTPStatus.OK
        assert response.json()["counts"][resource.record_type] == 0
        assert response.json()["results"] == []
        assert_no_secret(response)


def test_search_list_by_sensitive_text_without_draft_rights_finds_nothing(
    resource, record, outsider
):
    by_name = outsider.get(list_url(resource), {"q": "Zephyrine"})
    assert [row["slug"] for row in by_name.json()["results"]] == [SLUG]  # it is searchable

    for text in SENSITIVE_WORDS:
        response = outsider.get(list_url(resource), {"q": text})

        assert response.status_code == HTTPStatus.OK
        assert response.json()["results"] == []
        assert_no_secret(response)


def test_read_history_without_draft_rights_hides_sensitive_fields(resource, written, outsider):
    response = outsider.get(history_url(resource))

    assert response.status_code == HTTPStatus.OK
    changes = response.json()["results"]
    # Its public life only, without the sensitive fields or who wrote them; the edit of its
    # internal notes alone changed nothing the public sees, and is not there at all.
    assert [(c["action"], c["changes"], c["user"]) for c in changes] == [
        ("published", {}, None),
    ]
    for change in changes:
        assert change["record"]["slug"] == SLUG
        assert "contact_details" not in change["record"]
        assert "internal_notes" not in change["record"]
    assert_no_secret(response)


def test_read_changes_feed_without_draft_rights_hides_sensitive_fields(resource, written, outsider):
    response = outsider.get(reverse("changes"), {"type": resource.record_type})

    assert response.status_code == HTTPStatus.OK
    changes = response.json()["results"]
    assert [(c["record_key"], c["action"], c["changes"], c["user"]) for c in changes] == [
        (SLUG, "published", {}, None),
    ]
    for change in changes:
        assert "contact_details" not in change["record"]
        assert "internal_notes" not in change["record"]
    assert_no_secret(outsider.get(reverse("changes")))  # every type at once
    assert_no_secret(response)


def test_export_public_dataset_leaves_sensitive_fields_out(resource, record):
    data = export_dataset()

    exported = [row for row in data[resource.section] if row["slug"] == SLUG]
    assert len(exported) == 1
    assert "contact_details" not in exported[0]
    assert "internal_notes" not in exported[0]
    text = json.dumps(data, ensure_ascii=False).encode()
    for marker in MARKERS:
        assert marker not in text


def test_export_dataset_command_without_full_leaves_sensitive_fields_out(resource, record):
    out = io.StringIO()

    call_command("export_dataset", stdout=out)

    data = json.loads(out.getvalue())
    assert [row["slug"] for row in data[resource.section]] == [SLUG]
    assert "contact_details" not in data[resource.section][0]
    assert "internal_notes" not in data[resource.section][0]
    for marker in MARKERS:
        assert marker.decode() not in out.getvalue()


# Readers of drafts -----------------------------------------------------------------------


def test_read_detail_with_draft_rights_shows_sensitive_fields(resource, record, insider):
    response = insider.get(detail_url(resource))

    assert response.status_code == HTTPStatus.OK
    data = response.json()
    assert (data["contact_details"], data["internal_notes"]) == (CONTACT, NOTE)
    for marker in MARKERS:
        assert marker in response.content


def test_read_list_with_draft_rights_shows_sensitive_fields(resource, record, insider):
    response = insider.get(list_url(resource), {"fields": "slug,contact_details,internal_notes"})

    assert response.status_code == HTTPStatus.OK
    assert response.json()["results"] == [
        {"slug": SLUG, "contact_details": CONTACT, "internal_notes": NOTE}
    ]


def test_export_list_as_csv_with_draft_rights_shows_sensitive_columns(resource, record, insider):
    response = insider.get(list_url(resource), {"format": "csv"})

    assert response.status_code == HTTPStatus.OK
    header, row = csv_rows(response)
    # A cell starting with "+" is neutralised for spreadsheets (resources/api/exports.py).
    assert row[header.index("contact_details")] == f"'{CONTACT}"
    assert row[header.index("internal_notes")] == NOTE


def test_read_country_profile_with_draft_rights_shows_sensitive_fields(resource, record, insider):
    response = insider.get(reverse("country-profile", kwargs={"code": "GE"}))

    assert response.status_code == HTTPStatus.OK
    [row] = response.json()[resource.section]
    assert (row["contact_details"], row["internal_notes"]) == (CONTACT, NOTE)


def test_read_history_with_draft_rights_shows_sensitive_fields(resource, written, insider):
    response = insider.get(history_url(resource))

    assert response.status_code == HTTPStatus.OK
    changes = response.json()["results"]
    assert [(c["action"], c["user"]) for c in changes] == [
        ("created", "editor"),
        ("submitted", "editor"),
        ("published", "reviewer"),
        ("updated", "editor"),
    ]
    assert changes[0]["record"]["contact_details"] == CONTACT
    assert changes[-1]["changes"] == {"internal_notes": {"old": "", "new": NOTE}}
    assert (
        changes[-1]["record"]["contact_details"],
        changes[-1]["record"]["internal_notes"],
    ) == (CONTACT, NOTE)


def test_read_changes_feed_with_draft_rights_shows_sensitive_fields(resource, written, insider):
    response = insider.get(reverse("changes"), {"type": resource.record_type})

    assert response.status_code == HTTPStatus.OK
    changes = response.json()["results"]
    assert [c["action"] for c in changes] == ["created", "submitted", "published", "updated"]
    assert changes[-1]["changes"] == {"internal_notes": {"old": "", "new": NOTE}}
    assert (
        changes[-1]["record"]["contact_details"],
        changes[-1]["record"]["internal_notes"],
    ) == (CONTACT, NOTE)


def test_export_full_dataset_keeps_sensitive_fields(resource, record):
    [exported] = [row for row in export_dataset(full=True)[resource.section] if row["slug"] == SLUG]

    assert (exported["contact_details"], exported["internal_notes"]) == (CONTACT, NOTE)


def test_export_dataset_command_with_full_keeps_sensitive_fields(resource, record):
    out = io.StringIO()

    call_command("export_dataset", "--full", stdout=out)

    [exported] = json.loads(out.getvalue())[resource.section]
    assert (exported["contact_details"], exported["internal_notes"]) == (CONTACT, NOTE)
