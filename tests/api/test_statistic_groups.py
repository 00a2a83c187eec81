"""The summary's maintained groups (StatisticGroup, kept by triggers) against the reference.

After every kind of write, each summary the maintained groups answer must be byte for byte
the one computed on the fly from the statistics themselves. Without the triggers (or with a
write path they miss) the groups go stale and these tests fail.
"""

from datetime import date
from decimal import Decimal
from http import HTTPStatus

import pytest
from django.db import connection
from django.urls import reverse

from resources import summaries
from resources.choices import ChangeAction, ChangeChannel
from resources.dataset import export_dataset, load_dataset
from resources.editorial import history, services
from resources.models import Citation, Country, Statistic, StatisticGroup
from tests.factories import cite, make_exile_group, make_source, make_statistic

SUMMARY_URL = reverse("statistic-summary")

# Requests the maintained groups answer: groupings, and filters on the groups' key.
MAINTAINED_REQUESTS = [
    {},
    {"group_by": "metric"},
    {"group_by": "exile_group"},
    {"group_by": "origin,destination"},
    {"group_by": "destination,exile_group,origin,metric"},
    {"destination": "GE"},
    {"destination": "GE,AM", "group_by": "metric"},
    {"abroad": "true"},
    {"abroad": "false", "group_by": "exile_group"},
    {"metric": "arrivals", "group_by": "origin"},
    {"measure": "stock"},
    {"is_historical": "false", "group_by": "metric"},
    {"origin": "RU", "publication_status": "published"},
    {"group_by": "exile_group", "lang": "ru"},
]


def refuse(*args, **kwargs):
    raise AssertionError("computed on the fly, not read from the maintained groups")


def refuse_maintained(*args, **kwargs):
    raise AssertionError("read from the maintained groups, not computed on the fly")


def summary_bytes(client, params):
    response = client.get(SUMMARY_URL, params)
    assert response.status_code == HTTPStatus.OK, response.content
    return response.content


def assert_maintained_groups_exact(client, monkeypatch, *, requests=MAINTAINED_REQUESTS):
    """Each request answered from the maintained groups equals the on-the-fly answer."""
    for params in requests:
        with monkeypatch.context() as patch:
            patch.setattr(summaries, "_summarize_on_the_fly", refuse)
            maintained = summary_bytes(client, params)
        with monkeypatch.context() as patch:
            patch.setattr(summaries, "maintained_groups", lambda filterset: None)
            on_the_fly = summary_bytes(client, params)
        assert maintained == on_the_fly, params


@pytest.fixture
def figures(db, source):
    """Published statistics in several groups (one group with ties on every ordering), a
    draft, and a second source; each with citations."""
    other_source = make_source(slug="other-source")
    group = make_exile_group(source, slug="it-specialists")
    armenia = Country.objects.get(code="AM")
    records = {
        "ge-early": make_statistic(source, value=100, period_end=date(2022, 3, 1)),
        "ge-late": make_statistic(other_source, value=300, period_end=date(2022, 6, 1)),
        # Ties with ge-late on value and period: the lower id wins, as on the fly.
        "ge-tie": make_statistic(source, value=300, period_end=date(2022, 6, 1)),
        "ge-open": make_statistic(source, value=50, period_start=None, period_end=None),
        "am-stock": make_statistic(source, destination=armenia, measure="stock", value=7),
        "abroad": make_statistic(source, destination=None, value=1000, exile_group=group),
        "historical": make_statistic(source, is_historical=True, value=5),
        "draft": make_statistic(source, value=999_999, publication_status="draft"),
    }
    cite(records["ge-early"], other_source, locator="p. 2")
    return records


def test_summary_from_maintained_groups_equals_on_the_fly_after_creates(
    api_client, monkeypatch, figures
):
    assert StatisticGroup.objects.count() == 4

    assert_maintained_groups_exact(api_client, monkeypatch)


def test_summary_equals_on_the_fly_after_api_create_and_publish(
    api_client, editor_client, reviewer_client, monkeypatch, figures
):
    created = editor_client.post(
        reverse("statistic-list"),
        {
            "slug": "ge-new",
            "destination": "GE",
            "metric": "arrivals",
            "unit": "people",
            "measure": "flow",
            "value": "1",
            "period_start": "2023-01-01",
            "period_end": "2023-12-31",
            "citations": [{"source": "other-source", "locator": "p. 9", "claim": "A new claim."}],
        },
        format="json",
    )
    assert created.status_code == HTTPStatus.CREATED, created.content
    assert_maintained_groups_exact(api_client, monkeypatch)  # a draft: no group changes
    url = reverse("statistic-detail", args=[created.json()["id"]])
    submitted = editor_client.post(f"{url}submit/", {}, format="json")
    assert submitted.status_code == HTTPStatus.OK, submitted.content
    published = reviewer_client.post(
        f"{url}publish/", {}, format="json", HTTP_IF_MATCH=submitted["ETag"]
    )
    assert published.status_code == HTTPStatus.OK, published.content

    body = api_client.get(SUMMARY_URL).json()
    assert [g["latest"]["slug"] for g in body["groups"] if g["latest"]["slug"] == "ge-new"]
    assert_maintained_groups_exact(api_client, monkeypatch)


def test_summary_equals_on_the_fly_after_edits_of_value_and_group_key(
    api_client, monkeypatch, figures
):
    lowest = figures["ge-open"]
    lowest.value = Decimal("100000")
    lowest.save()
    assert_maintained_groups_exact(api_client, monkeypatch)

    # To another group, one that had none: the old group loses it, a new one appears.
    moved = figures["ge-late"]
    moved.destination = Country.objects.get(code="KZ")
    moved.save()
    assert_maintained_groups_exact(api_client, monkeypatch)

    # The last of its group moves away: the group goes.
    only = figures["am-stock"]
    only.measure = "flow"
    only.save()
    assert not StatisticGroup.objects.filter(measure="stock").exists()
    assert_maintained_groups_exact(api_client, monkeypatch)


def test_summary_equals_on_the_fly_after_publish_and_retract(
    api_client, reviewer, monkeypatch, figures
):
    draft = figures["draft"]
    Statistic.objects.filter(pk=draft.pk).update(publication_status="in_review")
    draft.refresh_from_db()
    services.transition(record=draft, name="publish", user=reviewer, channel=ChangeChannel.COMMAND)
    assert_maintained_groups_exact(api_client, monkeypatch)

    for slug in ("draft", "ge-tie", "am-stock"):
        record = Statistic.objects.get(slug=figures[slug].slug)
        services.transition(
            record=record,
            name="retract",
            user=reviewer,
            channel=ChangeChannel.COMMAND,
            reason="Misread the source.",
        )
        assert_maintained_groups_exact(api_client, monkeypatch)


def test_summary_equals_on_the_fly_after_citation_changes(api_client, monkeypatch, figures):
    third = make_source(slug="third-source")
    cite(figures["ge-late"], third)  # a new source for the group
    assert_maintained_groups_exact(api_client, monkeypatch)

    citation = figures["ge-early"].citations.get(locator="p. 2")
    citation.source = third  # one source for another
    citation.save()
    assert_maintained_groups_exact(api_client, monkeypatch)

    # A citation moved from one statistic to another (other group), then deleted in bulk.
    Citation.objects.filter(pk=citation.pk).update(object_id=figures["abroad"].pk)
    assert_maintained_groups_exact(api_client, monkeypatch)
    figures["ge-late"].citations.all().delete()
    assert_maintained_groups_exact(api_client, monkeypatch)


def test_summary_equals_on_the_fly_after_dataset_import(api_client, monkeypatch, figures):
    data = export_dataset(full=True)
    records = {record["slug"]: record for record in data["statistics"]}
    records[figures["ge-early"].slug]["value"] = "123456.00"
    records[figures["abroad"].slug]["destination"] = "AM"
    new = dict(records[figures["ge-late"].slug], slug="imported-new", value="2.00")
    statistics = [*records.values(), new]

    load_dataset(data={"statistics": statistics})

    assert Statistic.objects.filter(slug="imported-new").exists()
    assert_maintained_groups_exact(api_client, monkeypatch)


def test_summary_equals_on_the_fly_after_revert(api_client, monkeypatch, figures):
    record = figures["ge-late"]
    first = history.record_change(record, action=ChangeAction.CREATED, channel="command")
    record.value = Decimal("1")
    record.destination = Country.objects.get(code="AM")
    record.save()
    assert_maintained_groups_exact(api_client, monkeypatch)

    services.revert(record=record, change=first, user=None, channel=ChangeChannel.COMMAND)

    record.refresh_from_db()
    assert (record.destination_id, record.value) == ("GE", Decimal("300"))
    assert_maintained_groups_exact(api_client, monkeypatch)


def test_summary_equals_on_the_fly_after_raw_sql_update_and_delete(
    api_client, monkeypatch, figures
):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE resources_statistic SET value = value * 3, destination_id = 'AM' "
            "WHERE slug IN (%s, %s)",
            [figures["ge-early"].slug, figures["historical"].slug],
        )
    assert_maintained_groups_exact(api_client, monkeypatch)

    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM resources_citation WHERE object_id = %s", [figures["ge-tie"].pk]
        )
        cursor.execute("DELETE FROM resources_statistic WHERE slug = %s", [figures["ge-tie"].slug])
        cursor.execute(
            "UPDATE resources_statistic SET publication_status = 'published' WHERE slug = %s",
            [figures["draft"].slug],
        )
    assert_maintained_groups_exact(api_client, monkeypatch)


def test_summary_with_other_filters_or_statuses_is_computed_on_the_fly(
    api_client, editor_client, monkeypatch, figures
):
    monkeypatch.setattr(summaries, "_summarize_maintained", refuse_maintained)
    for params in [
        {"q": "statistic"},
        {"value_min": "10"},
        {"qualifier": "exact"},
        {"period_after": "2022-01-01"},
        {"publication_status": "retracted"},
        {"publication_status": "published,retracted"},
    ]:
        summary_bytes(api_client, params)
    # Drafts asked for by an editor: on the fly, with the draft.
    body = editor_client.get(SUMMARY_URL, {"publication_status": "draft,published"}).json()
    assert any(g["highest"]["slug"] == figures["draft"].slug for g in body["groups"])


@pytest.mark.parametrize("size", [1, 5])
def test_summary_from_maintained_groups_takes_a_fixed_number_of_queries(
    api_client, django_assert_num_queries, source, size
):
    for number in range(size):
        codes = ["GE", "AM", "KZ", "TR", "RS"]
        make_statistic(source, destination=Country.objects.get(code=codes[number]))
        make_statistic(source, destination=Country.objects.get(code=codes[number]), value=number)

    # The groups aggregated, the winning records, and their citations.
    with django_assert_num_queries(3):
        body = summary_bytes(api_client, {"group_by": "destination"})
    assert body.count(b'"reports":2') == size
