"""Loading the seed dataset (resources/data/seed.yaml) into an empty database, and refusing
invalid data all or nothing, naming the place of the fault.

tests/dataset/test_seed.py checks the database once the seed is loaded; its tests share one load per
module (``seeded``), so the ones that need an empty database are here.
"""

from io import StringIO

import pytest
import yaml
from django.core.management import CommandError, call_command

from resources.dataset import SECTIONS, DatasetError, load_dataset
from resources.models import (
    AudienceFigure,
    Change,
    Channel,
    Citation,
    HostPolicy,
    Location,
    NotableFigure,
)
from tests.dataset.test_seed import (
    SECTION_MODELS,
    SEED_SECTION_COUNTS,
    citation_lists,
    row_counts,
    seed,
)

# Loading creates exactly the file's records -------------------------------------------------


def test_load_seed_on_empty_database_creates_exactly_the_file_records(db):
    data = seed()
    output = StringIO()

    call_command("load_seed", stdout=output)

    expected = {section: len(data[section]) for section in SECTIONS}
    assert expected == SEED_SECTION_COUNTS
    assert {section: model.objects.count() for section, model in SECTION_MODELS.items()} == (
        expected
    )
    assert output.getvalue().splitlines() == [
        f"{section}: {count} created, 0 updated, 0 unchanged" for section, count in expected.items()
    ]
    assert {
        section: set(model.objects.values_list("slug", flat=True))
        for section, model in SECTION_MODELS.items()
    } == {section: {item["slug"] for item in data[section]} for section in SECTIONS}


def test_load_seed_on_empty_database_creates_the_file_nested_records(db):
    data = seed()
    organizations, outlets = data["organizations"], data["media_outlets"]
    channels = [channel for outlet in outlets for channel in outlet.get("channels", [])]

    call_command("load_seed", stdout=StringIO())

    assert Channel.objects.count() == len(channels)
    assert AudienceFigure.objects.count() == sum(
        len(channel.get("audience_figures", [])) for channel in channels
    )
    assert Location.objects.count() == sum(
        len(item.get("locations", [])) for item in organizations + outlets
    )
    assert NotableFigure.objects.count() == sum(
        len(item.get("notable_figures", [])) for item in organizations
    )
    assert Citation.objects.count() == sum(len(cited) for _, cited in citation_lists(data))
    assert {
        (policy.slug, group.slug)
        for policy in HostPolicy.objects.prefetch_related("exile_groups")
        for group in policy.exile_groups.all()
    } == {
        (item["slug"], group) for item in data["policies"] for group in item.get("exile_groups", [])
    }
    assert {
        (policy.slug, country.code)
        for policy in HostPolicy.objects.prefetch_related("nationalities")
        for country in policy.nationalities.all()
    } == {
        (item["slug"], code) for item in data["policies"] for code in item.get("nationalities", [])
    }


def test_load_seed_on_empty_database_gives_each_record_its_file_citations(db):
    data = seed()

    call_command("load_seed", stdout=StringIO())

    for section, model in SECTION_MODELS.items():
        if section == "sources":
            continue
        for item in data[section]:
            stored = model.objects.get(slug=item["slug"])
            assert [
                (c.source.slug, c.locator, c.claim) for c in stored.citations.order_by("pk")
            ] == [(c["source"], c["locator"], c["claim"]) for c in item["citations"]], item["slug"]


def test_load_seed_over_its_records_published_retracts_those_it_withdraws(db, tmp_path):
    """A database loaded before issue 14, when the seed published every record, learns from
    the next load which ones were withdrawn: they are retracted, with their reason, not
    deleted, so that a mirror following the changes learns it too."""
    data = seed()
    reasons = {}
    for section in SECTIONS:
        for item in data[section]:
            if item.pop("publication_status", None) == "retracted":
                reasons[(section, item["slug"])] = item.pop("retraction_reason")
    assert len(reasons) == 3
    earlier = tmp_path / "earlier.yaml"
    earlier.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    call_command("load_seed", file=str(earlier), stdout=StringIO())
    output = StringIO()

    call_command("load_seed", stdout=output)

    updated = {section: sum(s == section for s, _ in reasons) for section in SECTIONS}
    assert output.getvalue().splitlines() == [
        f"{section}: 0 created, {updated[section]} updated, {count - updated[section]} unchanged"
        for section, count in SEED_SECTION_COUNTS.items()
    ]
    for (section, slug), reason in reasons.items():
        stored = SECTION_MODELS[section].objects.get(slug=slug)
        assert (stored.publication_status, stored.retraction_reason) == ("retracted", reason)
        assert stored.retracted_at is not None
        last = Change.objects.filter(record_key=slug).latest("id")
        assert (last.action, last.publication_status) == ("updated", "retracted")


# Invalid datasets: all or nothing, with the place of the fault --------------------------------


def set_value(section, index, key, value):
    def mutate(data):
        data[section][index][key] = value

    return mutate


def rename_key(section, index, old, new):
    def mutate(data):
        data[section][index][new] = data[section][index].pop(old)

    return mutate


def rename_channel_key(data):
    channel = data["media_outlets"][0]["channels"][0]
    channel["platfrom"] = channel.pop("platform")


def cite_unknown_source(data):
    data["exile_groups"][0]["citations"][0]["source"] = "no-such-source"


def duplicate_slug(data):
    data["organizations"][1]["slug"] = data["organizations"][0]["slug"]


def add_unknown_section(data):
    data["statistic"] = []


def drop_slug(data):
    del data["statistics"][3]["slug"]


INVALID = [
    pytest.param(
        set_value("statistics", 0, "metric", "emigrations"),
        (
            "statistics[0] (georgia-arrivals-first-two-weeks-2022).metric",
            '"emigrations" is not a valid choice.',
        ),
        id="unknown-metric",
    ),
    pytest.param(
        rename_key("policies", 0, "summary", "sumary"),
        ("policies[0] (armenia-it-company-registration).sumary", "unknown field"),
        id="misspelt-field",
    ),
    pytest.param(
        rename_channel_key,
        ("media_outlets[0] (radio-liberty).channels[0].platfrom", "unknown field"),
        id="misspelt-nested-field",
    ),
    pytest.param(
        set_value("statistics", 4, "exile_group", "it-specialist"),
        (
            "statistics[4] (it-specialists-departures-since-invasion-raec).exile_group",
            "Object with slug=it-specialist does not exist.",
        ),
        id="unknown-exile-group",
    ),
    pytest.param(
        cite_unknown_source,
        (
            "exile_groups[0] (it-specialists).citations[0].source",
            "Object with slug=no-such-source does not exist.",
        ),
        id="unknown-source",
    ),
    pytest.param(
        duplicate_slug,
        (
            "organizations",
            "slug 'russian-association-of-electronic-communication' appears twice",
        ),
        id="duplicate-slug",
    ),
    pytest.param(add_unknown_section, ("statistic", "unknown section"), id="unknown-section"),
    pytest.param(drop_slug, ("statistics[3]", "a record needs a 'slug'"), id="no-slug"),
]


@pytest.mark.parametrize(("mutate", "error"), INVALID)
def test_load_dataset_with_invalid_record_raises_and_writes_nothing(db, mutate, error):
    before = row_counts()
    data = seed()
    mutate(data)

    with pytest.raises(DatasetError) as raised:
        load_dataset(data=data)

    assert row_counts() == before
    assert raised.value.errors == [error]
    assert f"{error[0]}: {error[1]}" in str(raised.value)


def test_load_seed_command_with_invalid_file_raises_command_error_with_location(db, tmp_path):
    before = row_counts()
    data = seed()
    data["statistics"][0]["metric"] = "emigrations"
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")

    with pytest.raises(CommandError) as raised:
        call_command("load_seed", file=str(path), stdout=StringIO())

    assert "statistics[0] (georgia-arrivals-first-two-weeks-2022).metric" in str(raised.value)
    assert row_counts() == before


def test_load_seed_command_with_non_mapping_file_raises_command_error_with_path(db, tmp_path):
    path = tmp_path / "list.yaml"
    path.write_text("- slug: a\n", encoding="utf-8")

    with pytest.raises(CommandError) as raised:
        call_command("load_seed", file=str(path), stdout=StringIO())

    assert str(path) in str(raised.value)
    assert "expected a mapping of sections" in str(raised.value)


def test_load_seed_command_with_malformed_yaml_raises_command_error_with_line(db, tmp_path):
    path = tmp_path / "malformed.yaml"
    path.write_text("sources:\n  - slug: [essay\nexile_groups: []\n", encoding="utf-8")

    with pytest.raises(CommandError) as raised:
        call_command("load_seed", file=str(path), stdout=StringIO())

    assert str(path) in str(raised.value)
    assert "line 3" in str(raised.value)
