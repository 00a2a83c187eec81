"""The data editors' workbench: every admin page renders, edits land as exact rows."""

import re
from datetime import date
from decimal import Decimal
from http import HTTPStatus

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse

from resources.editorial import history
from resources.models import (
    ApiKey,
    AudienceFigure,
    Change,
    Channel,
    Citation,
    Country,
    Delivery,
    ExileGroup,
    HostPolicy,
    Location,
    MediaOutlet,
    NotableFigure,
    Organization,
    PendingChange,
    PublicVersion,
    Revision,
    Source,
    Statistic,
    StatisticGroup,
    Subscription,
)
from tests.factories import (
    cite,
    make_exile_group,
    make_media_outlet,
    make_organization,
    make_policy,
    make_statistic,
)

REGISTERED_MODELS = sorted(
    (model for model in admin.site._registry if model._meta.app_label == "resources"),
    key=lambda model: model._meta.model_name,
)
TIMESTAMPED_MODELS = [
    model
    for model in REGISTERED_MODELS
    if {"created_at", "updated_at"} <= {field.name for field in model._meta.fields}
]
CITATION_PREFIX = "resources-citation-content_type-object_id"
TIMESTAMP_INPUT = re.compile(r'name="[^"]*(created_at|updated_at)"')


def admin_url(model, view, *args):
    return reverse(f"admin:resources_{model._meta.model_name}_{view}", args=args)


def model_id(model):
    return model._meta.model_name


@pytest.fixture
def records(source):
    """One record of every registered model, each with a search term that finds only it."""
    group = make_exile_group(source, slug="it-specialists", name="IT specialists")
    statistic = make_statistic(source, slug="georgia-arrivals-2022", exile_group=group)
    organization = make_organization(source, slug="free-russia-foundation")
    figure = cite(
        NotableFigure.objects.create(
            organization=organization, name="Natalia Arno", role="founder"
        ),
        source,
    )
    location = cite(
        Location.objects.create(
            organization=organization, country=Country.objects.get(code="GE"), city="Tbilisi"
        ),
        source,
    )
    outlet = make_media_outlet(source, slug="tv-rain")
    channel = outlet.channels.get()
    channel.handle = "tvrain"
    channel.save()
    audience = channel.audience_figures.get()
    audience.notes = "Median of the last ten videos."
    audience.save()
    policy = make_policy(source, slug="armenia-it-company-registration")
    citation = group.citations.create(
        source=source, locator="p. 4", claim="Programmers left first."
    )
    owner = User.objects.create_user("key-owner", password="unused-pass-8d2e")
    api_key, _secret = ApiKey.objects.create_key(name="newsroom-app", owner=owner)
    change = history.record_change(
        group, action="created", channel="command", reason="Loaded by the fixture."
    )
    revision = Revision.objects.create(
        content_type=ContentType.objects.get_for_model(policy),
        object_id=policy.pk,
        data={},
        reason="A typo in the policy's summary.",
        proposed_by=owner,
        base_updated_at=policy.updated_at,
    )
    subscription = Subscription.objects.create(
        owner=owner, target_url="https://hooks.example.org/exile", filter="type=policy"
    )
    delivery = Delivery.objects.create(
        subscription=subscription, change=change, event="group.created", body=b"{}"
    )
    return {
        Subscription: (subscription, "hooks.example.org"),
        Delivery: (delivery, "group.created"),
        Change: (change, "Loaded by the fixture"),
        Revision: (revision, "typo in the policy"),
        ApiKey: (api_key, "newsroom-app"),
        Country: (Country.objects.get(code="GE"), "Georgia"),
        ExileGroup: (group, "it-specialists"),
        Source: (source, "essay"),
        Citation: (citation, "Programmers left first"),
        Statistic: (statistic, "georgia-arrivals-2022"),
        Organization: (organization, "free-russia-foundation"),
        NotableFigure: (figure, "Natalia Arno"),
        Location: (location, "Tbilisi"),
        MediaOutlet: (outlet, "tv-rain"),
        Channel: (channel, "tvrain"),
        AudienceFigure: (audience, "Median of the last ten"),
        HostPolicy: (policy, "armenia-it-company-registration"),
    }


@pytest.fixture
def staff_editor_client(editor):
    """A browser session of the editor, made staff so that it may enter the admin."""
    editor.is_staff = True
    editor.save()
    client = Client()
    client.force_login(editor)
    return client


def statistic_form(**fields):
    """The Statistic add form as the browser posts it, with one citation row."""
    data = {
        "slug": "georgia-arrivals",
        "origin": "RU",
        "destination": "GE",
        "exile_group": "",
        "metric": "arrivals",
        "value": "25000",
        "value_low": "",
        "value_high": "",
        "qualifier": "exact",
        "unit": "people",
        "measure": "flow",
        "counting_method": "border_crossings",
        "period_start": "2022-02-24",
        "period_end": "2022-03-10",
        "notes": "",
        f"{CITATION_PREFIX}-TOTAL_FORMS": "1",
        f"{CITATION_PREFIX}-INITIAL_FORMS": "0",
        f"{CITATION_PREFIX}-MIN_NUM_FORMS": "0",
        f"{CITATION_PREFIX}-MAX_NUM_FORMS": "1000",
        f"{CITATION_PREFIX}-0-id": "",
        f"{CITATION_PREFIX}-0-locator": "para 3",
        f"{CITATION_PREFIX}-0-claim": "Georgia took in 25,000 people in two weeks.",
        "_save": "Save",
    }
    return data | fields


def test_admin_registers_every_resources_model():
    # Not the history's bookkeeping (notes of unrecorded writes, the public version) nor the
    # summary's groups: PostgreSQL maintains them.
    bookkeeping = {PendingChange, PublicVersion, StatisticGroup}
    models = set(apps.get_app_config("resources").get_models()) - bookkeeping
    assert set(REGISTERED_MODELS) == models


@pytest.mark.parametrize("model", REGISTERED_MODELS, ids=model_id)
def test_view_changelist_with_a_record_lists_it(admin_client, records, model):
    record, _ = records[model]

    response = admin_client.get(admin_url(model, "changelist"))

    assert response.status_code == HTTPStatus.OK
    assert record.pk in {row.pk for row in response.context["cl"].result_list}


@pytest.mark.parametrize("model", REGISTERED_MODELS, ids=model_id)
def test_search_changelist_by_term_finds_exactly_the_record(admin_client, records, model):
    record, term = records[model]
    # Country names come from ISO 3166: "Georgia" is also in "South Georgia and the ...".
    expected = {"GE", "GS"} if model is Country else {record.pk}

    response = admin_client.get(admin_url(model, "changelist"), {"q": term})

    assert response.status_code == HTTPStatus.OK
    assert {row.pk for row in response.context["cl"].result_list} == expected


@pytest.mark.parametrize("model", REGISTERED_MODELS, ids=model_id)
def test_view_add_page_as_superuser_renders_except_read_only_country_and_history(
    admin_client, model
):
    response = admin_client.get(admin_url(model, "add"))

    # A correction is proposed from its record's page; deliveries are the worker's log.
    read_only = (Country, Change, Revision, Delivery)
    expected = HTTPStatus.FORBIDDEN if model in read_only else HTTPStatus.OK
    assert response.status_code == expected


@pytest.mark.parametrize("model", REGISTERED_MODELS, ids=model_id)
def test_view_change_page_of_a_record_renders_it(admin_client, records, model):
    record, _ = records[model]

    response = admin_client.get(admin_url(model, "change", record.pk))

    assert response.status_code == HTTPStatus.OK
    assert response.context["original"] == record


def test_view_changelist_anonymously_redirects_to_login(client, db):
    url = admin_url(Statistic, "changelist")

    response = client.get(url)

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == f"{reverse('admin:login')}?next={url}"


def test_add_statistic_with_citation_inline_creates_both_rows(staff_editor_client, source):
    add_url = admin_url(Statistic, "add")
    page = staff_editor_client.get(add_url).content.decode()
    # The field names posted below are the ones the add page renders.
    for name in ("TOTAL_FORMS", "INITIAL_FORMS", "0-source", "0-locator", "0-claim"):
        assert f'name="{CITATION_PREFIX}-{name}"' in page

    response = staff_editor_client.post(
        add_url, statistic_form(**{f"{CITATION_PREFIX}-0-source": str(source.pk)})
    )

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == admin_url(Statistic, "changelist")
    statistic = Statistic.objects.get()
    assert Statistic.objects.values(
        "slug",
        "origin_id",
        "destination_id",
        "exile_group_id",
        "metric",
        "value",
        "value_low",
        "value_high",
        "qualifier",
        "unit",
        "measure",
        "counting_method",
        "period_start",
        "period_end",
        "is_historical",
        "notes",
    ).get() == {
        "slug": "georgia-arrivals",
        "origin_id": "RU",
        "destination_id": "GE",
        "exile_group_id": None,
        "metric": "arrivals",
        "value": Decimal("25000.00"),
        "value_low": None,
        "value_high": None,
        "qualifier": "exact",
        "unit": "people",
        "measure": "flow",
        "counting_method": "border_crossings",
        "period_start": date(2022, 2, 24),
        "period_end": date(2022, 3, 10),
        "is_historical": False,
        "notes": "",
    }
    assert list(
        Citation.objects.values("source_id", "content_type_id", "object_id", "locator", "claim")
    ) == [
        {
            "source_id": source.pk,
            "content_type_id": ContentType.objects.get_for_model(Statistic).pk,
            "object_id": statistic.pk,
            "locator": "para 3",
            "claim": "Georgia took in 25,000 people in two weeks.",
        }
    ]


def test_add_statistic_with_value_low_above_value_shows_error_and_creates_nothing(
    staff_editor_client, source
):
    response = staff_editor_client.post(
        admin_url(Statistic, "add"),
        statistic_form(
            value="100", value_low="200", **{f"{CITATION_PREFIX}-0-source": str(source.pk)}
        ),
    )

    assert response.status_code == HTTPStatus.OK
    assert response.context["adminform"].form.errors == {
        "value_low": ["Must not be greater than value."]
    }
    assert "Must not be greater than value." in response.content.decode()
    assert not Statistic.objects.exists()
    assert not Citation.objects.exists()


@pytest.mark.parametrize("model", TIMESTAMPED_MODELS, ids=model_id)
def test_view_change_page_offers_no_timestamp_input(admin_client, records, model):
    record, _ = records[model]

    response = admin_client.get(admin_url(model, "change", record.pk))

    assert response.status_code == HTTPStatus.OK
    assert TIMESTAMP_INPUT.findall(response.content.decode()) == []
    assert {"created_at", "updated_at"} <= set(response.context["adminform"].readonly_fields)


def test_country_admin_as_superuser_denies_add_change_and_delete(rf, admin_user):
    country_admin = admin.site._registry[Country]
    request = rf.get("/")
    request.user = admin_user
    georgia = Country.objects.get(code="GE")

    assert country_admin.has_view_permission(request, georgia) is True
    assert country_admin.has_add_permission(request) is False
    assert country_admin.has_change_permission(request, georgia) is False
    assert country_admin.has_delete_permission(request, georgia) is False


def test_change_country_through_admin_is_403_and_changes_nothing(admin_client):
    response = admin_client.post(admin_url(Country, "change", "GE"), {"name": "Sakartvelo"})
    delete_response = admin_client.post(admin_url(Country, "delete", "GE"), {"post": "yes"})

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert delete_response.status_code == HTTPStatus.FORBIDDEN
    assert Country.objects.values("code", "alpha3", "name").get(code="GE") == {
        "code": "GE",
        "alpha3": "GEO",
        "name": "Georgia",
    }


def test_autocomplete_destination_by_term_returns_matching_countries(admin_client):
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "resources",
            "model_name": "statistic",
            "field_name": "destination",
            "term": "geo",
        },
    )

    assert response.status_code == HTTPStatus.OK
    assert response.json() == {
        "results": [
            {"id": "GE", "text": "Georgia (GE)"},
            {
                "id": "GS",
                "text": "South Georgia and the South Sandwich Islands (GS)",
            },
        ],
        "pagination": {"more": False},
    }


def test_view_change_page_with_html_in_description_escapes_it(admin_client, source):
    organization = make_organization(source, description="<script>alert(1)</script>")

    response = admin_client.get(admin_url(Organization, "change", organization.pk))

    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_view_changelist_with_html_in_name_escapes_it(admin_client, source):
    make_organization(source, slug="bold", name="<b>bold</b>")

    response = admin_client.get(admin_url(Organization, "changelist"))

    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert "<b>bold</b>" not in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html


def test_add_statistic_without_citation_is_refused(admin_client, db):
    prefix = "resources-citation-content_type-object_id"
    data = {
        "slug": "uncited",
        "origin": "RU",
        "destination": "GE",
        "metric": "arrivals",
        "value": "1",
        "qualifier": "exact",
        "unit": "people",
        "measure": "flow",
        "counting_method": "unspecified",
        f"{prefix}-TOTAL_FORMS": "0",
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "1",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    response = admin_client.post("/admin/resources/statistic/add/", data)
    assert response.status_code == HTTPStatus.OK
    assert "Please submit at least 1 form." in response.content.decode()
    assert not Statistic.objects.filter(slug="uncited").exists()
