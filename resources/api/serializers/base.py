"""What every resource's serializer is made of.

A resource's serializer shows its full form; its ``brief_fields`` are the brief form, used
to nest the record in others and given by ``?brief=true`` (NetBox's convention: one
serializer per resource, not a second class). ``brief``, ``fields`` and ``omit`` narrow a
representation and are passed to the serializer by the view.

Related records are read as brief objects and written by their natural key (``"GE"``,
``"it-specialists"``). Nested lists (citations, channels, locations, notable figures) are
written as a whole: sending one replaces the record's set, leaving it out keeps it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models, transaction
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.validators import UniqueValidator

from ...models import Citation, Country, ExileGroup, Location, Source
from ...models.base import WORKFLOW_FIELDS, CuratedModel
from ...reported import reported_as_of
from ...visibility import reads_drafts, visible
from ..errors import as_field_errors
from ..routes import detail_url

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.utils.model_meta import FieldInfo

    # What StrictInputMixin is mixed into, as the type checker sees it (at run time, object).
    _InputSerializer = serializers.Serializer[Any]
else:
    _InputSerializer = object

T = TypeVar("T")

TIMESTAMPS = ("created_at", "updated_at")
SLUG_TAKEN = "This slug is taken; choose another."

# The serializer of each resource's model: the one that declares ``brief_fields``.
RESOURCE_SERIALIZERS: dict[type[models.Model], type[RecordSerializer]] = {}


def serializer_for(model: type[models.Model]) -> type[RecordSerializer]:
    """The resource serializer of ``model`` (its full form; ``brief=True`` for the brief)."""
    return RESOURCE_SERIALIZERS[model]


class SelfLinkField(serializers.HyperlinkedIdentityField):
    """The record's own API URL, with the lookup its route uses."""

    def get_url(
        self, obj: models.Model, view_name: str, request: Request, format: str | None
    ) -> str | None:
        return detail_url(obj, request)

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "API URL of this record.")
        super().__init__(view_name="self", **kwargs)


class FigureField(serializers.DecimalField):
    """A reported figure as a JSON number: 25000 rather than 25000.0, 15.5 stays 15.5."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["coerce_to_string"] = False
        super().__init__(**kwargs)

    # The stubs fix a DecimalField's representation as a string; this one is a JSON number.
    def to_representation(self, value: Decimal) -> int | float:  # type: ignore[override]
        # A Decimal: coerce_to_string is off (the stubs assume it is on).
        number = cast(Decimal, super().to_representation(value))
        return int(number) if number == number.to_integral_value() else float(number)


class LocalizedModelSerializer(serializers.ModelSerializer):
    """Shows a record's Russian texts in place of the English ones when the context's
    ``language`` is Russian (the view resolves it once per request from ``?lang=`` or
    Accept-Language) and the record has them; English otherwise."""

    TRANSLATED = ("name", "title", "description", "summary")

    def build_field(
        self, field_name: str, info: FieldInfo, model_class: type[models.Model], nested_depth: int
    ) -> tuple[type[serializers.Field[Any, Any, Any, Any]], dict[str, Any]]:
        field_class, kwargs = super().build_field(field_name, info, model_class, nested_depth)
        if field_name == "id":
            kwargs.setdefault("help_text", "Database id of the record.")
        return field_class, kwargs

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = super().to_representation(instance)
        if self.context.get("language") == "ru":
            for field in self.TRANSLATED:
                russian = getattr(instance, f"{field}_ru", "")
                if field in data and russian:
                    data[field] = russian
        return data


class RecordSerializer(LocalizedModelSerializer):
    """A resource's serializer: its full form, its brief form (``brief_fields``), and the
    narrowing a reader asks for.

    ``brief=True`` gives the brief form; ``fields`` keeps only the fields named and ``omit``
    leaves those named out. They name fields of the full form; one the brief form lacks is
    simply not there. A field the reader may not see (``hidden_fields``) is a 403 when asked
    for; any other unknown name is a 400.

    Declaring ``brief_fields`` makes a serializer its model's resource serializer
    (``serializer_for``): the one nested records and ``brief=true`` use.
    """

    brief_fields: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "brief_fields" in cls.__dict__:
            model = cls.Meta.model
            assert model not in RESOURCE_SERIALIZERS, f"two serializers for {model.__name__}"
            RESOURCE_SERIALIZERS[model] = cls

    def __init__(
        self,
        *args: Any,
        brief: bool = False,
        fields: Sequence[str] = (),
        omit: Sequence[str] = (),
        **kwargs: Any,
    ) -> None:
        self.brief = brief
        self.kept, self.omitted = tuple(fields), tuple(omit)
        super().__init__(*args, **kwargs)
        if self.kept or self.omitted:
            # Checked now, not when the first record is shown: an empty page gets its 400 too.
            self.fields  # noqa: B018

    def to_representation(self, instance: Any) -> dict[str, Any]:
        # A brief form PostgreSQL built already (resources.api.sql_json.briefs_by_key) is
        # shown as it is.
        if self.brief and isinstance(instance, dict):
            return instance
        return super().to_representation(instance)

    def hidden_fields(self) -> frozenset[str]:
        """Fields of the full form this reader may not see."""
        return frozenset()

    def get_field_names(
        self, declared_fields: Mapping[str, serializers.Field[Any, Any, Any, Any]], info: FieldInfo
    ) -> list[str]:
        hidden = self.hidden_fields()
        names = [
            name for name in super().get_field_names(declared_fields, info) if name not in hidden
        ]
        if self.kept or self.omitted:
            self.check_field_names(available=names)
        if self.brief:
            names = [name for name in self.brief_fields if name in names]
        return [
            name
            for name in names
            if (not self.kept or name in self.kept) and name not in self.omitted
        ]

    def check_field_names(self, *, available: Iterable[str]) -> None:
        available = list(available)
        hidden = self.hidden_fields()
        refused = sorted({name for name in self.kept if name in hidden})
        if refused:
            raise PermissionDenied(
                f"{', '.join(refused)}: shown only to readers of drafts (editors, reviewers, "
                "and API keys with the read-drafts scope)."
            )
        unknown = [
            name
            for name in (*self.kept, *self.omitted)
            if name not in available and name not in hidden
        ]
        if unknown:
            param = "fields" if set(unknown) & set(self.kept) else "omit"
            raise serializers.ValidationError(
                {
                    param: [
                        f"Unknown field(s) {', '.join(unknown)}; choose from "
                        f"{', '.join(available)}."
                    ]
                }
            )


class KeyRelatedField(serializers.SlugRelatedField[Any]):
    """A relation read as the related record's brief form and written by its natural key."""

    # Every one is given a queryset (DRF also allows a manager, or none when read-only).
    queryset: models.QuerySet[Any]

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            self.fail("invalid")
        if self.slug_field == "code":
            data = data.upper()
        return super().to_internal_value(data)

    def get_queryset(self) -> models.QuerySet[Any] | None:
        # Only what the client may read: a draft named by a client who may not see it is
        # "no such record", and never echoed back with its title.
        queryset = super().get_queryset()
        if queryset is not None and issubclass(queryset.model, CuratedModel):
            queryset = visible(queryset, self.context.get("request"))
        return queryset

    def use_pk_only_optimization(self) -> bool:
        return False

    # The stubs fix a SlugRelatedField's representation as the slug; this one is the brief
    # object.
    def to_representation(self, obj: models.Model) -> dict[str, Any]:  # type: ignore[override]
        return self.brief.to_representation(obj)

    def brief_serializer(self) -> RecordSerializer:
        """The related resource's serializer, in its brief form."""
        return serializer_for(self.queryset.model)(brief=True, context=self.context)

    @functools.cached_property
    def brief(self) -> RecordSerializer:
        """One brief serializer for every related record this field shows: building a
        serializer's fields costs far more than using them."""
        return self.brief_serializer()


def country_field(**kwargs: Any) -> KeyRelatedField:
    return KeyRelatedField(slug_field="code", queryset=Country.objects.all(), **kwargs)


def exile_groups_field(**kwargs: Any) -> KeyRelatedField:
    return KeyRelatedField(
        slug_field="slug",
        queryset=ExileGroup.objects.all(),
        many=True,
        required=False,
        **kwargs,
    )


# Writing with model validation and nested lists ------------------------------------------


class StrictInputMixin(_InputSerializer):
    """Input taken as the client meant it, or a 400 naming the field:

    - a field the serializer does not know is refused: a misspelt field would otherwise be
      dropped without a word, and the write would succeed without what the client meant;
    - an item of a nested list is complete, even in a PATCH of its record (which makes DRF
      skip required fields): the list replaces the record's whole set;
    - text is a JSON string: DRF's CharField would take ``0`` or ``true`` as "0" and "True",
      which the OpenAPI description (``type: string``) does not allow.
    """

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                unknown_field = serializers.ErrorDetail("Unknown field.", "unknown_field")
                raise serializers.ValidationError({name: [unknown_field] for name in unknown})
            not_text = [
                name
                for name, field in self.fields.items()
                if isinstance(field, serializers.CharField)
                and not field.read_only
                and data.get(name) is not None
                and not isinstance(data[name], str)
            ]
            if not_text:
                raise serializers.ValidationError(
                    {
                        name: [serializers.ErrorDetail("Not a string.", "invalid")]
                        for name in not_text
                    }
                )
            if isinstance(self.parent, serializers.ListSerializer):
                missing = [
                    name
                    for name, field in self.fields.items()
                    if field.required and not field.read_only and name not in data
                ]
                if missing:
                    required = serializers.ErrorDetail("This field is required.", "required")
                    raise serializers.ValidationError({name: [required] for name in missing})
        return super().to_internal_value(data)


class ValidatedModelSerializer(StrictInputMixin, LocalizedModelSerializer):
    """Runs the model's own validation (``full_clean``) so that the API and the admin agree.

    Subclasses list their nested, writable lists in ``Meta.nested``: each is replaced as a
    whole when sent, inside the same transaction as the record itself.
    """

    serializer_field_mapping = LocalizedModelSerializer.serializer_field_mapping | {
        models.DecimalField: FigureField
    }

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        model: type[models.Model] = self.Meta.model
        own_fields = {f.name for f in model._meta.concrete_fields}
        values = {name: value for name, value in attrs.items() if name in own_fields}
        if self.instance is not None:
            candidate = model(
                **{
                    f.attname: getattr(self.instance, f.attname)
                    for f in model._meta.concrete_fields
                }
            )
            for name, value in values.items():
                setattr(candidate, name, value)
        else:
            candidate = model(**values)
        writable = {name for name, field in self.fields.items() if not field.read_only}
        exclude = [f.name for f in model._meta.concrete_fields if f.name not in writable]
        try:
            candidate.full_clean(exclude=exclude, validate_unique=False)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(as_field_errors(exc)) from exc
        return attrs

    def nested_names(self) -> list[str]:
        return [name for name in getattr(self.Meta, "nested", ()) if name in self.fields]

    def create(self, validated_data: dict[str, Any]) -> Any:
        nested = {n: validated_data.pop(n) for n in self.nested_names() if n in validated_data}
        with transaction.atomic():
            instance = super().create(validated_data)
            self.write_nested(instance, nested)
        return instance

    def update(self, instance: Any, validated_data: dict[str, Any]) -> Any:
        nested = {n: validated_data.pop(n) for n in self.nested_names() if n in validated_data}
        with transaction.atomic():
            instance = super().update(instance, validated_data)
            self.write_nested(instance, nested)
        return instance

    def write_nested(self, instance: models.Model, nested: dict[str, list[dict[str, Any]]]) -> None:
        for name, items in nested.items():
            manager = getattr(instance, name)
            manager.all().delete()
            # Meta.nested names lists of serializers (many=True): a ListSerializer's child.
            nested_list = cast("serializers.ListSerializer[Any]", self.fields[name])
            child = cast("serializers.BaseSerializer[Any]", nested_list.child)
            if name == "citations":
                manager.bulk_create([Citation(record=instance, **item) for item in items])
                continue
            parent_field = manager.field.name
            for item in items:
                child.create({**item, parent_field: instance})


class CuratedRecordSerializer(RecordSerializer):
    """A curated record: its workflow fields read-only, and its sensitive fields (contact
    details, internal notes) left out for clients who may not see them
    (``resources.visibility``). Without a request (the dataset, the history) they are kept;
    the OpenAPI schema documents them."""

    def hidden_fields(self) -> frozenset[str]:
        schema = getattr(self.context.get("view"), "swagger_fake_view", False)
        request = self.context.get("request")
        model: type[CuratedModel] = self.Meta.model
        if "request" in self.context and not schema and not reads_drafts(request, model):
            return frozenset(model.SENSITIVE_FIELDS)
        return frozenset()

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        fields = super().get_fields()
        for name in WORKFLOW_FIELDS:
            if name in fields:
                fields[name].read_only = True
        for validator in getattr(fields.get("slug"), "validators", []):
            if isinstance(validator, UniqueValidator):
                # Slugs are one namespace, drafts included: the same words whoever holds it,
                # so that the answer tells nothing of a draft the client may not see.
                validator.message = SLUG_TAKEN
        return fields


class CitationSerializer(StrictInputMixin, serializers.ModelSerializer):
    # A field named source, which the stubs take for Field.source (the attribute DRF reads a
    # field's value through): DRF's metaclass moves declared fields out of the class.
    source = KeyRelatedField(  # type: ignore[assignment]
        slug_field="slug",
        queryset=Source.objects.all(),
        help_text="The cited source; written as its slug.",
    )

    class Meta:
        model = Citation
        fields = ["source", "locator", "claim"]


def citations_field() -> serializers.BaseSerializer[Any]:
    # many=True: a ListSerializer, which takes min_length (the stubs declare it on
    # ListSerializer's __init__ only, not on the serializer's that passes it on).
    return CitationSerializer(  # type: ignore[call-arg]
        many=True,
        min_length=1,
        help_text="Sources backing this record: at least one, each with locator and claim.",
    )


def refuse_duplicates(items: list[T], key: Callable[[T], Hashable], what: str) -> list[T]:
    """A 400 on the list when two of its ``items`` share ``key``: the database would refuse
    the second one, and the client deserves to know which field is wrong."""
    seen: set[Hashable] = set()
    for item in items:
        if key(item) in seen:
            raise serializers.ValidationError(f"The same {what} appears twice.")
        seen.add(key(item))
    return items


@extend_schema_field(
    {
        "type": ["string", "null"],
        "pattern": r"^\d{4}(-\d{2}-\d{2})?$",
        "examples": ["2022", "2022-05-03"],
    }
)
class ReportedAsOfField(serializers.Field[Any, Any, Any, Any]):
    """When the record's sources last reported it (``resources.reported``)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, record: Any) -> str | None:
        return reported_as_of(citation.source for citation in record.citations.all())


class CitedSerializer(ValidatedModelSerializer):
    """A record that must cite at least one source."""

    citations = citations_field()
    # Listed in a curated record's fields: nested records show their citations only.
    reported_as_of = ReportedAsOfField(
        help_text=(
            "How old the facts are: the newest publication date of the sources this record "
            "cites (YYYY-MM-DD), or its year (YYYY) when only the year is known; null when "
            "no source is dated. Every fact is as of then, not of today."
        )
    )

    def validate_citations(self, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return refuse_duplicates(
            items, lambda c: (c["source"].pk, c["locator"], c["claim"]), "citation"
        )

    class Meta:
        nested: tuple[str, ...] = ("citations",)


class LocationSerializer(CitedSerializer):
    country = country_field(help_text="Country (code).")

    class Meta(CitedSerializer.Meta):
        model = Location
        fields = [
            "id",
            "country",
            "city",
            "start_date",
            "end_date",
            "start_year",
            "end_year",
            "notes",
            "citations",
        ]


def locations_field() -> serializers.BaseSerializer[Any]:
    return LocationSerializer(
        many=True, required=False, help_text="Where it was based over time; a list replaces them."
    )
