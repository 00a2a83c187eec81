"""Whole-dataset export and import (manage.py export_dataset / import_dataset).

The round trip is checked against the real database: the seed is exported, every table but the
countries is emptied, the file is imported, and both the second export and every row of every
table (ids, timestamps and search vectors aside) must equal what was there before. Imports are
checked to be idempotent and all-or-nothing, naming the location of the first errors.
"""

import json
import re
from collections import Counter
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.contenttypes.fields import GenericForeignKey
from django.core.management import CommandError, call_command
from django.db import models

from resources.dataset import SECTIONS, export_dataset, load_dataset, read_dataset
from resources.models import (
    ApiKey,
    Change,
    Citation,
    Country,
    ExileGroup,
    HostPolicy,
    MediaOutlet,
    Organization,
    PendingChange,
    PublicVersion,
    Source,
    Statistic,
    StatisticGroup,
)

# Deleting in this order respects every PROTECT: statistics protect groups, outlets protect
# organizations, citations protect sources; nested records and citations go with their owners.
WIPE_ORDER = [Statistic, HostPolicy, MediaOutlet, Organization, ExileGroup, Citation, Source]
IGNORED_COLUMNS = {"created_at", "updated_at"}
COUNTRY_KEYS = {"origin", "destination", "country", "nationalities"}
SLUG_KEYS = {
    "source": "sources",
    "exile_group": "exile_groups",
    "exile_groups": "exile_groups",
    "affiliated_organization": "organizations",
}
UNUSUAL_TEXT = 'tab\there, NEL\x85, DEL\x7f, C1\x91, LS\u2028, "quoted" \\ / — Эмиграция 🛂'


# Helpers ---------------------------------------------------------------------------------


def all_models():
    """Every data table of the app, the many-to-many link tables included; not the change
    history and its bookkeeping (an import writes its own), API keys, nor the summary's
    groups (derived by the database, naming records and sources by id)."""
    models_ = apps.get_app_config("resources").get_models(include_auto_created=True)
    not_data = (Change, PendingChange, PublicVersion, ApiKey, StatisticGroup)
    return [model for model in models_ if model not in not_data]


def row_counts():
    return {model._meta.label: model.objects.count() for model in all_models()}


def snapshot():
    """Every row of every table of the app, all columns, keyed by model."""
    return {
        model._meta.label: list(model.objects.order_by("pk").values()) for model in all_models()
    }


def natural_key(obj):
    """A record's identity without database ids: its slug, its code, or (for a nested record,
    which has neither) its own row, where the parent appears by its natural key."""
    if obj is None:
        return None
    if hasattr(obj, "slug"):
        return obj.slug
    if not isinstance(obj._meta.pk, models.AutoField):
        return obj.pk  # a country's code
    return row(obj)


def row(obj):
    """Every column of ``obj`` but ids, timestamps and generated ones, with each foreign key
    (generic ones included) replaced by the natural key of the record it points to."""
    generic = [f for f in obj._meta.private_fields if isinstance(f, GenericForeignKey)]
    hidden = {name for f in generic for name in (f.ct_field, f.fk_field)}
    values = []
    for column in obj._meta.concrete_fields:
        if (
            isinstance(column, (models.AutoField, models.GeneratedField))
            or column.name in IGNORED_COLUMNS | hidden
        ):
            continue
        if column.is_relation:
            value = natural_key(getattr(obj, column.name))
        else:
            value = column.value_from_object(obj)
        values.append((column.name, tuple(value) if isinstance(value, list) else value))
    values += [(f.name, natural_key(getattr(obj, f.name))) for f in generic]
    return tuple(values)


def table_rows():
    """Every table's rows as a multiset of id-free rows, keyed by model."""
    return {
        model._meta.label: Counter(row(obj) for obj in model.objects.all())
        for model in all_models()
    }


def wipe():
    """Empty every table of the app except the countries."""
    for model in WIPE_ORDER:
        model.objects.all().delete()


def export_to(path):
    """Run export_dataset --full (a backup) into ``path``; return the parsed file."""
    call_command("export_dataset", "--full", output=str(path))
    return json.loads(path.read_text(encoding="utf-8"))


def import_file(path):
    """Run import_dataset on ``path``; return the lines of its report."""
    output = StringIO()
    call_command("import_dataset", str(path), stdout=output)
    return output.getvalue().splitlines()


def write_json(path, data):
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def report(created=None, unchanged=None):
    """The import report expected when each section is wholly created or wholly unchanged."""
    created, unchanged = created or {}, unchanged or {}
    return [
        f"{section}: {created.get(section, 0)} created, 0 updated, "
        f"{unchanged.get(section, 0)} unchanged"
        for section in SECTIONS
    ]


def records_of(data):
    """Every top-level record of a dataset, all sections together."""
    return [item for items in data.values() for item in items]


def values_under(value, key):
    """Every value stored under ``key`` anywhere in a nested structure."""
    if isinstance(value, dict):
        for name, item in value.items():
            if name == key:
                yield item
            yield from values_under(item, key)
    elif isinstance(value, list):
        for item in value:
            yield from values_under(item, key)


def keys_of(value):
    """Every mapping key anywhere in a nested structure."""
    if isinstance(value, dict):
        for name, item in value.items():
            yield name
            yield from keys_of(item)
    elif isinstance(value, list):
        for item in value:
            yield from keys_of(item)


@pytest.fixture
def seed_counts():
    """How many records each section of the seed file holds."""
    data = read_dataset()
    return {section: len(data[section]) for section in SECTIONS}


@pytest.fixture
def published_counts():
    """How many records each section of the seed file holds that are published: all but the
    ones the file retracts, which the public export leaves out."""
    data = read_dataset()
    return {
        section: sum(item.get("publication_status") != "retracted" for item in data[section])
        for section in SECTIONS
    }


@pytest.fixture
def exported(seeded, tmp_path):
    """The seed's public export written to a file, then every table but the countries
    emptied."""
    path = tmp_path / "dataset.json"
    call_command("export_dataset", output=str(path))
    wipe()
    return path


# Export -----------------------------------------------------------------------------------


def test_export_dataset_after_seed_writes_every_writable_field_by_natural_key(seeded):
    data = export_dataset()

    statistic = next(
        item
        for item in data["statistics"]
        if item["slug"] == "georgia-arrivals-first-two-weeks-2022"
    )
    assert statistic == {
        "slug": "georgia-arrivals-first-two-weeks-2022",
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
        "citations": [
            {
                "source": "soldatov-borogan-2022-essay",
                "locator": "para 1",
                "claim": "Georgia received 25,000 Russians in the war's first two weeks.",
            }
        ],
    }


def test_export_dataset_after_seed_orders_records_by_slug_and_keys_sorted(seeded):
    data = export_dataset()

    assert list(data) == list(SECTIONS)
    for section, records in data.items():
        slugs = [item["slug"] for item in records]
        assert slugs == sorted(slugs), section
    for key in ("exile_groups", "nationalities"):
        for keys in values_under(records_of(data), key):
            assert keys == sorted(keys), key


def test_export_dataset_after_seed_uses_natural_keys_only(seeded, tmp_path):
    data = export_to(tmp_path / "dataset.json")

    records = records_of(data)
    keys = set(keys_of(records))
    assert not {key for key in keys if key == "id" or key.endswith("_id")}
    assert COUNTRY_KEYS | set(SLUG_KEYS) <= keys  # else the checks below would prove nothing
    for key in COUNTRY_KEYS:
        for value in values_under(records, key):
            codes = value if isinstance(value, list) else [value]
            assert all(code is None or re.fullmatch(r"[A-Z]{2}", code) for code in codes), key
    slugs = {section: {item["slug"] for item in data[section]} for section in SECTIONS}
    for key, section in SLUG_KEYS.items():
        for value in values_under(records, key):
            referenced = value if isinstance(value, list) else [value]
            assert set(referenced) - {None} <= slugs[section], key


def test_export_dataset_command_writes_utf8_json_of_export(seeded, tmp_path):
    path = tmp_path / "dataset.json"
    output = StringIO()

    call_command("export_dataset", output=str(path))
    call_command("export_dataset", stdout=output)

    expected = json.dumps(export_dataset(), ensure_ascii=False, indent=2) + "\n"
    assert path.read_text(encoding="utf-8") == expected
    assert output.getvalue() == expected
    assert "\\u" not in expected
    assert "IT-специалисты" in expected


# Round trip -------------------------------------------------------------------------------


def test_import_dataset_of_export_into_empty_database_reproduces_the_data(
    seeded, seed_counts, tmp_path
):
    first = tmp_path / "first.json"
    call_command("export_dataset", "--full", output=str(first))
    before = table_rows()
    wipe()
    assert {label: count for label, count in row_counts().items() if count} == {
        Country._meta.label: Country.objects.count()
    }

    lines = import_file(first)

    assert lines == report(created=seed_counts)
    second = tmp_path / "second.json"
    call_command("export_dataset", "--full", output=str(second))
    assert second.read_text(encoding="utf-8") == first.read_text(encoding="utf-8")
    assert table_rows() == before


def test_import_dataset_of_export_with_unusual_characters_keeps_texts_exactly(seeded, tmp_path):
    data = read_dataset()
    data["statistics"][0]["notes"] = UNUSUAL_TEXT
    load_dataset(data=data)
    path = tmp_path / "dataset.json"
    call_command("export_dataset", "--full", output=str(path))
    before = table_rows()
    wipe()

    import_file(path)

    assert Statistic.objects.get(slug=data["statistics"][0]["slug"]).notes == UNUSUAL_TEXT
    assert table_rows() == before


def test_import_dataset_same_file_twice_second_import_changes_nothing(exported, published_counts):
    assert import_file(exported) == report(created=published_counts)
    before = snapshot()

    lines = import_file(exported)

    assert lines == report(unchanged=published_counts)
    assert snapshot() == before


# Invalid files are refused whole ----------------------------------------------------------


def unknown_destination(data):
    item = data["statistics"][0]
    item["destination"] = "ZZ"
    return f"statistics[0] ({item['slug']}).destination", "Object with code=ZZ does not exist."


def unknown_field(data):
    item = data["organizations"][0]
    item["founded"] = 1990
    return f"organizations[0] ({item['slug']}).founded", "unknown field"


def unknown_nested_field(data):
    index, item = next(
        (i, outlet) for i, outlet in enumerate(data["media_outlets"]) if outlet["channels"]
    )
    item["channels"][0]["followers"] = 10
    return f"media_outlets[{index}] ({item['slug']}).channels[0].followers", "unknown field"


def unknown_group_in_last_policy(data):
    index = len(data["policies"]) - 1
    item = data["policies"][index]
    item["exile_groups"] = ["no-such-group"]
    return (
        f"policies[{index}] ({item['slug']}).exile_groups",
        "Object with slug=no-such-group does not exist.",
    )


INVALID = [
    pytest.param(unknown_destination, id="unknown-destination"),
    pytest.param(unknown_field, id="unknown-field"),
    pytest.param(unknown_nested_field, id="unknown-nested-field"),
    pytest.param(unknown_group_in_last_policy, id="last-record-after-valid-ones"),
]


@pytest.mark.parametrize("mutate", INVALID)
def test_import_dataset_with_invalid_record_raises_with_location_and_writes_nothing(
    exported, tmp_path, mutate
):
    data = json.loads(exported.read_text(encoding="utf-8"))
    location, message = mutate(data)
    path = write_json(tmp_path / "bad.json", data)
    before = row_counts()

    with pytest.raises(CommandError) as raised:
        import_file(path)

    assert str(raised.value) == f"invalid dataset:\n  {location}: {message}"
    assert row_counts() == before


def test_import_dataset_with_invalid_record_after_edits_leaves_every_row_as_it_was(
    seeded, tmp_path
):
    data = export_dataset()
    data["sources"].insert(0, {**data["sources"][0], "slug": "another-source"})
    data["exile_groups"][0]["name"] = "Programmers"
    data["statistics"][-1]["value"] = -1
    path = write_json(tmp_path / "bad.json", data)
    before = snapshot()

    with pytest.raises(CommandError) as raised:
        import_file(path)

    location = f"statistics[{len(data['statistics']) - 1}] ({data['statistics'][-1]['slug']})"
    assert str(raised.value) == (f"invalid dataset:\n  {location}.value: Must not be negative.")
    assert snapshot() == before
