"""The change history of curated records (``history/`` of each record) and the changes feed
(``/api/v1/changes/``): what each write records, and what each reader sees of it."""

from http import HTTPStatus
from io import StringIO

import pytest
import yaml
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.urls import reverse
from rest_framework.test import APIClient

from resources.dataset import SEED_FILE
from resources.editorial import history
from resources.editorial.snapshots import snapshot
from resources.models import (
    Change,
    ExileGroup,
    HostPolicy,
    MediaOutlet,
    Organization,
    Source,
    Statistic,
)
from tests.factories import make_organization, make_statistic
from tests.problems import detail, field_errors

LIST_URL = reverse("statistic-list")
FEED_URL = reverse("changes")

NEW_STATISTIC = {
    "slug": "georgia-arrivals",
    "destination": "ge",
    "metric": "arrivals",
    "value": 25000,
    "qualifier": "exact",
    "unit": "people",
    "measure": "flow",
    "period_start": "2022-02-24",
    "period_end": "2022-03-10",
    "citations": [{"source": "essay", "locator": "para 1", "claim": "Georgia took in 25,000."}],
}
# NEW_STATISTIC as created, in its write shape with its workflow status: what history keeps.
CREATED_RECORD = {
    "slug": "georgia-arrivals",
    "origin": "RU",
    "destination": "GE",
    "exile_group": None,
    "metric": "arrivals",
    "value": 25000,
    "value_low": None,
    "value_high": None,
    "qualifier": "exact",
    "unit": "people",
    "measure": "flow",
    "counting_method": "unspecified",
    "period_start": "2022-02-24",
    "period_end": "2022-03-10",
    "is_historical": False,
    "notes": "",
    "citations": [{"source": "essay", "locator": "para 1", "claim": "Georgia took in 25,000."}],
    "publication_status": "draft",
    "retraction_reason": "",
}
RETRACTION_REASON = "The source counted border crossings, not people."


# Helpers ---------------------------------------------------------------------------------


def history_url(pk):
    return reverse("statistic-history", kwargs={"pk": pk})


def record_url(pk):
    return f"http://testserver{reverse('statistic-detail', kwargs={'pk': pk})}"


def create_statistic(client, **fields):
    """POST a new statistic (a draft) through the API; its id."""
    response = client.post(LIST_URL, NEW_STATISTIC | fields, format="json")
    assert response.status_code == HTTPStatus.CREATED, response.json()
    return response.json()["id"]


def patch_statistic(client, pk, **fields):
    response = client.patch(reverse("statistic-detail", kwargs={"pk": pk}), fields, format="json")
    assert response.status_code == HTTPStatus.OK, response.json()


def move(client, pk, action, **body):
    """POST a workflow action (submit, publish, retract, ...) on a statistic."""
    response = client.post(reverse(f"statistic-{action}", kwargs={"pk": pk}), body, format="json")
    assert response.status_code == HTTPStatus.OK, response.json()


def publish(client, reviewer_client, pk):
    """Submit with ``client``; publish as a second person (four eyes)."""
    move(client, pk, "submit")
    move(reviewer_client, pk, "publish")


def at(change):
    """``change.at`` as the API writes it."""
    return change.at.isoformat().replace("+00:00", "Z")


def created_changes(record):
    """The ``changes`` of a creation: every field that has a value, from null."""
    return {
        name: {"old": None, "new": value} for name, value in record.items() if value is not None
    }


def summary(results):
    """(record_key, action, publication_status, user) of each change of a page."""
    return [(c["record_key"], c["action"], c["publication_status"], c["user"]) for c in results]


def feed(client, **params):
    response = client.get(FEED_URL, params)
    assert response.status_code == HTTPStatus.OK, response.json()
    return response.json()


@pytest.fixture
def editor_session(editor):
    """An API client logged in as the editor with a session, as the browsable API is."""
    client = APIClient()
    client.force_login(editor)
    return client


# History of a record -------------------------------------------------------------------


def test_history_after_create_and_patch_lists_both_changes_oldest_first(editor_client, source):
    pk = create_statistic(editor_client)
    patch_statistic(editor_client, pk, value=26000, notes="Border crossings, not people.")

    response = editor_client.get(history_url(pk))

    assert response.status_code == HTTPStatus.OK
    created, updated = Change.objects.order_by("id")
    updated_record = CREATED_RECORD | {"value": 26000, "notes": "Border crossings, not people."}
    assert response.json() == {
        "count": 2,
        "next": None,
        "previous": None,
        "results": [
            {
                "id": created.pk,
                "at": at(created),
                "type": "statistic",
                "record_id": pk,
                "record_key": "georgia-arrivals",
                "url": record_url(pk),
                "action": "created",
                "channel": "api",
                "user": "editor",
                "reason": "",
                "publication_status": "draft",
                "changes": created_changes(CREATED_RECORD),
                "record": CREATED_RECORD,
            },
            {
                "id": updated.pk,
                "at": at(updated),
                "type": "statistic",
                "record_id": pk,
                "record_key": "georgia-arrivals",
                "url": record_url(pk),
                "action": "updated",
                "channel": "api",
                "user": "editor",
                "reason": "",
                "publication_status": "draft",
                "changes": {
                    "notes": {"old": "", "new": "Border crossings, not people."},
                    "value": {"old": 25000, "new": 26000},
                },
                "record": updated_record,
            },
        ],
    }
    assert created.pk < updated.pk
    assert updated.snapshot == snapshot(Statistic.objects.get(pk=pk))


def test_patch_with_the_same_value_records_no_change(editor_client, source):
    pk = create_statistic(editor_client)

    patch_statistic(editor_client, pk, value=25000, notes="")

    assert list(Change.objects.values_list("action", flat=True)) == ["created"]
    assert editor_client.get(history_url(pk)).json()["count"] == 1


def test_submit_publish_and_retract_each_record_their_change_with_reason(
    editor_client, reviewer_client, source
):
    pk = create_statistic(editor_client)

    move(editor_client, pk, "submit")
    move(reviewer_client, pk, "publish")
    move(editor_client, pk, "retract", reason=RETRACTION_REASON)

    results = editor_client.get(history_url(pk)).json()["results"]
    assert [
        (c["action"], c["channel"], c["user"], c["reason"], c["publication_status"], c["changes"])
        for c in results
    ] == [
        ("created", "api", "editor", "", "draft", created_changes(CREATED_RECORD)),
        (
            "submitted",
            "api",
            "editor",
            "",
            "in_review",
            {"publication_status": {"old": "draft", "new": "in_review"}},
        ),
        (
            "published",
            "api",
            "reviewer",
            "",
            "published",
            {"publication_status": {"old": "in_review", "new": "published"}},
        ),
        (
            "retracted",
            "api",
            "editor",
            RETRACTION_REASON,
            "retracted",
            {
                "publication_status": {"old": "published", "new": "retracted"},
                "retraction_reason": {"old": "", "new": RETRACTION_REASON},
            },
        ),
    ]
    assert results[-1]["record"] == CREATED_RECORD | {
        "publication_status": "retracted",
        "retraction_reason": RETRACTION_REASON,
    }


def test_delete_through_api_records_a_retraction_with_its_reason(
    editor_client, reviewer_client, source
):
    pk = create_statistic(editor_client)
    publish(editor_client, reviewer_client, pk)

    response = editor_client.delete(
        reverse("statistic-detail", kwargs={"pk": pk}), {"reason": RETRACTION_REASON}, format="json"
    )

    assert response.status_code == HTTPStatus.OK
    change = Change.objects.order_by("id").last()
    assert (change.action, change.reason, change.publication_status, change.snapshot) == (
        "retracted",
        RETRACTION_REASON,
        "retracted",
        CREATED_RECORD
        | {"publication_status": "retracted", "retraction_reason": RETRACTION_REASON},
    )


def test_history_as_anonymous_of_record_published_after_drafts_starts_at_publication(
    editor_client, reviewer_client, api_client, source
):
    pk = create_statistic(editor_client)
    patch_statistic(editor_client, pk, notes="Draft note no reader saw.")
    publish(editor_client, reviewer_client, pk)
    patch_statistic(editor_client, pk, value=26000)

    response = api_client.get(history_url(pk))

    assert response.status_code == HTTPStatus.OK
    published = Change.objects.get(action="published")
    updated = Change.objects.filter(action="updated").order_by("id").last()
    published_record = CREATED_RECORD | {
        "notes": "Draft note no reader saw.",
        "publication_status": "published",
    }
    assert response.json() == {
        "count": 2,
        "next": None,
        "previous": None,
        "results": [
            {
                "id": published.pk,
                "at": at(published),
                "type": "statistic",
                "record_id": pk,
                "record_key": "georgia-arrivals",
                "url": record_url(pk),
                "action": "published",
                "channel": "api",
                "user": None,
                "reason": "",
                "publication_status": "published",
                "changes": {},
                "record": published_record,
            },
            {
                "id": updated.pk,
                "at": at(updated),
                "type": "statistic",
                "record_id": pk,
                "record_key": "georgia-arrivals",
                "url": record_url(pk),
                "action": "updated",
                "channel": "api",
                "user": None,
                "reason": "",
                "publication_status": "published",
                "changes": {"value": {"old": 25000, "new": 26000}},
                "record": published_record | {"value": 26000},
            },
        ],
    }


@pytest.mark.parametrize("client_name", ["api_client", "reader_client"])
def test_history_of_a_draft_as_reader_without_permission_is_404(
    request, editor_client, source, client_name
):
    pk = create_statistic(editor_client)
    client = request.getfixturevalue(client_name)

    response = client.get(history_url(pk))

    assert response.status_code == HTTPStatus.NOT_FOUND


def test_history_with_unknown_parameter_is_400_naming_it(editor_client, source):
    pk = create_statistic(editor_client)

    response = editor_client.get(history_url(pk), {"since": "1"})

    assert field_errors(response) == {"since": ["Unknown parameter."]}


# The changes feed ----------------------------------------------------------------------


@pytest.fixture
def public_life(editor_client, reviewer_client, source):
    """A statistic drafted, edited, published, edited and retracted, and another left a draft:
    eight changes, three of them made while a record was public."""
    pk = create_statistic(editor_client)
    patch_statistic(editor_client, pk, notes="A draft note.")
    create_statistic(editor_client, slug="armenia-arrivals", destination="AM")
    publish(editor_client, reviewer_client, pk)
    patch_statistic(editor_client, pk, value=26000)
    patch_statistic(
        editor_client,
        Statistic.objects.get(slug="armenia-arrivals").pk,
        notes="Still a draft.",
    )
    move(editor_client, pk, "retract", reason=RETRACTION_REASON)
    return pk


def test_changes_feed_as_anonymous_lists_public_changes_only_in_id_order(api_client, public_life):
    body = feed(api_client)

    assert summary(body["results"]) == [
        ("georgia-arrivals", "published", "published", None),
        ("georgia-arrivals", "updated", "published", None),
        ("georgia-arrivals", "retracted", "retracted", None),
    ]
    ids = [change["id"] for change in body["results"]]
    assert ids == sorted(set(ids))
    assert ids == list(
        Change.objects.filter(publication_status__in=["published", "retracted"]).values_list(
            "id", flat=True
        )
    )
    assert body["next_cursor"] == ids[-1]
    assert body["has_more"] is False
    retraction = Change.objects.get(action="retracted")
    assert body["results"][-1] == {
        "id": retraction.pk,
        "at": at(retraction),
        "type": "statistic",
        "record_id": public_life,
        "record_key": "georgia-arrivals",
        "url": record_url(public_life),
        "action": "retracted",
        "channel": "api",
        "user": None,
        "reason": RETRACTION_REASON,
        "publication_status": "retracted",
        "changes": {
            "publication_status": {"old": "published", "new": "retracted"},
            "retraction_reason": {"old": "", "new": RETRACTION_REASON},
        },
        "record": CREATED_RECORD
        | {
            "notes": "A draft note.",
            "value": 26000,
            "publication_status": "retracted",
            "retraction_reason": RETRACTION_REASON,
        },
    }


def test_changes_feed_since_next_cursor_returns_nothing_and_keeps_the_cursor(
    api_client, public_life
):
    cursor = feed(api_client)["next_cursor"]

    body = feed(api_client, since=cursor)

    assert body == {"next_cursor": cursor, "has_more": False, "results": []}


def test_changes_feed_with_limit_below_the_changes_has_more_and_pages_on(api_client, public_life):
    public_ids = list(
        Change.objects.filter(publication_status__in=["published", "retracted"]).values_list(
            "id", flat=True
        )
    )

    first = feed(api_client, limit=2)
    second = feed(api_client, limit=2, since=first["next_cursor"])

    assert [c["id"] for c in first["results"]] == public_ids[:2]
    assert (first["next_cursor"], first["has_more"]) == (public_ids[1], True)
    assert [c["id"] for c in second["results"]] == public_ids[2:]
    assert (second["next_cursor"], second["has_more"]) == (public_ids[2], False)


def test_changes_feed_as_editor_session_shows_draft_changes_with_user(editor_session, public_life):
    body = feed(editor_session)

    assert summary(body["results"]) == [
        ("georgia-arrivals", "created", "draft", "editor"),
        ("georgia-arrivals", "updated", "draft", "editor"),
        ("armenia-arrivals", "created", "draft", "editor"),
        ("georgia-arrivals", "submitted", "in_review", "editor"),
        ("georgia-arrivals", "published", "published", "reviewer"),
        ("georgia-arrivals", "updated", "published", "editor"),
        ("armenia-arrivals", "updated", "draft", "editor"),
        ("georgia-arrivals", "retracted", "retracted", "editor"),
    ]
    assert body["results"][4]["changes"] == {
        "publication_status": {"old": "in_review", "new": "published"}
    }
    assert body["next_cursor"] == Change.objects.order_by("id").last().pk


def test_changes_feed_with_type_lists_only_that_type(api_client, source):
    statistic = make_statistic(source, slug="georgia-arrivals-2022")
    history.record_change(source, action="published", channel="command")
    history.record_change(statistic, action="published", channel="command")

    statistics = feed(api_client, type="statistic")
    sources = feed(api_client, type="source")
    both = feed(api_client, type="statistic,source")

    assert [(c["type"], c["record_key"]) for c in statistics["results"]] == [
        ("statistic", "georgia-arrivals-2022")
    ]
    assert [(c["type"], c["record_key"]) for c in sources["results"]] == [("source", "essay")]
    assert [(c["type"], c["record_key"]) for c in both["results"]] == [
        ("source", "essay"),
        ("statistic", "georgia-arrivals-2022"),
    ]


def test_changes_feed_as_anonymous_hides_sensitive_fields(api_client, editor_client, source):
    organization = make_organization(
        source, slug="free-russia-foundation", contact_details="+1 555 0100"
    )
    history.record_change(organization, action="published", channel="command")
    organization.internal_notes = "Met the director in Tbilisi."
    organization.description = "Supports exiles."
    organization.save()
    history.record_change(organization, action="updated", channel="command")

    public = feed(api_client)["results"]
    editors = feed(editor_client)["results"]

    for change in public:
        assert "contact_details" not in change["record"]
        assert "internal_notes" not in change["record"]
    assert public[1]["changes"] == {"description": {"old": "", "new": "Supports exiles."}}
    assert editors[0]["record"]["contact_details"] == "+1 555 0100"
    assert editors[1]["changes"] == {
        "description": {"old": "", "new": "Supports exiles."},
        "internal_notes": {"old": "", "new": "Met the director in Tbilisi."},
    }


CURATED_TYPES = "source, exile_group, organization, media_outlet, statistic, policy"


@pytest.mark.parametrize(
    ("params", "errors"),
    [
        ({"since": "-1"}, {"since": ["A whole number from 0 to 9223372036854775807."]}),
        ({"since": "first"}, {"since": ["A whole number from 0 to 9223372036854775807."]}),
        ({"since": "1.5"}, {"since": ["A whole number from 0 to 9223372036854775807."]}),
        (
            {"since": "99999999999999999999"},
            {"since": ["A whole number from 0 to 9223372036854775807."]},
        ),
        ({"limit": "0"}, {"limit": ["A whole number from 1 to 500."]}),
        ({"limit": "501"}, {"limit": ["A whole number from 1 to 500."]}),
        ({"limit": "ten"}, {"limit": ["A whole number from 1 to 500."]}),
        ({"type": "statistics"}, {"type": [f"Choose from {CURATED_TYPES}."]}),
        ({"type": "statistic,country"}, {"type": [f"Choose from {CURATED_TYPES}."]}),
        ({"type": ","}, {"type": [f"Choose from {CURATED_TYPES}."]}),
        ({"cursor": "3"}, {"cursor": ["Unknown parameter."]}),
        (
            {"offset": "0", "page": "1"},
            {"offset": ["Unknown parameter."], "page": ["Unknown parameter."]},
        ),
    ],
)
def test_changes_feed_with_bad_parameter_is_400_naming_it(api_client, public_life, params, errors):
    response = api_client.get(FEED_URL, params)

    assert field_errors(response) == errors


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("client_name", ["api_client", "editor_client"])
def test_changes_feed_write_methods_are_405_and_change_nothing(
    request, public_life, method, client_name
):
    client = request.getfixturevalue(client_name)
    before = list(Change.objects.values_list("id", "action"))

    response = getattr(client, method)(FEED_URL, {"since": 0}, format="json")

    assert detail(response, HTTPStatus.METHOD_NOT_ALLOWED, "method-not-allowed") == (
        f'Method "{method.upper()}" not allowed.'
    )
    assert list(Change.objects.values_list("id", "action")) == before


def test_change_ids_follow_the_order_of_the_writes_and_the_feed(editor_client, source):
    first = create_statistic(editor_client)
    second = create_statistic(editor_client, slug="armenia-arrivals", destination="AM")
    patch_statistic(editor_client, first, value=1)
    move(editor_client, second, "submit")
    patch_statistic(editor_client, first, value=2)
    move(editor_client, first, "submit")
    move(editor_client, second, "return-to-draft", reason="Cite the table, not the text.")

    body = feed(editor_client)

    writes = [
        ("georgia-arrivals", "created"),
        ("armenia-arrivals", "created"),
        ("georgia-arrivals", "updated"),
        ("armenia-arrivals", "submitted"),
        ("georgia-arrivals", "updated"),
        ("georgia-arrivals", "submitted"),
        ("armenia-arrivals", "returned"),
    ]
    assert [(c["record_key"], c["action"]) for c in body["results"]] == writes
    assert list(Change.objects.order_by("id").values_list("record_key", "action")) == writes
    assert [c["id"] for c in body["results"]] == list(
        Change.objects.order_by("id").values_list("id", flat=True)
    )


# Imports and commands ------------------------------------------------------------------


SEED_MODELS = (Source, ExileGroup, Organization, MediaOutlet, Statistic, HostPolicy)


def test_load_seed_records_one_created_change_per_record_by_command(db):
    call_command("load_seed", stdout=StringIO())

    expected = {
        (ContentType.objects.get_for_model(model).pk, record.pk, record.slug)
        for model in SEED_MODELS
        for record in model.objects.all()
    }
    assert len(expected) == 46
    changes = Change.objects.all()
    assert {(c.content_type_id, c.object_id, c.record_key) for c in changes} == expected
    assert {(c.action, c.channel, c.user_id, c.username, c.reason) for c in changes} == {
        ("created", "command", None, "", f"manage.py load_seed {SEED_FILE}")
    }
    # The seed's records are created published, but for those it retracts (issue 14):
    # created retracted, with their reason.
    assert {c.record_key for c in changes if c.publication_status == "retracted"} == {
        "montenegro-welcomes-russian-passport-holders",
        "germany-visa-restrictions",
        "well-educated-share-informed-from-abroad-2022",
    }
    assert {c.publication_status for c in changes} == {"published", "retracted"}
    assert changes.count() == 46
    statistic = Statistic.objects.order_by("slug").first()
    assert Change.objects.get(record_key=statistic.slug).snapshot == snapshot(statistic)


def test_load_seed_twice_records_no_further_change(db):
    call_command("load_seed", stdout=StringIO())
    ids = list(Change.objects.values_list("id", flat=True))

    call_command("load_seed", stdout=StringIO())

    assert list(Change.objects.values_list("id", flat=True)) == ids


SOURCE_FILE_RECORD = {
    "slug": "levada-2023-survey",
    "title": "Survey of emigrants",
    "authors": "Levada Center",
    "publisher": "",
    "published_on": None,
    "year": 2023,
    "web_url": "",
    "kind": "report",
    "notes": "",
}


@pytest.fixture
def dataset_file(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump({"sources": [SOURCE_FILE_RECORD]}), encoding="utf-8")
    return path


def test_import_dataset_records_created_change_through_import(db, dataset_file):
    call_command("import_dataset", str(dataset_file), stdout=StringIO())

    change = Change.objects.get()
    source = Source.objects.get(slug="levada-2023-survey")
    assert (
        change.content_type.model_class(),
        change.object_id,
        change.action,
        change.channel,
        change.user,
        change.username,
        change.reason,
        change.publication_status,
        change.snapshot,
    ) == (
        Source,
        source.pk,
        "created",
        "import",
        None,
        "",
        f"manage.py import_dataset {dataset_file}",
        "draft",
        SOURCE_FILE_RECORD | {"publication_status": "draft", "retraction_reason": ""},
    )


def test_import_dataset_with_user_credits_the_user(editor, editor_client, dataset_file):
    call_command("import_dataset", str(dataset_file), "--user", "editor", stdout=StringIO())

    change = Change.objects.get()
    assert (change.channel, change.user, change.username) == ("import", editor, "editor")
    source = Source.objects.get(slug="levada-2023-survey")
    results = editor_client.get(reverse("source-history", kwargs={"pk": source.pk})).json()
    assert summary(results["results"]) == [("levada-2023-survey", "created", "draft", "editor")]
    assert results["results"][0]["channel"] == "import"


def write_sources(path, **fields):
    path.write_text(yaml.safe_dump({"sources": [SOURCE_FILE_RECORD | fields]}), encoding="utf-8")
    return path


def test_import_that_publishes_a_draft_shows_anonymous_readers_no_draft_value(
    db, api_client, tmp_path
):
    draft = write_sources(tmp_path / "draft.yaml", notes="Unverified: do not cite yet.")
    call_command("import_dataset", str(draft), stdout=StringIO())
    final = write_sources(tmp_path / "final.yaml", publication_status="published")
    call_command("import_dataset", str(final), stdout=StringIO())

    results = feed(api_client)["results"]

    assert [(c["record_key"], c["publication_status"], c["changes"]) for c in results] == [
        ("levada-2023-survey", "published", {})
    ]
    assert results[0]["record"] == SOURCE_FILE_RECORD | {
        "publication_status": "published",
        "retraction_reason": "",
    }


def test_import_that_would_unpublish_a_record_is_refused_and_keeps_it_public(
    db, api_client, tmp_path
):
    published = write_sources(tmp_path / "published.yaml", publication_status="published")
    call_command("import_dataset", str(published), stdout=StringIO())
    cursor = feed(api_client)["next_cursor"]
    draft = write_sources(tmp_path / "draft.yaml", publication_status="draft")

    with pytest.raises(CommandError) as refused:
        call_command("import_dataset", str(draft), stdout=StringIO())

    # What was public stays public: only a retraction withdraws it, and the feed tells it.
    assert "a public record cannot go back; retract it" in str(refused.value)
    assert Source.objects.get(slug="levada-2023-survey").publication_status == "published"
    assert feed(api_client, since=cursor)["results"] == []


def test_feed_with_more_changes_links_the_next_page_and_the_last_page_does_not(
    editor_client, source
):
    for number in (1, 2):
        statistic = make_statistic(source, slug=f"linked-{number}")
        history.record_change(statistic, action="created", channel="api", user=None)

    first = editor_client.get(FEED_URL, {"limit": 1, "type": "statistic"})
    cursor = first.json()["next_cursor"]
    assert first.json()["has_more"] is True
    assert first["Link"] == (
        f'<http://testserver{FEED_URL}?limit=1&type=statistic&since={cursor}>; rel="next"'
    )
    last = editor_client.get(FEED_URL, {"limit": 1, "type": "statistic", "since": cursor})
    assert last.json()["has_more"] is False
    assert not last.has_header("Link")
