"""Invariants hold in the database itself, whatever path a write takes."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from resources.models import Channel, Citation, Location, Organization, Statistic
from tests.factories import make_media_outlet, make_organization, make_statistic


def statistic(**fields):
    defaults = {
        "slug": "s",
        "destination_id": "GE",
        "metric": "arrivals",
        "value": 10,
        "unit": "people",
        "measure": "flow",
    }
    return Statistic(**(defaults | fields))


@pytest.mark.parametrize(
    ("fields", "constraint"),
    [
        ({"value": -1}, "resources_statistic_values_non_negative"),
        ({"value_low": -1, "value": 0}, "resources_statistic_values_non_negative"),
        ({"value_low": 11}, "resources_statistic_value_within_range"),
        ({"value_high": 9}, "resources_statistic_value_within_range"),
        (
            {"period_start": date(2022, 3, 1), "period_end": date(2022, 2, 1)},
            "resources_statistic_period_ordered",
        ),
    ],
)
def test_save_statistic_breaking_invariant_is_refused_by_the_database(db, fields, constraint):
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        statistic(**fields).save()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"value": -1}, "value"),
        ({"value_low": 11}, "value_low"),
        ({"value_high": 9}, "value_high"),
        ({"period_start": date(2022, 3, 1), "period_end": date(2022, 2, 1)}, "period_end"),
        ({"destination_id": "RU"}, "destination"),
    ],
)
def test_clean_statistic_breaking_invariant_names_the_field(db, fields, field):
    with pytest.raises(ValidationError) as error:
        statistic(**fields).full_clean()
    assert field in error.value.message_dict


def test_statistic_origin_defaults_to_russia(db):
    record = statistic()
    record.save()
    assert record.origin_id == "RU"


def test_location_needs_exactly_one_owner(source):
    organization = make_organization(source)
    outlet = make_media_outlet(source)
    for owners in ({}, {"organization": organization, "media_outlet": outlet}):
        with (
            pytest.raises(IntegrityError, match="resources_location_exactly_one_owner"),
            transaction.atomic(),
        ):
            Location.objects.create(country_id="LT", **owners)


def test_channel_blocked_since_needs_blocked_flag(source):
    outlet = make_media_outlet(source)
    with (
        pytest.raises(IntegrityError, match="resources_channel_blocked_since_needs_blocked"),
        transaction.atomic(),
    ):
        Channel.objects.create(
            media_outlet=outlet, platform="twitter", blocked_since=date(2022, 3, 4)
        )


def test_organization_dissolved_before_founded_is_refused(db):
    with (
        pytest.raises(IntegrityError, match="resources_organization_years_ordered"),
        transaction.atomic(),
    ):
        Organization.objects.create(
            slug="o", name="O", kind="ngo", founded_year=1939, dissolved_year=1920
        )


def test_country_code_must_be_upper_case_alpha2(db):
    from resources.models import Country

    with (
        pytest.raises(IntegrityError, match="resources_country_code_upper_alpha2"),
        transaction.atomic(),
    ):
        Country.objects.create(code="x1", alpha3="XXX", name="Nowhere")


def test_deleting_a_record_deletes_its_citations_not_its_source(source):
    record = make_statistic(source)
    record.delete()
    assert not Citation.objects.exists()
    source.refresh_from_db()


def test_citation_of_the_same_passage_twice_is_refused(source):
    record = make_statistic(source)
    with (
        pytest.raises(IntegrityError, match="resources_citation_unique_per_record"),
        transaction.atomic(),
    ):
        record.citations.create(source=source, locator="para 1", claim="A claim in our own words.")


def test_every_model_has_a_docstring_and_str(source):
    from django.apps import apps

    for model in apps.get_app_config("resources").get_models():
        assert model.__doc__, model
        assert not model.__doc__.startswith(model.__name__ + "("), model  # Django's default
        assert "__str__" in vars(model) or any(
            "__str__" in vars(base) for base in model.__mro__[1:-1] if base is not object
        ), model
