"""Each resource has one serializer: its full form, and its brief form from ``brief_fields``
(NetBox's convention), both narrowed by ``fields``/``omit`` passed to it."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from resources import registry
from resources.api.serializers import serializer_for
from resources.models import Statistic

SPEC_IDS = [spec.type_name for spec in registry.RESOURCES]


@pytest.mark.parametrize("spec", registry.RESOURCES, ids=SPEC_IDS)
def test_each_resource_has_one_serializer_with_a_brief_form(spec):
    serializer_class = serializer_for(spec.model)
    full = serializer_class()
    brief = serializer_class(brief=True)

    assert serializer_class.Meta.model is spec.model
    assert "url" in serializer_class.brief_fields
    assert list(brief.fields) == list(serializer_class.brief_fields)
    assert set(brief.fields) < set(full.fields)


def test_fields_and_omit_narrow_the_brief_form_passed_to_the_serializer():
    serializer_class = serializer_for(Statistic)
    narrowed = serializer_class(brief=True, fields=["slug", "value", "notes"], omit=["value"])

    # notes is a field of the full form, not of the brief one: simply not there.
    assert list(narrowed.fields) == ["slug"]


@pytest.mark.django_db
def test_unknown_field_on_an_empty_page_is_refused(api_client):
    response = api_client.get(
        reverse("statistic-list"), {"metric": "arrivals", "q": "nothingmatchesthis", "fields": "x"}
    )

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert [error["field"] for error in response.json()["errors"]] == ["fields"]
