"""A curated record in its write shape: what the API accepts, with related records by natural
key (codes and slugs, never database ids) and nested lists in full.

The dataset export writes records in it, and the change history keeps one snapshot per change
in it, so that both read the same and an old version can be written back (a revert).
"""

from collections.abc import Callable, Mapping
from operator import attrgetter
from typing import Any

from django.db.models import Model, QuerySet
from rest_framework import serializers as drf_serializers

from ..api.serializers import serializer_for
from ..models.base import CuratedModel
from ..registry import CURATED

# A record in its write shape: JSON-like values by field name.
Snapshot = dict[str, Any]
WriteSerializer = type[drf_serializers.ModelSerializer[Any]]
ReadQuerySet = Callable[[], QuerySet[Any]]

# Each curated model's section in a dataset file, in loading order (resources.registry): a
# record may refer only to earlier sections (every curated spec has one: tests/test_registry.py).
# Its write shape is its resource serializer's writable fields.
SECTIONS: dict[str, tuple[type[Model], WriteSerializer, ReadQuerySet]] = {
    spec.dataset_section: (spec.model, serializer_for(spec.model), spec.records)
    for spec in CURATED
    if spec.dataset_section is not None
}
SERIALIZERS: dict[type[Model], WriteSerializer] = {
    model: serializer for model, serializer, _ in SECTIONS.values()
}
READ_QUERYSETS: dict[type[Model], ReadQuerySet] = {
    model: queryset for model, _, queryset in SECTIONS.values()
}

# The workflow's own fields, kept in snapshots beside the write shape.
SNAPSHOT_WORKFLOW_FIELDS = ("publication_status", "retraction_reason")


def writable_fields(
    serializer: drf_serializers.Serializer[Any],
) -> dict[str, drf_serializers.Field[Any, Any, Any, Any]]:
    return {name: f for name, f in serializer.fields.items() if not f.read_only}


def snapshot(record: CuratedModel) -> Snapshot:
    """``record`` (re-read with its relations) in its write shape, with its workflow status."""
    model = type(record)
    fresh = READ_QUERYSETS[model]().get(pk=record.pk)
    data = write_shape(SERIALIZERS[model](), fresh)
    return data | {name: getattr(fresh, name) for name in SNAPSHOT_WORKFLOW_FIELDS}


def write_shape(serializer: drf_serializers.Serializer[Any], instance: Model) -> Snapshot:
    """``instance`` as the serializer would accept it back: each writable field, by name."""
    return {
        name: _write_value(serializer_field, serializer_field.get_attribute(instance))
        for name, serializer_field in writable_fields(serializer).items()
    }


def _write_value(serializer_field: drf_serializers.Field[Any, Any, Any, Any], value: Any) -> Any:
    """One field's value as written: related records by key, nested lists in creation order."""
    if isinstance(serializer_field, drf_serializers.ListSerializer):
        child = serializer_field.child
        if not isinstance(child, drf_serializers.Serializer):
            raise TypeError(f"{serializer_field.field_name}: a nested list must hold records.")
        items = sorted(value.all(), key=attrgetter("pk"))  # creation order, from the prefetch
        return [write_shape(child, item) for item in items]
    if isinstance(serializer_field, drf_serializers.ManyRelatedField):
        relation = serializer_field.child_relation
        if not isinstance(relation, drf_serializers.SlugRelatedField):
            raise TypeError(f"{serializer_field.field_name}: related records go by key (slug).")
        key = attrgetter(relation.slug_field)
        return sorted(key(item) for item in value)
    if value is None:
        return None
    if isinstance(serializer_field, drf_serializers.SlugRelatedField):
        return getattr(value, serializer_field.slug_field)
    return serializer_field.to_representation(value)


def cited_source_keys(data: Mapping[str, Any]) -> set[str]:
    """The slugs of every source cited anywhere in a write-shape ``data`` (nested lists too)."""
    keys: set[str] = set()
    for name, value in data.items():
        if not isinstance(value, list):
            continue
        for item in value:
            if isinstance(item, dict):
                if name == "citations":
                    keys.add(item["source"])
                keys |= cited_source_keys(item)
    return keys
