"""The seed dataset (resources/data/seed.yaml) and its loader (resources/dataset.py).

Loading is checked against the real database: idempotence, updates in place, all-or-nothing
refusal of invalid data; every test here starts from the seeded database (``seeded``: one load
per module), and tests/dataset/test_seed_loading.py loads into an empty one. The data itself
is checked against its one source, the essay: every record cited, locators that exist, claims in the
project's own words, and the essay's headline facts present as queryable values.
"""

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType

from resources.dataset import DatasetError, load_dataset, read_dataset
from resources.models import (
    AudienceFigure,
    Channel,
    Citation,
    ExileGroup,
    HostPolicy,
    Location,
    MediaOutlet,
    NotableFigure,
    Organization,
    PendingChange,
    PublicVersion,
    Source,
    Statistic,
    StatisticGroup,
)

REPO = Path(__file__).resolve().parents[2]
ESSAY = REPO.parent / "shared" / "seed" / "essay-russian-exiles-2022.txt"
ESSAY_SLUG = "soldatov-borogan-2022-essay"

SECTION_MODELS = {
    "sources": Source,
    "exile_groups": ExileGroup,
    "organizations": Organization,
    "media_outlets": MediaOutlet,
    "statistics": Statistic,
    "policies": HostPolicy,
}
# The seed as it is today; a change to the file must update these on purpose.
SEED_SECTION_COUNTS = {
    "sources": 1,
    "exile_groups": 4,
    "organizations": 9,
    "media_outlets": 6,
    "statistics": 12,
    "policies": 14,
}
CITED_MODELS = [
    ExileGroup,
    Organization,
    NotableFigure,
    Location,
    MediaOutlet,
    Channel,
    AudienceFigure,
    Statistic,
    HostPolicy,
]
FREE_TEXT_KEYS = {"claim", "description", "summary", "notes", "conditions"}
COPY_RUN = 8  # this many consecutive words shared with the essay count as copying
LOCATOR = re.compile(r"^para (\d+)$")
ESSAY_PARAGRAPHS = 32  # non-empty paragraphs after the author line (para 0)


# Helpers ---------------------------------------------------------------------------------


def seed():
    """A fresh parsed copy of the seed file, safe to mutate."""
    return read_dataset()


def record(data, section, slug):
    return next(item for item in data[section] if item["slug"] == slug)


def citation_lists(data):
    """Every (location, citations) pair of the file: records and nested records."""
    for section, records in data.items():
        for index, item in enumerate(records):
            location = f"{section}[{index}] ({item['slug']})"
            if "citations" in item:
                yield location, item["citations"]
            for name in ("notable_figures", "locations", "channels"):
                for number, child in enumerate(item.get(name, [])):
                    yield f"{location}.{name}[{number}]", child["citations"]
                    for figure_number, figure in enumerate(child.get("audience_figures", [])):
                        yield (
                            f"{location}.{name}[{number}].audience_figures[{figure_number}]",
                            figure["citations"],
                        )


def free_texts(value, location=""):
    """Every (location, text) of the file that is prose the project wrote."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in FREE_TEXT_KEYS and isinstance(item, str):
                yield f"{location}.{key}", item
            else:
                yield from free_texts(item, f"{location}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from free_texts(item, f"{location}[{index}]")


def all_models():
    """Every table of the app, the many-to-many link tables included; not the history's
    bookkeeping (the public version moves with every public change) nor the summary's groups
    (derived by the database from the statistics: tests/api/test_statistic_groups.py)."""
    models_ = apps.get_app_config("resources").get_models(include_auto_created=True)
    derived = (PendingChange, PublicVersion, StatisticGroup)
    return [model for model in models_ if model not in derived]


def snapshot():
    """Every row of every table of the app, all columns, keyed by model."""
    return {
        model._meta.label: list(model.objects.order_by("pk").values()) for model in all_models()
    }


def row_counts():
    return {model._meta.label: model.objects.count() for model in all_models()}


def stamps():
    """updated_at of every top-level record, keyed by (section, slug)."""
    return {
        (section, slug): updated_at
        for section, model in SECTION_MODELS.items()
        for slug, updated_at in model.objects.values_list("slug", "updated_at")
    }


def owned_by(row, instance):
    """Whether a snapshot row is ``instance`` itself or one of its citations."""
    if row.get("object_id") is not None and "claim" in row:
        return row["object_id"] == instance.pk and row["content_type_id"] == (
            ContentType.objects.get_for_model(instance).pk
        )
    return row["id"] == instance.pk


def words(text):
    """Lowercased words without punctuation; apostrophes (' and U+2019) are dropped, so the
    essay's "Putin\u2019s" and the seed's "Putin's" are the same one word."""
    return re.findall(r"\w+", re.sub("['\u2019]", "", text.lower()))


def mask_names(tokens, names):
    """Replace each occurrence of a proper name (a token sequence) by one placeholder token."""
    result, index = [], 0
    ordered = sorted(names, key=len, reverse=True)
    while index < len(tokens):
        name = next((n for n in ordered if tuple(tokens[index : index + len(n)]) == n), None)
        if name is None:
            result.append(tokens[index])
            index += 1
        else:
            result.append("<name>")
            index += len(name)
    return result


def runs(tokens, length=COPY_RUN):
    return {tuple(tokens[i : i + length]) for i in range(len(tokens) - length + 1)}


def numbers(text):
    """Numbers of three or more digits, thousands separators removed ("25,000" -> "25000")."""
    return set(re.findall(r"\d{3,}", re.sub(r"(?<=\d)[,\u00a0\u202f](?=\d{3}\b)", "", text)))


@pytest.fixture
def essay_paragraphs():
    """The essay's non-empty paragraphs; index 0 is the author line, as in the locators."""
    if not ESSAY.exists():
        pytest.skip(f"the essay the seed cites is not available at {ESSAY}")
    text = ESSAY.read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip()]


# Idempotence and updates in place ----------------------------------------------------------


def test_load_seed_twice_second_load_changes_nothing(seeded):
    before = snapshot()

    report = load_dataset(data=seed())

    assert report.created == {}
    assert report.updated == {}
    assert report.unchanged == SEED_SECTION_COUNTS
    assert report.lines() == [
        f"{section}: 0 created, 0 updated, {count} unchanged"
        for section, count in SEED_SECTION_COUNTS.items()
    ]
    assert snapshot() == before


EDITS = [
    pytest.param(
        "statistics",
        "georgia-arrivals-first-two-weeks-2022",
        "value",
        26000,
        Decimal("26000.00"),
        id="statistic-value",
    ),
    pytest.param(
        "policies",
        "armenia-it-company-registration",
        "conditions",
        "Local staff must be hired.",
        "Local staff must be hired.",
        id="policy-conditions",
    ),
    pytest.param(
        "exile_groups",
        "liberal-intelligentsia",
        "name",
        "Liberal intellectuals",
        "Liberal intellectuals",
        id="group-name",
    ),
]


@pytest.mark.parametrize(("section", "slug", "key", "new_value", "stored_value"), EDITS)
def test_load_dataset_with_one_edited_value_updates_only_that_record(
    seeded, section, slug, key, new_value, stored_value
):
    model = SECTION_MODELS[section]
    edited = model.objects.get(slug=slug)
    before = snapshot()
    data = seed()
    record(data, section, slug)[key] = new_value

    report = load_dataset(data=data)

    assert report.created == {}
    assert report.updated == {section: 1}
    assert report.unchanged == SEED_SECTION_COUNTS | {section: SEED_SECTION_COUNTS[section] - 1}
    stored = model.objects.get(slug=slug)
    assert getattr(stored, key) == stored_value
    assert stored.updated_at > edited.updated_at
    assert [(c.locator, c.claim) for c in stored.citations.order_by("pk")] == [
        (c["locator"], c["claim"]) for c in record(data, section, slug)["citations"]
    ]
    after = snapshot()
    # The history gains one change: this update, from the old value to the new.
    known = len(before.pop("resources.Change"))
    added = after.pop("resources.Change")[known:]
    assert [(c["object_id"], c["action"], c["channel"]) for c in added] == [
        (edited.pk, "updated", "import")
    ]
    assert list(added[0]["changes"]) == [key]
    # Only the edited row and its own citations (rewritten as a set) may differ.
    for label in (model._meta.label, Citation._meta.label):
        before[label] = [row for row in before[label] if not owned_by(row, edited)]
        after[label] = [row for row in after[label] if not owned_by(row, edited)]
    assert after == before


def test_load_dataset_with_edited_nested_value_updates_the_parent_only(seeded):
    before = stamps()
    data = seed()
    outlet = record(data, "media_outlets", "exiled-independent-journalists-channels")
    outlet["channels"][1]["audience_figures"][0]["value"] = 20000

    report = load_dataset(data=data)

    assert report.updated == {"media_outlets": 1}
    assert report.created == {}
    figure = AudienceFigure.objects.get(
        channel__media_outlet__slug="exiled-independent-journalists-channels",
        channel__platform="telegram",
    )
    assert figure.value == Decimal("20000.00")
    assert figure.citations.count() == 1
    after = stamps()
    key = ("media_outlets", "exiled-independent-journalists-channels")
    assert after.pop(key) > before.pop(key)
    assert after == before


REMOVALS = [
    pytest.param(
        "statistics",
        "armenia-daily-arrivals-first-two-weeks-2022",
        "qualifier",
        lambda s: s.qualifier,
        "exact",
        id="statistic-qualifier",
    ),
    pytest.param(
        "statistics",
        "georgia-arrivals-first-two-weeks-2022",
        "destination",
        lambda s: s.destination_id,
        None,
        id="statistic-destination",
    ),
    pytest.param(
        "statistics",
        "lenin-1922-list-of-undesirable-intellectuals",
        "is_historical",
        lambda s: s.is_historical,
        False,
        id="statistic-is-historical",
    ),
    pytest.param(
        "organizations",
        "alexei-navalny-organization",
        "status",
        lambda o: o.status,
        "unknown",
        id="organization-status",
    ),
    pytest.param(
        "organizations",
        "alexei-navalny-organization",
        "city",
        lambda o: o.city,
        "",
        id="organization-city",
    ),
    pytest.param(
        "organizations",
        "free-russia-forum",
        "notable_figures",
        lambda o: list(o.notable_figures.all()),
        [],
        id="organization-notable-figures",
    ),
    pytest.param(
        "media_outlets",
        "radio-liberty",
        "languages",
        lambda m: m.languages,
        [],
        id="outlet-languages",
    ),
    pytest.param(
        "policies",
        "lithuania-welcomes-refugees-from-belarus-and-russia",
        "nationalities",
        lambda p: list(p.nationalities.all()),
        [],
        id="policy-nationalities",
    ),
    pytest.param(
        "policies",
        "us-easier-move-for-russian-it-workers-2022",
        "announced_on",
        lambda p: p.announced_on,
        None,
        id="policy-announced-on",
    ),
]


@pytest.mark.parametrize(("section", "slug", "key", "read", "default"), REMOVALS)
def test_load_dataset_with_key_removed_resets_field_to_model_default(
    seeded, section, slug, key, read, default
):
    model = SECTION_MODELS[section]
    assert read(model.objects.get(slug=slug)) != default  # the seed sets it
    before = stamps()
    data = seed()
    del record(data, section, slug)[key]

    report = load_dataset(data=data)

    assert report.updated == {section: 1}
    assert report.created == {}
    assert read(model.objects.get(slug=slug)) == default
    after = stamps()
    assert after.pop((section, slug)) > before.pop((section, slug))
    assert after == before


# Citations --------------------------------------------------------------------------------


def test_load_seed_every_record_and_nested_record_has_a_citation(seeded):
    uncited = [
        f"{model._meta.model_name} {pk}"
        for model in CITED_MODELS
        for pk in model.objects.filter(citations__isnull=True).values_list("pk", flat=True)
    ]

    assert uncited == []
    assert all(model.objects.exists() for model in CITED_MODELS)


def test_load_seed_every_citation_locator_is_an_essay_paragraph(seeded):
    locators = list(Citation.objects.values_list("locator", flat=True))

    assert locators
    bad = [
        locator
        for locator in locators
        if not LOCATOR.match(locator)
        or not 1 <= int(LOCATOR.match(locator).group(1)) <= ESSAY_PARAGRAPHS
    ]
    assert bad == []


def test_load_seed_only_source_is_the_essay_without_url_or_publisher(seeded):
    sources = list(
        Source.objects.values(
            "slug", "title", "authors", "publisher", "published_on", "year", "web_url", "kind"
        )
    )

    assert sources == [
        {
            "slug": ESSAY_SLUG,
            "title": "Essay on the 2022 Russian exodus",
            "authors": "Andrei Soldatov; Irina Borogan",
            "publisher": "",
            "published_on": None,
            "year": 2022,
            "web_url": "",
            "kind": "essay",
        }
    ]
    assert set(Citation.objects.values_list("source__slug", flat=True)) == {ESSAY_SLUG}


# The data against its source ---------------------------------------------------------------


def test_seed_cited_paragraphs_exist_and_hold_every_number_of_the_claim(essay_paragraphs):
    assert len(essay_paragraphs) == ESSAY_PARAGRAPHS + 1  # the author line is para 0
    problems = []
    for location, citations in citation_lists(seed()):
        for index, citation in enumerate(citations):
            where = f"{location}.citations[{index}]"
            match = LOCATOR.match(citation["locator"])
            if not match or not 1 <= int(match.group(1)) < len(essay_paragraphs):
                problems.append((where, f"no such paragraph: {citation['locator']!r}"))
                continue
            paragraph = numbers(essay_paragraphs[int(match.group(1))])
            missing = sorted(numbers(citation["claim"]) - paragraph)
            if missing:
                problems.append((where, f"{citation['locator']} lacks {missing}"))

    assert problems == []


def test_seed_free_texts_share_no_eight_word_run_with_the_essay(essay_paragraphs):
    data = seed()
    essay_words = words("\n".join(essay_paragraphs))
    # The essay's proper names (a ten-word committee name among them) cannot be reworded:
    # each counts as one word, in the essay and in the seed alike.
    names = {
        tuple(words(item["name"]))
        for section in ("organizations", "media_outlets")
        for item in data[section]
    }
    names = {name for name in names if len(name) > 1 and name in runs(essay_words, len(name))}
    essay_runs = runs(mask_names(essay_words, names))

    copied = [
        (location, " ".join(run))
        for location, text in free_texts(data)
        for run in sorted(runs(mask_names(words(text), names)) & essay_runs)
    ]

    assert copied == []


# The essay's headline facts ------------------------------------------------------------------


def test_load_seed_holds_georgia_arrivals_in_first_two_weeks(seeded):
    statistic = Statistic.objects.get(
        origin="RU",
        destination="GE",
        metric="arrivals",
        period_start=date(2022, 2, 24),
        period_end=date(2022, 3, 10),
    )

    assert statistic.value == 25000
    assert statistic.qualifier == "exact"
    assert (statistic.unit, statistic.measure) == ("people", "flow")
    assert statistic.is_historical is False


def test_load_seed_holds_armenia_daily_arrivals_of_about_six_thousand(seeded):
    statistic = Statistic.objects.get(origin="RU", destination="AM", metric="daily_arrivals")

    assert statistic.value == 6000
    assert statistic.qualifier == "about"
    assert (statistic.unit, statistic.measure) == ("people_per_day", "rate")


def test_load_seed_holds_kazakhstan_cumulative_arrivals_by_end_of_march(seeded):
    statistic = Statistic.objects.get(origin="RU", destination="KZ", metric="arrivals")

    assert statistic.value == 60000
    assert statistic.qualifier == "exact"
    assert statistic.measure == "cumulative"
    assert (statistic.period_start, statistic.period_end) == (date(2022, 2, 24), date(2022, 3, 31))


def test_load_seed_holds_at_least_100000_it_specialists_departed(seeded):
    statistic = Statistic.objects.get(exile_group__slug="it-specialists", metric="departures")

    assert statistic.value == 100000
    assert statistic.qualifier == "at_least"
    assert statistic.destination is None
    assert statistic.period_start == date(2022, 2, 24)


def test_load_seed_holds_1922_expulsions_of_more_than_160_to_germany(seeded):
    statistic = Statistic.objects.get(
        is_historical=True, destination="DE", period_start=date(1922, 1, 1)
    )

    assert statistic.metric == "expulsions"
    assert statistic.value == 160
    assert statistic.qualifier == "more_than"
    assert statistic.period_end == date(1922, 12, 31)


def test_load_seed_holds_armenian_company_and_banking_help_for_it_specialists(seeded):
    policies = HostPolicy.objects.filter(country="AM").prefetch_related("exile_groups")

    assert sorted(policy.topic for policy in policies) == ["banking", "company_registration"]
    for policy in policies:
        assert policy.stance == "supportive"
        assert policy.status == "in_force"
        assert [group.slug for group in policy.exile_groups.all()] == ["it-specialists"]
    # The essay ties the duty to hire local staff to company registration only.
    registration = policies.get(topic="company_registration")
    assert "local" in registration.conditions.lower()
    assert policies.get(topic="banking").conditions == ""


def test_load_seed_holds_us_it_workers_policy_announced_on_may_3(seeded):
    policy = HostPolicy.objects.get(country="US", announced_on=date(2022, 5, 3))

    assert policy.status == "announced"
    assert policy.is_historical is False
    assert [group.slug for group in policy.exile_groups.all()] == ["it-specialists"]
    assert [country.code for country in policy.nationalities.all()] == ["RU"]


def test_load_seed_holds_lithuania_welcoming_refugees_from_belarus_and_russia(seeded):
    policy = HostPolicy.objects.get(country="LT", stance="welcoming", topic="asylum_and_refugees")

    assert sorted(policy.nationalities.values_list("code", flat=True)) == ["BY", "RU"]
    assert policy.is_historical is False


# Invalid datasets: all or nothing, with the place of the fault --------------------------------


def test_load_dataset_with_invalid_record_after_seed_leaves_every_row_as_it_was(seeded):
    before = snapshot()
    data = seed()
    data["exile_groups"][0]["name"] = "Programmers"  # valid, and earlier than the fault
    data["statistics"][0]["value"] = 1
    data["policies"][-1]["stance"] = "indifferent"

    with pytest.raises(DatasetError) as raised:
        load_dataset(data=data)

    assert [location for location, _ in raised.value.errors] == [
        "policies[13] (west-germany-no-role-in-munich-exile-institutions).stance"
    ]
    assert snapshot() == before
