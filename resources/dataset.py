"""Loading a whole dataset (the seed file) into the database, all-or-nothing and idempotent,
and exporting the database as such a dataset.

Records are keyed by their slugs, written in the API's write shape
(``resources.editorial.snapshots``) and validated by the API's own serializers, so a file can never
hold what the API would refuse. A record whose stored state already matches the file is left
untouched, so loading twice changes nothing. Every record created or changed gets its entry in the
change history.

Two exports: the public one (the default) holds the published records only, without sensitive
fields or workflow status; the full one (``full=True``, a backup) holds every record with its
``publication_status`` and ``retraction_reason`` and its sensitive fields, so that loading it
into an empty database reproduces the data.
"""

import json
from dataclasses import dataclass, field
from datetime import datetime
from operator import attrgetter
from pathlib import Path

import yaml
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework import serializers as drf_serializers

from .choices import ChangeAction, ChangeChannel, PublicationStatus
from .editorial import services
from .editorial.snapshots import SECTIONS as CURATED_SECTIONS
from .editorial.snapshots import writable_fields, write_shape
from .models.base import PUBLIC_STATUSES, WORKFLOW_FIELDS

SEED_FILE = Path(__file__).resolve().parent / "data" / "seed.yaml"

# Top-level lists of a dataset, in loading order (a record may refer only to earlier ones).
SECTIONS = {section: serializer for section, (_, serializer, _) in CURATED_SECTIONS.items()}
NATURAL_KEY = "slug"


class DatasetError(Exception):
    """The dataset is invalid; ``errors`` lists (location, message) pairs, first ones first."""

    def __init__(self, errors):
        self.errors = errors
        lines = [f"{location}: {message}" for location, message in errors[:20]]
        super().__init__("invalid dataset:\n  " + "\n  ".join(lines))


@dataclass(frozen=True)
class LoadContext:
    """What every record of one load shares: the status new records get (unless the file
    gives one) and who or what loads them, for the change history."""

    status: str = PublicationStatus.DRAFT
    channel: str = ChangeChannel.IMPORT
    user: object = None
    reason: str = ""


@dataclass
class LoadReport:
    """How many records of each section were created, updated or already up to date."""

    context: LoadContext = LoadContext()
    created: dict = field(default_factory=dict)
    updated: dict = field(default_factory=dict)
    unchanged: dict = field(default_factory=dict)

    def count(self, outcome, section):
        tally = getattr(self, outcome)
        tally[section] = tally.get(section, 0) + 1

    def lines(self):
        return [
            f"{section}: {self.created.get(section, 0)} created, "
            f"{self.updated.get(section, 0)} updated, {self.unchanged.get(section, 0)} unchanged"
            for section in SECTIONS
        ]


def read_dataset(path=SEED_FILE):
    """Parse a dataset file: JSON if its name ends in ``.json``, YAML otherwise.

    JSON is not read as YAML, though YAML reads most of it: YAML turns a raw U+0085 into a
    space and refuses DEL and the C1 controls, all of which JSON writes unescaped.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise DatasetError([(str(path), exc.strerror or str(exc))]) from exc
    except UnicodeDecodeError as exc:
        raise DatasetError([(str(path), f"not UTF-8 text (byte {exc.start})")]) from exc
    parse = _parse_json if Path(path).suffix.lower() == ".json" else _parse_yaml
    data = parse(text, path)
    if not isinstance(data, dict):
        raise DatasetError([(str(path), "expected a mapping of sections")])
    return data


def _parse_json(text, path):
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"{path}, line {exc.lineno}, column {exc.colno}"
        raise DatasetError([(where, f"not valid JSON: {exc.msg}")]) from exc


def _parse_yaml(text, path):
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}, line {mark.line + 1}" if mark else str(path)
        raise DatasetError([(where, f"not valid YAML: {getattr(exc, 'problem', exc)}")]) from exc


def load_dataset(*, data, context=LoadContext()):
    """Create or update every record of ``data``; all of it or, on any error, none of it."""
    unknown = sorted(set(data) - set(SECTIONS))
    if unknown:
        raise DatasetError([(name, "unknown section") for name in unknown])
    report = LoadReport(context=context)
    with transaction.atomic():
        for section, serializer_class in SECTIONS.items():
            records = data.get(section) or []
            errors = []
            keys = [record.get(NATURAL_KEY) for record in records if isinstance(record, dict)]
            duplicates = sorted({key for key in keys if keys.count(key) > 1})
            errors += [(section, f"{NATURAL_KEY} '{key}' appears twice") for key in duplicates]
            for index, record in enumerate(records):
                location = f"{section}[{index}]"
                errors += _load_record(serializer_class, record, location, section, report)
                if len(errors) >= 20:
                    break
            if errors:
                raise DatasetError(errors)
    return report


def _load_record(serializer_class, record, location, section, report):
    if not isinstance(record, dict) or not record.get(NATURAL_KEY):
        return [(location, f"a record needs a '{NATURAL_KEY}'")]
    location = f"{location} ({record[NATURAL_KEY]})"
    record = dict(record)
    workflow, errors = _read_workflow(record, location)
    model = serializer_class.Meta.model
    instance = model.objects.filter(**{NATURAL_KEY: record[NATURAL_KEY]}).first()
    serializer = serializer_class(instance, data=record)
    errors += _unknown_keys(serializer, record, location)
    if errors:
        return errors
    if not serializer.is_valid():
        return list(_flatten(serializer.errors, location))
    complete = _with_defaults(serializer, serializer.validated_data)
    if instance is None:
        workflow.setdefault("publication_status", report.context.status)
    elif instance.is_public and workflow.get("publication_status") not in (None, *PUBLIC_STATUSES):
        # What was public stays public: a mirror must learn of its withdrawal (a retraction).
        return [(f"{location}.publication_status", "a public record cannot go back; retract it")]
    elif (
        instance.publication_status == PublicationStatus.RETRACTED
        and workflow.get("publication_status", PublicationStatus.RETRACTED)
        != PublicationStatus.RETRACTED
    ):
        return [(f"{location}.publication_status", "a retracted record stays retracted")]
    changed = instance is None or (
        would_change(serializer, instance, complete) or _workflow_differs(instance, workflow)
    )
    if not changed:
        report.count("unchanged", section)
        return []
    if instance is not None and instance.publication_status == PublicationStatus.RETRACTED:
        return [(location, "a retracted record cannot be edited")]

    def write():
        # A new record is created as validated; an existing one gets every field the file
        # leaves out reset to its default.
        saved = serializer.update(instance, complete) if instance else serializer.save()
        _set_workflow(saved, workflow)
        return saved

    try:
        services.save(
            write=write,
            action=ChangeAction.CREATED if instance is None else ChangeAction.UPDATED,
            user=report.context.user,
            channel=report.context.channel,
            reason=report.context.reason,
            # An import restores each record's workflow status as the file gives it (a full
            # export's drafts stay drafts), and never refused a public record's references.
            check_references=False,
        )
    except IntegrityError as exc:
        return [(location, f"violates a data constraint: {exc.__cause__ or exc}".strip())]
    report.count("created" if instance is None else "updated", section)
    return []


def _read_workflow(record, location):
    """Take the workflow keys (a full export's) out of ``record``: (their values, errors)."""
    workflow = {name: record.pop(name) for name in WORKFLOW_FIELDS if name in record}
    status = workflow.get("publication_status")
    if status is not None and status not in PublicationStatus.values:
        choices = ", ".join(PublicationStatus.values)
        return workflow, [(f"{location}.publication_status", f"must be one of {choices}")]
    for name in ("published_at", "retracted_at"):
        value = workflow.get(name)
        if value is None:
            continue
        moment = parse_datetime(value) if isinstance(value, str) else None
        if moment is None or moment.tzinfo is None:
            return workflow, [(f"{location}.{name}", "must be an ISO 8601 time with its offset")]
        workflow[name] = moment
    reason = workflow.get("retraction_reason", "")
    if not isinstance(reason, str):
        return workflow, [(f"{location}.retraction_reason", "must be text")]
    if status == PublicationStatus.RETRACTED and not reason.strip():
        return workflow, [(f"{location}.retraction_reason", "a retracted record needs its reason")]
    return workflow, []


def _workflow_differs(instance, workflow):
    return any(getattr(instance, name) != value for name, value in workflow.items())


def _set_workflow(record, workflow):
    """Give ``record`` the status the file (or the load) says, with its dates."""
    if not workflow or not _workflow_differs(record, workflow):
        return
    for name, value in workflow.items():
        setattr(record, name, value)
    # Dates the file leaves out follow from the status.
    now = timezone.now()
    if record.publication_status in PUBLIC_STATUSES:
        record.published_at = record.published_at or now
    else:
        record.published_at = None
    if record.publication_status == PublicationStatus.RETRACTED:
        record.retracted_at = record.retracted_at or now
    else:
        record.retracted_at, record.retraction_reason = None, ""
    record.save()


_writable = writable_fields


def _unknown_keys(serializer, record, location):
    """Keys the API would silently ignore are errors in a dataset: they are typos."""
    fields = _writable(serializer)
    errors = [(f"{location}.{key}", "unknown field") for key in record if key not in fields]
    for name, value in record.items():
        nested = fields.get(name)
        if isinstance(nested, drf_serializers.ListSerializer) and isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, dict):
                    errors += _unknown_keys(nested.child, item, f"{location}.{name}[{index}]")
    return errors


def _flatten(errors, location):
    if isinstance(errors, dict):
        for key, value in errors.items():
            # DRF reports a nested list's errors as {index: {...}}
            step = f"[{key}]" if isinstance(key, int) else f".{key}"
            yield from _flatten(value, f"{location}{step}")
    elif isinstance(errors, list) and errors and not isinstance(errors[0], str):
        for index, value in enumerate(errors):
            if value:
                yield from _flatten(value, f"{location}[{index}]")
    else:
        for message in errors:
            yield (location, str(message))


def _with_defaults(serializer, validated):
    """The validated record with every writable field it leaves out set to the model default,
    so that the file, not the database's past, decides each value."""
    model = serializer.Meta.model
    complete = dict(validated)
    for name, serializer_field in _writable(serializer).items():
        if name in complete:
            continue
        if isinstance(
            serializer_field, (drf_serializers.ListSerializer, drf_serializers.ManyRelatedField)
        ):
            complete[name] = []
            continue
        model_field = model._meta.get_field(serializer_field.source)
        if model_field.has_default() and model_field.is_relation:
            related = model_field.related_model._default_manager
            complete[name] = related.get(pk=model_field.get_default())
        elif model_field.has_default():
            complete[name] = model_field.get_default()
        elif model_field.null:
            complete[name] = None
        elif model_field.blank:
            complete[name] = ""
    for name, serializer_field in _writable(serializer).items():
        if isinstance(serializer_field, drf_serializers.ListSerializer):
            child = serializer_field.child
            complete[name] = [_with_defaults(child, item) for item in complete[name]]
    return complete


def would_change(serializer, instance, validated):
    """Whether saving ``validated`` would change ``instance`` or its nested lists."""
    for name, value in validated.items():
        serializer_field = serializer.fields[name]
        current = getattr(instance, serializer_field.source)
        if isinstance(serializer_field, drf_serializers.ListSerializer):
            children = list(current.order_by("pk"))  # creation order is the file's order
            if len(children) != len(value):
                return True
            child = serializer_field.child
            if any(would_change(child, c, v) for c, v in zip(children, value, strict=True)):
                return True
        elif isinstance(serializer_field, drf_serializers.ManyRelatedField):
            if {obj.pk for obj in current.all()} != {obj.pk for obj in value}:
                return True
        elif isinstance(current, models.Model) or isinstance(value, models.Model):
            if getattr(current, "pk", None) != getattr(value, "pk", None):
                return True
        elif current != value:
            return True
    return False


def export_dataset(*, full=False):
    """Every record of every section, in the write shape ``load_dataset`` accepts.

    References are natural keys (codes and slugs, never ids), every writable field is present
    (empty ones too) and everything is in a stable order, so that two exports of the same data
    are identical. The public export (default) holds published records only, without their
    sensitive fields; a full export holds everything, workflow status included, and loading
    it into an empty database reproduces the data.
    """
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost:  # one snapshot for the whole export, even while editors keep writing
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        return {
            section: _export_section(model, serializer_class(), read_queryset(), full=full)
            for section, (model, serializer_class, read_queryset) in CURATED_SECTIONS.items()
        }


def _workflow_value(value):
    return value.isoformat() if isinstance(value, datetime) else value


def _export_section(model, serializer, records, *, full):
    """The section's records, ordered by natural key (in Python: independent of collations)."""
    if not full:
        records = records.filter(publication_status=PublicationStatus.PUBLISHED)
    exported = []
    for record in sorted(records, key=attrgetter(NATURAL_KEY)):
        data = write_shape(serializer, record)
        if full:
            data |= {name: _workflow_value(getattr(record, name)) for name in WORKFLOW_FIELDS}
        else:
            for name in model.SENSITIVE_FIELDS:
                data.pop(name)
        exported.append(data)
    return exported
