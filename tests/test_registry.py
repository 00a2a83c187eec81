"""The resource registry is complete: every resource has all it needs, and every per-type
table of the code is derived from it (a new resource joins it, and only it)."""

import pytest
from django.apps import apps
from django.contrib.contenttypes.fields import GenericRelation
from django.urls import reverse

from resources import registry
from resources.api.urls import VIEWSETS
from resources.editorial import snapshots
from resources.models.base import CuratedModel

SPEC_IDS = [spec.type_name for spec in registry.RESOURCES]


def resources_models():
    return list(apps.get_app_config("resources").get_models())


def test_every_curated_model_has_a_complete_spec():
    curated = {model for model in resources_models() if issubclass(model, CuratedModel)}

    assert {spec.model for spec in registry.CURATED} == curated
    for spec in registry.CURATED:
        assert spec.dataset_section, spec
        assert spec.model in snapshots.SERIALIZERS, spec
    orders = sorted(spec.load_order for spec in registry.CURATED)
    assert orders == list(range(len(registry.CURATED)))


@pytest.mark.parametrize("spec", registry.RESOURCES, ids=SPEC_IDS)
def test_each_spec_names_fields_and_routes_that_exist(spec):
    fields = {field.name for field in spec.model._meta.get_fields()}
    search = spec.search
    assert {spec.lookup if spec.lookup != "pk" else "id", search.label, search.snippet} <= fields
    assert set(search.fuzzy) <= fields
    assert reverse(f"{spec.basename}-list") == f"/api/v1/{spec.prefix}/"


def test_every_spec_has_one_viewset_and_every_viewset_a_spec():
    assert sorted(viewset.queryset.model.__name__ for viewset in VIEWSETS) == sorted(
        spec.model.__name__ for spec in registry.RESOURCES
    )


def test_every_model_that_cites_sources_is_a_citable_resource_or_nested_in_one():
    citing = {
        model
        for model in resources_models()
        if any(isinstance(field, GenericRelation) for field in model._meta.get_fields())
    }
    cited_resources = {spec.model for spec in registry.RESOURCES if spec.cited_by_order is not None}

    assert citing == cited_resources | set(registry.NESTED_SPECS)
    assert len(registry.CITING_TYPES) == len(cited_resources)
    for nested in registry.NESTED:
        assert len(nested.owners) == len(nested.owner_models)
        assert set(nested.owner_models) <= cited_resources


def test_type_names_prefixes_and_basenames_are_unique():
    for attribute in ("type_name", "prefix", "basename"):
        values = [getattr(spec, attribute) for spec in registry.RESOURCES]
        assert len(values) == len(set(values)), attribute


@pytest.mark.parametrize("viewset", VIEWSETS, ids=lambda viewset: viewset.__name__)
def test_each_viewset_reads_its_specs_records(viewset):
    """The API, the snapshots and the dataset export read a resource the same way."""
    spec = registry.SPECS[viewset.queryset.model]

    assert str(viewset.queryset.query) == str(spec.records().query)
    assert viewset.queryset._prefetch_related_lookups == spec.records()._prefetch_related_lookups
