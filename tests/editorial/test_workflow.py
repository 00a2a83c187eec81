"""The editorial workflow: roles, transitions, what drafts and retracted records look like to
whom, the refusal to publish what refers to unpublished records, If-Match on workflow actions
(resources/editorial/workflow.py, visibility.py, api/base.CuratedViewSet,
api/filters.CuratedFilterSet)."""

import csv
import io
from http import HTTPStatus

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from resources.models import ApiKey, Statistic
from tests.factories import (
    make_exile_group,
    make_media_outlet,
    make_organization,
    make_policy,
    make_source,
    make_statistic,
)
from tests.problems import detail, field_errors

STATISTICS = reverse("statistic-list")
ORGANIZATIONS = reverse("organization-list")
SEARCH = reverse("search")
SUMMARY = reverse("statistic-summary")
GEORGIA_PROFILE = reverse("country-profile", kwargs={"code": "GE"})
CURATED_MODELS = ["exilegroup", "source", "statistic", "mediaoutlet", "organization", "hostpolicy"]
SLUG_TAKEN = "This slug is taken; choose another."
RETRACT_REASON = ["Say why the record is retracted."]
NEW_STATISTIC = {
    "slug": "georgia-arrivals",
    "destination": "GE",
    "metric": "arrivals",
    "value": 25000,
    "qualifier": "exact",
    "unit": "people",
    "measure": "flow",
    "period_start": "2022-02-24",
    "period_end": "2022-03-10",
    "citations": [{"source": "essay", "locator": "para 1", "claim": "Georgia took in 25,000."}],
}


def url(statistic, route="detail"):
    """A statistic's detail URL, or the URL of one of its actions (submit, publish, ...)."""
    return reverse(f"statistic-{route}", kwargs={"pk": statistic.pk})


def status_of(record):
    record.refresh_from_db()
    return record.publication_status


def api_client_view(statistic):
    """The statistic as an anonymous client reads it."""
    response = APIClient().get(url(statistic))
    assert response.status_code == HTTPStatus.OK
    return response.json()


def slugs(response):
    assert response.status_code == HTTPStatus.OK, response.json()
    return [row["slug"] for row in response.json()["results"]]


def client_in_group(username, group_name):
    """An API client logged in as a new user whose only rights come from the real group."""
    user = User.objects.create_user(username, password="not-used-in-tests-5e2d")
    user.groups.add(Group.objects.get(name=group_name))
    client = APIClient()
    client.force_authenticate(user)
    return client


def client_with_key(owner, scopes):
    _key, secret = ApiKey.objects.create_key(name="app", owner=owner, scopes=scopes)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    return client


@pytest.fixture
def editors_member_client(db):
    """A client of a member of the "editors" group (no other permission)."""
    return client_in_group("member-of-editors", "editors")


@pytest.fixture
def reviewers_member_client(db):
    """A client of a member of the "reviewers" group (no other permission)."""
    return client_in_group("member-of-reviewers", "reviewers")


# Roles ------------------------------------------------------------------------------------


def test_migration_creates_exactly_the_editorial_groups(db):
    names = set(Group.objects.values_list("name", flat=True))
    assert names == {"editors", "reviewers", "administrators"}


def test_roles_only_reviewers_and_administrators_hold_the_publish_permissions(db):
    def publish_codenames(group_name):
        permissions = Permission.objects.filter(group__name=group_name)
        return set(permissions.filter(codename__startswith="publish_").values_list("codename"))

    every_model = {(f"publish_{model}",) for model in CURATED_MODELS}
    assert publish_codenames("editors") == set()
    assert publish_codenames("reviewers") == every_model
    assert publish_codenames("administrators") == every_model


def test_create_statistic_as_editors_member_is_201_and_a_draft(editors_member_client, source):
    response = editors_member_client.post(STATISTICS, NEW_STATISTIC, format="json")

    assert response.status_code == HTTPStatus.CREATED, response.json()
    body = response.json()
    assert (
        body["publication_status"],
        body["published_at"],
        body["retracted_at"],
        body["retraction_reason"],
    ) == ("draft", None, None, "")
    assert status_of(Statistic.objects.get(slug="georgia-arrivals")) == "draft"


def test_create_statistic_claiming_published_as_editors_member_is_still_a_draft(
    editors_member_client, source
):
    payload = NEW_STATISTIC | {"publication_status": "published", "published_at": "2024-01-01"}

    response = editors_member_client.post(STATISTICS, payload, format="json")

    assert response.status_code == HTTPStatus.CREATED, response.json()
    assert (response.json()["publication_status"], response.json()["published_at"]) == (
        "draft",
        None,
    )
    statistic = Statistic.objects.get(slug="georgia-arrivals")
    assert (statistic.publication_status, statistic.published_at) == ("draft", None)


@pytest.mark.parametrize("status", ["draft", "in_review"])
def test_patch_unpublished_as_editors_member_is_200_and_saved(
    editors_member_client, source, status
):
    statistic = make_statistic(source, publication_status=status, value=1)

    response = editors_member_client.patch(url(statistic), {"value": 2}, format="json")

    assert response.status_code == HTTPStatus.OK, response.json()
    assert (response.json()["value"], response.json()["publication_status"]) == (2, status)
    statistic.refresh_from_db()
    assert (statistic.value, statistic.publication_status) == (2, status)


def test_patch_publication_status_as_editors_member_leaves_the_draft_a_draft(
    editors_member_client, source
):
    statistic = make_statistic(source, publication_status="draft")

    response = editors_member_client.patch(
        url(statistic), {"publication_status": "published"}, format="json"
    )

    assert response.status_code == HTTPStatus.OK, response.json()
    assert response.json()["publication_status"] == "draft"
    assert status_of(statistic) == "draft"


def test_draft_detail_for_editors_member_is_200(editors_member_client, source):
    draft = make_statistic(source, slug="hidden", publication_status="draft")

    response = editors_member_client.get(url(draft))

    assert response.status_code == HTTPStatus.OK
    assert (response.json()["slug"], response.json()["publication_status"]) == ("hidden", "draft")


def test_submit_draft_as_editors_member_is_200_and_in_review(editors_member_client, source):
    statistic = make_statistic(source, publication_status="draft")

    response = editors_member_client.post(url(statistic, "submit"), format="json")

    assert response.status_code == HTTPStatus.OK, response.json()
    assert response.json()["publication_status"] == "in_review"
    assert response.json()["published_at"] is None
    assert status_of(statistic) == "in_review"


def test_publish_as_editors_member_is_403_and_stays_in_review(editors_member_client, source):
    statistic = make_statistic(source, publication_status="in_review")

    response = editors_member_client.post(url(statistic, "publish"), format="json")

    assert detail(response, HTTPStatus.FORBIDDEN, "permission-denied") == (
        "You may not publish statistics."
    )
    assert status_of(statistic) == "in_review"


def test_delete_published_as_editors_member_is_403_and_stays_published(
    editors_member_client, source
):
    statistic = make_statistic(source)

    response = editors_member_client.delete(url(statistic), {"reason": "Wrong"}, format="json")

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert status_of(statistic) == "published"
    assert statistic.retraction_reason == ""


def test_patch_published_as_editors_member_is_403_and_unchanged(editors_member_client, source):
    statistic = make_statistic(source, value=1)

    response = editors_member_client.patch(url(statistic), {"value": 2}, format="json")

    assert detail(response, HTTPStatus.FORBIDDEN, "permission-denied") == (
        "Editing a published record takes a reviewer."
    )
    statistic.refresh_from_db()
    assert statistic.value == 1


def test_publish_in_review_as_reviewers_member_is_200_published_and_dated(
    reviewers_member_client, source
):
    statistic = make_statistic(source, publication_status="in_review")

    response = reviewers_member_client.post(url(statistic, "publish"), format="json")

    assert response.status_code == HTTPStatus.OK, response.json()
    body = response.json()
    assert body["publication_status"] == "published"
    assert body["published_at"] is not None
    assert body["retracted_at"] is None
    statistic.refresh_from_db()
    assert statistic.publication_status == "published"
    assert statistic.published_at is not None


def test_patch_published_as_reviewers_member_is_200_and_saved(reviewers_member_client, source):
    statistic = make_statistic(source, value=1)

    response = reviewers_member_client.patch(url(statistic), {"value": 2}, format="json")

    assert response.status_code == HTTPStatus.OK, response.json()
    assert (response.json()["value"], response.json()["publication_status"]) == (2, "published")
    statistic.refresh_from_db()
    assert statistic.value == 2


def test_retract_with_reason_as_reviewers_member_is_200_retracted(reviewers_member_client, source):
    statistic = make_statistic(source)

    response = reviewers_member_client.post(
        url(statistic, "retract"), {"reason": "The source withdrew it."}, format="json"
    )

    assert response.status_code == HTTPStatus.OK, response.json()
    body = response.json()
    assert (body["publication_status"], body["retraction_reason"]) == (
        "retracted",
        "The source withdrew it.",
    )
    assert body["retracted_at"] is not None
    statistic.refresh_from_db()
    assert (statistic.publication_status, statistic.retraction_reason) == (
        "retracted",
        "The source withdrew it.",
    )


@pytest.mark.parametrize(
    "client_fixture", ["editors_member_client", "reviewers_member_client", "editor_client"]
)
def test_patch_retracted_by_anyone_is_409_and_unchanged(request, source, client_fixture):
    client = request.getfixturevalue(client_fixture)
    statistic = make_statistic(source, publication_status="retracted", value=1)

    response = client.patch(url(statistic), {"value": 2}, format="json")

    assert detail(response, HTTPStatus.CONFLICT, "conflict") == (
        "A retracted record cannot be edited."
    )
    statistic.refresh_from_db()
    assert (statistic.value, statistic.publication_status) == (1, "retracted")


# Each write a client without rights might try: (method, route of the statistic, body).
WRITES = {
    "create": ("post", None, NEW_STATISTIC),
    "patch": ("patch", "detail", {"value": 2}),
    "delete": ("delete", "detail", {"reason": "Wrong."}),
    "submit": ("post", "submit", {}),
    "publish": ("post", "publish", {}),
    "retract": ("post", "retract", {"reason": "Wrong."}),
}


def attempt(client, statistic, write):
    method, route, body = WRITES[write]
    target = STATISTICS if route is None else url(statistic, route)
    return getattr(client, method)(target, body, format="json")


@pytest.mark.parametrize("write", list(WRITES))
def test_write_as_anonymous_is_401_and_changes_nothing(api_client, source, write):
    statistic = make_statistic(source, value=1)

    response = attempt(api_client, statistic, write)

    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert list(Statistic.objects.values_list("slug", "value", "publication_status")) == [
        (statistic.slug, 1, "published")
    ]


@pytest.mark.parametrize("write", list(WRITES))
def test_write_without_permission_is_403_and_changes_nothing(reader_client, source, write):
    statistic = make_statistic(source, value=1)

    response = attempt(reader_client, statistic, write)

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert list(Statistic.objects.values_list("slug", "value", "publication_status")) == [
        (statistic.slug, 1, "published")
    ]


# Transitions ------------------------------------------------------------------------------


def test_publish_draft_not_in_review_is_409_and_stays_draft(editor_client, source):
    statistic = make_statistic(source, publication_status="draft")

    response = editor_client.post(url(statistic, "publish"), format="json")

    assert detail(response, HTTPStatus.CONFLICT, "conflict") == (
        "Only a record in review can be published; this one is draft."
    )
    assert status_of(statistic) == "draft"
    assert statistic.published_at is None


def test_submit_published_is_409_and_stays_published(editor_client, source):
    statistic = make_statistic(source)

    response = editor_client.post(url(statistic, "submit"), format="json")

    assert detail(response, HTTPStatus.CONFLICT, "conflict") == (
        "Only a draft can be submitted; this one is published."
    )
    assert status_of(statistic) == "published"


# Every transition from every status it does not start from: (transition, status, message).
WRONG_STARTS = [
    ("submit", "in_review", "Only a draft can be submitted; this one is in review."),
    ("submit", "retracted", "Only a draft can be submitted; this one is retracted."),
    ("return-to-draft", "draft", "Only a record in review can be returned; this one is draft."),
    (
        "return-to-draft",
        "published",
        "Only a record in review can be returned; this one is published.",
    ),
    (
        "return-to-draft",
        "retracted",
        "Only a record in review can be returned; this one is retracted.",
    ),
    ("publish", "published", "Only a record in review can be published; this one is published."),
    ("publish", "retracted", "Only a record in review can be published; this one is retracted."),
    ("retract", "draft", "Only a published record can be retracted; this one is draft."),
    ("retract", "in_review", "Only a published record can be retracted; this one is in review."),
    ("retract", "retracted", "Only a published record can be retracted; this one is retracted."),
]


@pytest.mark.parametrize(
    ("transition", "status", "message"),
    WRONG_STARTS,
    ids=[f"{transition}-from-{status}" for transition, status, _message in WRONG_STARTS],
)
def test_transition_from_a_status_it_does_not_start_from_is_409_and_changes_nothing(
    editor_client, source, transition, status, message
):
    statistic = make_statistic(source, publication_status=status)

    response = editor_client.post(
        url(statistic, transition), {"reason": "A reason."}, format="json"
    )

    assert detail(response, HTTPStatus.CONFLICT, "conflict") == message
    assert status_of(statistic) == status


def test_delete_of_a_draft_is_409_and_keeps_the_draft(editor_client, source):
    statistic = make_statistic(source, publication_status="draft")

    response = editor_client.delete(url(statistic), {"reason": "Unwanted"}, format="json")

    assert detail(response, HTTPStatus.CONFLICT, "conflict") == (
        "Only a published record can be retracted; this one is draft."
    )
    assert status_of(statistic) == "draft"


@pytest.mark.parametrize(
    ("method", "route", "body"),
    [
        ("delete", "detail", None),
        ("delete", "detail", {"reason": "   "}),
        ("post", "retract", {}),
        ("post", "retract", {"reason": ""}),
    ],
    ids=["delete-without-body", "delete-with-blank-reason", "retract-empty", "retract-blank"],
)
def test_retract_without_reason_is_400_naming_reason(editor_client, source, method, route, body):
    statistic = make_statistic(source)

    response = getattr(editor_client, method)(url(statistic, route), body, format="json")

    assert field_errors(response) == {"reason": RETRACT_REASON}
    statistic.refresh_from_db()
    assert (statistic.publication_status, statistic.retracted_at) == ("published", None)


def test_return_in_review_as_editors_member_is_200_and_a_draft(editors_member_client, source):
    statistic = make_statistic(source, publication_status="in_review")

    response = editors_member_client.post(
        url(statistic, "return-to-draft"), {"reason": "Cite the table."}, format="json"
    )

    assert response.status_code == HTTPStatus.OK, response.json()
    assert response.json()["publication_status"] == "draft"
    assert status_of(statistic) == "draft"


def test_delete_with_reason_retracts_and_answers_200_with_the_record(editor_client, source):
    statistic = make_statistic(source)
    reason = "Double-counted arrivals."
    response = editor_client.delete(url(statistic), {"reason": reason}, format="json")

    assert response.status_code == HTTPStatus.OK, response.content
    body = response.json()
    assert (body["id"], body["publication_status"], body["retraction_reason"]) == (
        statistic.pk,
        "retracted",
        reason,
    )
    assert body["retracted_at"] is not None
    statistic.refresh_from_db()
    assert (statistic.publication_status, statistic.retraction_reason) == ("retracted", reason)
    assert statistic.retracted_at is not None


def test_retracted_detail_for_anonymous_is_200_with_reason_and_date(api_client, source):
    statistic = make_statistic(source, publication_status="retracted", retraction_reason="Wrong.")

    response = api_client.get(url(statistic))

    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert (body["slug"], body["publication_status"], body["retraction_reason"]) == (
        statistic.slug,
        "retracted",
        "Wrong.",
    )
    assert body["retracted_at"] is not None


def test_retracted_for_anonymous_is_listed_only_when_asked_for(api_client, source):
    make_statistic(source, slug="current")
    make_statistic(source, slug="withdrawn", publication_status="retracted")

    assert slugs(api_client.get(STATISTICS)) == ["current"]
    assert slugs(api_client.get(STATISTICS, {"publication_status": "retracted"})) == ["withdrawn"]


# Publishing refused while the record refers to unpublished records --------------------------


def test_publish_with_draft_exile_group_is_400_and_stays_in_review(editor_client, source):
    group = make_exile_group(source, slug="unvetted-group", publication_status="draft")
    statistic = make_statistic(source, publication_status="in_review", exile_group=group)

    response = editor_client.post(url(statistic, "publish"), format="json")

    assert field_errors(response) == {
        "exile_group": ["Refers to unpublished unvetted-group; publish it first."]
    }
    statistic.refresh_from_db()
    assert (statistic.publication_status, statistic.published_at) == ("in_review", None)


def test_publish_citing_draft_source_is_400_and_stays_in_review(editor_client, db):
    draft_source = make_source(slug="unvetted-source", publication_status="draft")
    statistic = make_statistic(draft_source, publication_status="in_review")

    response = editor_client.post(url(statistic, "publish"), format="json")

    assert field_errors(response) == {
        "citations": ["Cites unpublished source unvetted-source; publish it first."]
    }
    assert status_of(statistic) == "in_review"


def test_publish_organization_serving_draft_exile_group_is_400_and_stays_in_review(
    editor_client, source
):
    group = make_exile_group(source, slug="unvetted-group", publication_status="draft")
    organization = make_organization(source, slug="the-org", publication_status="in_review")
    organization.exile_groups.add(group)

    response = editor_client.post(
        reverse("organization-publish", kwargs={"slug": "the-org"}), format="json"
    )

    assert field_errors(response) == {
        "exile_groups": ["Refers to unpublished unvetted-group; publish it first."]
    }
    assert status_of(organization) == "in_review"


def test_patch_published_to_cite_draft_source_is_400_and_unchanged(reviewers_member_client, source):
    make_source(slug="unvetted-source", publication_status="draft")
    statistic = make_statistic(source)
    citations = [{"source": "unvetted-source", "locator": "p. 2", "claim": "Another claim."}]

    response = reviewers_member_client.patch(
        url(statistic), {"citations": citations}, format="json"
    )

    assert field_errors(response) == {
        "citations": ["Cites unpublished source unvetted-source; publish it first."]
    }
    assert list(statistic.citations.values_list("source__slug", "locator")) == [("essay", "para 1")]
    assert [c["source"]["slug"] for c in api_client_view(statistic)["citations"]] == ["essay"]


def test_patch_published_organization_to_serve_draft_group_is_400_and_unchanged(
    reviewers_member_client, source
):
    make_exile_group(source, slug="unvetted-group", publication_status="draft")
    make_exile_group(source, slug="vetted-group")
    organization = make_organization(source, slug="the-org")
    detail = reverse("organization-detail", kwargs={"slug": "the-org"})

    response = reviewers_member_client.patch(
        detail, {"exile_groups": ["vetted-group", "unvetted-group"]}, format="json"
    )

    assert field_errors(response) == {
        "exile_groups": ["Refers to unpublished unvetted-group; publish it first."]
    }
    assert list(organization.exile_groups.all()) == []


def test_patch_published_to_draft_exile_group_is_400_and_unchanged(reviewers_member_client, source):
    make_exile_group(source, slug="unvetted-group", publication_status="draft")
    statistic = make_statistic(source)

    response = reviewers_member_client.patch(
        url(statistic), {"exile_group": "unvetted-group"}, format="json"
    )

    assert field_errors(response) == {
        "exile_group": ["Refers to unpublished unvetted-group; publish it first."]
    }
    statistic.refresh_from_db()
    assert statistic.exile_group is None
    assert api_client_view(statistic)["exile_group"] is None


# Visibility of drafts -------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["draft", "in_review"])
def test_unpublished_detail_for_anonymous_is_404(api_client, source, status):
    statistic = make_statistic(source, publication_status=status)
    make_organization(source, slug="hidden-org", publication_status=status)

    assert api_client.get(url(statistic)).status_code == HTTPStatus.NOT_FOUND
    organization_url = reverse("organization-detail", kwargs={"slug": "hidden-org"})
    assert api_client.get(organization_url).status_code == HTTPStatus.NOT_FOUND


@pytest.mark.parametrize("status", ["draft", "in_review"])
def test_unpublished_for_anonymous_is_absent_from_lists_even_when_asked_for(
    api_client, source, status
):
    make_statistic(source, slug="public")
    make_statistic(source, slug="hidden", publication_status=status)

    assert slugs(api_client.get(STATISTICS)) == ["public"]
    assert slugs(api_client.get(STATISTICS, {"publication_status": status})) == []


@pytest.mark.parametrize("client_fixture", ["api_client", "editor_client"])
def test_draft_is_absent_from_default_csv_list(request, source, client_fixture):
    client = request.getfixturevalue(client_fixture)
    make_statistic(source, slug="public")
    make_statistic(source, slug="hidden", publication_status="draft")

    response = client.get(STATISTICS, {"format": "csv"})

    assert response.status_code == HTTPStatus.OK
    content = b"".join(response.streaming_content) if response.streaming else response.content
    header, *rows = csv.reader(io.StringIO(content.decode("utf-8"), newline=""))
    assert [row[header.index("slug")] for row in rows] == ["public"]


@pytest.mark.parametrize("client_fixture", ["api_client", "editor_client"])
def test_draft_is_absent_from_global_search(request, source, client_fixture):
    client = request.getfixturevalue(client_fixture)
    make_organization(source, slug="northern-light", name="Northern Light")
    make_organization(
        source, slug="northern-star", name="Northern Star", publication_status="draft"
    )

    response = client.get(SEARCH, {"q": "northern", "type": "organization"})

    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert body["counts"] == {"organization": 1}
    assert [hit["key"] for hit in body["results"]] == ["northern-light"]


@pytest.mark.parametrize("client_fixture", ["api_client", "editor_client"])
def test_draft_is_absent_from_q_on_default_lists(request, source, client_fixture):
    client = request.getfixturevalue(client_fixture)
    make_organization(source, slug="northern-light", name="Northern Light")
    make_organization(
        source, slug="northern-star", name="Northern Star", publication_status="draft"
    )

    assert slugs(client.get(ORGANIZATIONS, {"q": "northern"})) == ["northern-light"]


@pytest.mark.parametrize("client_fixture", ["api_client", "editor_client"])
def test_draft_is_absent_from_country_profile(request, source, client_fixture):
    client = request.getfixturevalue(client_fixture)
    make_statistic(source, slug="public")
    make_statistic(source, slug="hidden", publication_status="draft")
    make_organization(source, slug="public-org", country_id="GE")
    make_organization(source, slug="hidden-org", country_id="GE", publication_status="draft")

    response = client.get(GEORGIA_PROFILE)

    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert [row["slug"] for row in body["statistics"]] == ["public"]
    assert [row["slug"] for row in body["organizations"]] == ["public-org"]


@pytest.mark.parametrize("client_fixture", ["api_client", "editor_client"])
def test_draft_is_absent_from_statistics_summary(request, source, client_fixture):
    client = request.getfixturevalue(client_fixture)
    public = make_statistic(source, slug="public", value=100)
    make_statistic(source, slug="hidden", value=999, publication_status="draft")

    response = client.get(SUMMARY)

    assert response.status_code == HTTPStatus.OK
    [group] = response.json()["groups"]
    assert group["reports"] == 1
    assert [group[end]["slug"] for end in ("latest", "lowest", "highest")] == [public.slug] * 3


def test_draft_citation_is_absent_from_source_cited_by_for_anonymous(
    api_client, editor_client, source
):
    public = make_statistic(source, slug="public")
    hidden = make_statistic(source, slug="hidden", publication_status="draft")
    source_url = reverse("source-detail", kwargs={"pk": source.pk})

    def citing_ids(client):
        response = client.get(source_url)
        assert response.status_code == HTTPStatus.OK
        return sorted(row["record_id"] for row in response.json()["cited_by"])

    assert citing_ids(api_client) == [public.pk]
    assert citing_ids(editor_client) == sorted([public.pk, hidden.pk])


def test_draft_citations_are_not_counted_in_public_source_reads(api_client, editor_client, source):
    make_statistic(source, slug="public")
    list_url, source_url = reverse("source-list"), reverse("source-detail", args=[source.pk])
    before = {url: api_client.get(url) for url in (list_url, source_url)}
    # A draft statistic and a draft outlet, whose channel and audience figure cite it too.
    make_statistic(source, slug="hidden", publication_status="draft")
    make_media_outlet(source, slug="hidden-outlet", publication_status="draft")

    for url, earlier in before.items():
        response = api_client.get(url)
        assert response.status_code == HTTPStatus.OK
        assert response["ETag"] == earlier["ETag"]
        assert response.json() == earlier.json()
    assert api_client.get(source_url).json()["citation_count"] == 1
    assert editor_client.get(source_url).json()["citation_count"] == 5


def test_source_cited_only_by_a_draft_is_not_cited_in_public(api_client, editor_client, source):
    other = make_source(slug="other")
    make_policy(other, slug="hidden-policy", publication_status="draft")
    make_statistic(source, slug="public")
    source_url = reverse("source-detail", args=[other.pk])

    body = api_client.get(source_url).json()
    assert (body["citation_count"], body["cited_by"]) == (0, [])
    listed = api_client.get(reverse("source-list"), {"cited_by": "policy"}).json()["results"]
    assert listed == []
    assert editor_client.get(source_url).json()["citation_count"] == 1
    listed = editor_client.get(reverse("source-list"), {"cited_by": "policy"}).json()["results"]
    assert [row["slug"] for row in listed] == ["other"]


def test_draft_outlet_is_absent_from_its_organizations_media_outlets(api_client, source):
    organization = make_organization(source, slug="the-org")
    make_media_outlet(source, slug="public-outlet", affiliated_organization=organization)
    make_media_outlet(
        source,
        slug="hidden-outlet",
        affiliated_organization=organization,
        publication_status="draft",
    )

    response = api_client.get(reverse("organization-detail", kwargs={"slug": "the-org"}))

    assert response.status_code == HTTPStatus.OK
    assert [row["slug"] for row in response.json()["media_outlets"]] == ["public-outlet"]


def test_draft_slug_as_filter_value_is_400_for_anonymous_and_valid_for_editor(
    api_client, editor_client, source
):
    group = make_exile_group(source, slug="unvetted-group", publication_status="draft")
    make_statistic(source, slug="hidden", exile_group=group, publication_status="draft")
    params = {"exile_group": "unvetted-group", "publication_status": "draft"}

    anonymous = api_client.get(STATISTICS, params)

    assert field_errors(anonymous) == {
        "exile_group": [
            "Select a valid choice. unvetted-group is not one of the available choices."
        ]
    }
    assert slugs(editor_client.get(STATISTICS, params)) == ["hidden"]


def test_draft_for_editor_session_is_readable_and_listed_only_when_asked_for(editor, source):
    make_statistic(source, slug="public")
    draft = make_statistic(source, slug="hidden", publication_status="draft")
    editor_client = APIClient()
    editor_client.force_login(editor)

    detail = editor_client.get(url(draft))

    assert detail.status_code == HTTPStatus.OK
    assert (detail.json()["slug"], detail.json()["publication_status"]) == ("hidden", "draft")
    assert slugs(editor_client.get(STATISTICS)) == ["public"]
    assert slugs(editor_client.get(STATISTICS, {"publication_status": "draft"})) == ["hidden"]


def test_draft_through_editors_key_without_read_drafts_scope_is_404(editor, source):
    draft = make_statistic(source, slug="hidden", publication_status="draft")
    client = client_with_key(editor, ["write"])

    assert client.get(url(draft)).status_code == HTTPStatus.NOT_FOUND
    assert slugs(client.get(STATISTICS, {"publication_status": "draft"})) == []


def test_draft_through_editors_key_with_read_drafts_scope_is_200(editor, source):
    draft = make_statistic(source, slug="hidden", publication_status="draft")
    client = client_with_key(editor, ["read-drafts"])

    response = client.get(url(draft))

    assert response.status_code == HTTPStatus.OK
    assert (response.json()["slug"], response.json()["publication_status"]) == ("hidden", "draft")
    assert slugs(client.get(STATISTICS, {"publication_status": "draft"})) == ["hidden"]


def test_write_citing_a_draft_source_through_key_without_read_drafts_is_400(editor, source):
    make_source(slug="hidden-source", title="Unpublished report", publication_status="draft")
    client = client_with_key(editor, ["write"])
    citation = {"source": "hidden-source", "locator": "p. 1", "claim": "A claim."}

    response = client.post(STATISTICS, NEW_STATISTIC | {"citations": [citation]}, format="json")

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert field_errors(response) == {
        "citations.0.source": ["Object with slug=hidden-source does not exist."]
    }
    assert "Unpublished report" not in response.content.decode()
    assert not Statistic.objects.filter(slug=NEW_STATISTIC["slug"]).exists()


def test_write_naming_a_draft_group_through_key_without_read_drafts_is_400(editor, source):
    make_exile_group(source, slug="hidden-group", name="Secret group", publication_status="draft")
    client = client_with_key(editor, ["write"])
    body = NEW_STATISTIC | {"exile_group": "hidden-group"}

    response = client.post(STATISTICS, body, format="json")

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert field_errors(response) == {
        "exile_group": ["Object with slug=hidden-group does not exist."]
    }
    assert "Secret group" not in response.content.decode()
    # A key that reads drafts may name it: the draft is what its owner works on.
    response = client_with_key(editor, ["write", "read-drafts"]).post(
        STATISTICS, body, format="json"
    )
    assert response.status_code == HTTPStatus.CREATED, response.json()
    assert response.json()["exile_group"]["name"] == "Secret group"


def test_taken_slug_error_is_the_same_for_hidden_and_public_holders(editor, source):
    make_statistic(source, slug="hidden", publication_status="draft")
    make_statistic(source, slug="public")
    client = client_with_key(editor, ["write"])

    errors = {
        slug: field_errors(client.post(STATISTICS, NEW_STATISTIC | {"slug": slug}, format="json"))
        for slug in ("hidden", "public")
    }

    assert errors["hidden"] == errors["public"] == {"slug": [SLUG_TAKEN]}


# Four eyes ------------------------------------------------------------------------------------

OWN_WORK = (
    "Publishing takes a second person: you submitted or last edited this record. "
    "Ask another reviewer to publish it."
)


def created_and_submitted(client):
    """A statistic that ``client`` created and submitted through the API."""
    response = client.post(STATISTICS, NEW_STATISTIC, format="json")
    assert response.status_code == HTTPStatus.CREATED, response.json()
    statistic = Statistic.objects.get(pk=response.json()["id"])
    assert client.post(url(statistic, "submit")).status_code == HTTPStatus.OK
    return statistic


def test_publish_by_the_reviewer_who_submitted_it_is_403_and_stays_in_review(editor_client, source):
    statistic = created_and_submitted(editor_client)

    response = editor_client.post(url(statistic, "publish"))

    assert detail(response, HTTPStatus.FORBIDDEN) == OWN_WORK
    assert status_of(statistic) == "in_review"


def test_publish_by_the_reviewer_who_last_edited_it_is_403(editor_client, reviewer_client, source):
    statistic = created_and_submitted(editor_client)
    edited = reviewer_client.patch(url(statistic), {"value": 25001}, format="json")
    assert edited.status_code == HTTPStatus.OK

    response = reviewer_client.post(url(statistic, "publish"))

    assert detail(response, HTTPStatus.FORBIDDEN) == OWN_WORK
    assert status_of(statistic) == "in_review"
    # The one who submitted it may not either; a third person may.
    assert editor_client.post(url(statistic, "publish")).status_code == HTTPStatus.FORBIDDEN
    third = client_with_key(
        User.objects.create_superuser("third", password="x-9f2e"), ["write", "read-drafts"]
    )
    assert third.post(url(statistic, "publish")).status_code == HTTPStatus.OK
    assert status_of(statistic) == "published"


def test_publish_by_a_second_reviewer_is_200(editor_client, reviewer_client, source):
    statistic = created_and_submitted(editor_client)

    response = reviewer_client.post(url(statistic, "publish"))

    assert response.status_code == HTTPStatus.OK, response.json()
    assert status_of(statistic) == "published"


def test_publish_own_work_with_second_reviewer_not_required_is_200(editor_client, source, settings):
    settings.REQUIRE_SECOND_REVIEWER = False
    statistic = created_and_submitted(editor_client)

    response = editor_client.post(url(statistic, "publish"))

    assert response.status_code == HTTPStatus.OK, response.json()
    assert status_of(statistic) == "published"


# If-Match on workflow actions ---------------------------------------------------------------


def test_publish_with_stale_etag_is_412_and_stays_in_review(editor_client, source):
    statistic = make_statistic(source, publication_status="in_review", value=1)
    reviewed = editor_client.get(url(statistic))["ETag"]
    edited = editor_client.patch(url(statistic), {"value": 2}, format="json")
    assert edited.status_code == HTTPStatus.OK

    response = editor_client.post(url(statistic, "publish"), format="json", HTTP_IF_MATCH=reviewed)

    assert response.status_code == HTTPStatus.PRECONDITION_FAILED
    statistic.refresh_from_db()
    assert (statistic.publication_status, statistic.published_at, statistic.value) == (
        "in_review",
        None,
        2,
    )


def test_publish_with_current_etag_is_200_and_published(editor_client, reviewer_client, source):
    statistic = make_statistic(source, publication_status="in_review", value=1)
    editor_client.patch(url(statistic), {"value": 2}, format="json")
    current = reviewer_client.get(url(statistic))["ETag"]

    response = reviewer_client.post(url(statistic, "publish"), format="json", HTTP_IF_MATCH=current)

    assert response.status_code == HTTPStatus.OK, response.json()
    assert (response.json()["publication_status"], response.json()["value"]) == ("published", 2)
    assert status_of(statistic) == "published"


# Query counts ----------------------------------------------------------------------------------


def test_list_with_drafts_mixed_in_costs_the_same_for_a_page_of_1_and_of_20(
    api_client, source, django_assert_max_num_queries
):
    group = make_exile_group(source, slug="the-group")
    for number in range(5):
        make_statistic(source, slug=f"public-{number}", exile_group=group)
        make_statistic(source, slug=f"hidden-{number}", publication_status="draft")
    counts = []
    for limit in (1, 20):
        with CaptureQueriesContext(connection) as queries:
            response = api_client.get(STATISTICS, {"limit": limit})
        assert response.json()["count"] == 5
        assert len(response.json()["results"]) == min(limit, 5)
        counts.append(len(queries))

    assert counts[0] == counts[1]
    with django_assert_max_num_queries(4):
        api_client.get(STATISTICS, {"limit": 20})
