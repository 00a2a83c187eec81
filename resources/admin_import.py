"""Bulk import in the admin: statistics, policies, media outlets and organizations from a CSV
or XLSX file, previewed row by row before anything is saved.

The file is the API's CSV export (``resources.api.exports``), as it is or edited in a
spreadsheet: its header names the columns, and each row is read back into the JSON the API
takes, then validated by the resource's own serializer (the same field errors as a POST) and
written through ``resources.editorial.services.save``, which records each change, credited to
the importing user, through the "import" channel, with the file named in its reason.

- **Preview, then confirm** (django-import-export's two steps): the preview runs the whole
  import in a transaction that is rolled back, and shows each row's errors by field, or what
  each row will become; the confirm step runs it again, for real. All or nothing: one bad
  row and nothing is saved, in either step.
- **New records are drafts**, whatever the file's ``publication_status`` says.
- **A slug that exists already** is the same record: a row that changes nothing is skipped
  (so importing an export back changes nothing); a row that changes a draft or a record in
  review updates it (the columns the file has; the others are kept); a row that would change
  a published or retracted record is refused, by row. The import never changes what the
  public reads: that goes through a record's own page and the review, one record at a time.
- **Columns**: the export's. Unknown columns refuse the file (a misspelt header would
  otherwise be dropped without a word). Read-only columns (``id``, ``url``, the workflow's and
  timestamps, an organization's ``media_outlets``) are ignored: the database gives them.
- **Cells** are read as the export writes them: empty is null (or empty text, or the
  default where the field has neither), lists are joined with ``"; "``, citations are
  ``"<source slug> <locator>: <claim>"`` joined with ``" | "``. A cell that the export made
  inert for spreadsheets (a formula-like text, prefixed with ``'``) gets its text back.
- **Nested lists** (an outlet's channels and locations, an organization's notable figures and
  locations) each carry their own citations, which the CSV leaves out: the import cannot
  write them, so it keeps them as they are. Their cell must be empty for a new record and as
  exported for an existing one; anything else is refused, so that nothing is dropped silently.
- **Limits** (settings ``ADMIN_IMPORT_*``): the file's size, its rows, and what an XLSX may
  unpack to; XLSX formulas are refused (their cached values could be anything); an XLSX's XML
  is parsed with defusedxml (no entity expansion).
"""

from __future__ import annotations

import contextlib
import csv
import functools
import io
import os
import re
import tempfile
import time
import uuid
import zipfile
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from datetime import time as clock
from typing import Any, ClassVar

import tablib
from diff_match_patch import diff_match_patch
from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, models
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_POST
from import_export import resources
from import_export.admin import ImportMixin
from import_export.fields import Field
from import_export.formats.base_formats import Format
from import_export.forms import ImportForm
from import_export.results import Result, RowResult
from import_export.tmp_storages import BaseStorage
from rest_framework import serializers
from rest_framework.exceptions import ValidationError as DRFValidationError

from .api.errors import flatten_errors
from .api.exports import FORMULA_STARTS, ITEM_SEPARATOR, PURE_NUMBER, flatten_value, plain_url
from .api.serializers import SLUG_TAKEN, serializer_for
from .choices import ChangeAction, ChangeChannel
from .choices import PublicationStatus as Status
from .dataset import would_change
from .editorial import services
from .editorial.errors import EditorialError
from .visibility import permission

# Where uploads wait between the preview and the confirmation; older ones (a preview never
# confirmed) are removed as new ones arrive.
UPLOAD_DIR = os.path.join(tempfile.gettempdir(), "exile-admin-import")
UPLOAD_MAX_AGE_SECONDS = 24 * 3600
# The uploads this browser session previewed and may confirm: {stored name: {...}}.
SESSION_KEY = "admin_import_uploads"
SESSION_MAX_UPLOADS = 10
# The list separator the export writes is "; "; a spreadsheet hand-typed "a;b" is read too.
LIST_SEPARATOR = ";"
# A citation as the export writes it: the source's slug, a space and the locator (when there
# is one), a colon and a space, the claim (exports.citation_text).
CITATION = re.compile(r"(?P<source>[-A-Za-z0-9_]+)(?: (?P<locator>.*?))?: (?P<claim>.*)", re.DOTALL)
# What starts a next citation after " | ": a slug-like word, then a locator and/or ": ".
CITATION_START = re.compile(r"[-A-Za-z0-9_]+(?: .*?)?: ", re.DOTALL)
CITATION_FORMAT = (
    "Write each citation as '<source slug> <locator>: <claim>', and separate them with ' | '."
)
OMIT = object()  # a cell that leaves its field out of the record's data
# A character written as _xHHHH_ in an XLSX's text, as Excel writes a carriage return
# (_x000D_), which XML would otherwise turn into a line feed.
OOXML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


class ImportFileError(Exception):
    """The file cannot be imported at all (its size, format, header or row count); the
    message says why, for the upload form."""


class FormulaCell(str):
    """An XLSX cell holding a formula (its text): refused by row, with its column."""


# Cells -----------------------------------------------------------------------------------


def undo_neutralized(text: str) -> str:
    """``text`` as it was before the export made it inert for spreadsheets
    (``exports.neutralized`` prefixes a formula-like text with a single quote).

    The one text this cannot tell apart: a value that itself began with a quote and then a
    formula character ("'=x") reads back without its quote ("=x"), and exports the same again.
    """
    rest = text[1:]
    if text.startswith("'") and rest.startswith(FORMULA_STARTS) and not PURE_NUMBER.fullmatch(rest):
        return rest
    return text


def citation_text(source: str, locator: str, claim: str) -> str:
    """A citation as the export writes it (``exports.citation_text``)."""
    return f"{' '.join(part for part in (source, locator) if part)}: {claim}"


def parse_citations(cell: str) -> list[dict[str, str]]:
    """The citations of an exported ``citations`` cell, in the API's write shape; raises
    ValueError if the cell is not in the export's format.

    A new citation starts after each " | " followed by what starts one (a slug-like word,
    maybe a locator, then ": "); elsewhere " | " is part of a claim. A claim holding " | word:
    " is split there, and the piece is refused for its unknown source: loud, not silently wrong.
    """
    if not cell:
        return []
    pieces = cell.split(ITEM_SEPARATOR)
    items = [pieces[0]]
    for piece in pieces[1:]:
        if CITATION_START.match(piece):
            items.append(piece)
        else:
            items[-1] += ITEM_SEPARATOR + piece
    citations = []
    for number, item in enumerate(items, 1):
        match = CITATION.fullmatch(item)
        if match is None:
            raise ValueError(f"Citation {number} cannot be read. {CITATION_FORMAT}")
        source, locator, claim = match["source"], match["locator"] or "", match["claim"]
        if citation_text(source, locator, claim) != item:
            raise ValueError(f"Citation {number} cannot be read exactly. {CITATION_FORMAT}")
        citations.append({"source": source, "locator": locator, "claim": claim})
    return citations


def split_list(cell: str) -> list[str]:
    return [item.strip() for item in cell.split(LIST_SEPARATOR) if item.strip()]


def scalar_value(field: serializers.Field[Any, Any, Any, Any], cell: str) -> Any:
    """A flat cell as the API's JSON gives the field: the export writes null and empty text
    alike as an empty cell."""
    if cell != "":
        return cell
    if field.allow_null:
        return None
    if getattr(field, "allow_blank", False):
        return ""
    if not field.required:
        return OMIT  # the default for a new record, no change for an existing one
    return cell  # refused by the serializer, with the API's message


def cell_text(value: Any) -> str:
    """An XLSX cell's value as the CSV's text: numbers, dates and booleans as the export
    writes them."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == clock(0) else value.isoformat()
    if isinstance(value, (date, clock)):
        return value.isoformat()
    if isinstance(value, str):
        return OOXML_ESCAPE.sub(lambda match: chr(int(match[1], 16)), value)
    return str(value)


# Files -----------------------------------------------------------------------------------


class ImportFormat(Format):
    """A format read into a ``tablib.Dataset`` of text cells, within the limits, its header
    checked against the resource's columns (``columns``, set per resource)."""

    title: ClassVar[str]
    columns: ClassVar[tuple[str, ...]] = ()

    def __init__(self, encoding: str | None = None) -> None:
        self.encoding = encoding

    def get_title(self) -> str:
        return self.title

    def get_extension(self) -> str:
        return self.title

    def is_binary(self) -> bool:
        return True  # read as bytes: text mode would turn the "\r\n" inside cells into "\n"

    def get_read_mode(self) -> str:
        return "rb"

    def can_import(self) -> bool:
        return True

    def rows(self, data: bytes) -> Iterator[list[str]]:
        raise NotImplementedError

    def create_dataset(self, in_stream: bytes) -> tablib.Dataset:
        if len(in_stream) > settings.ADMIN_IMPORT_MAX_BYTES:
            raise ImportFileError(too_large(len(in_stream)))
        rows = self.rows(in_stream)
        header = next(rows, None)
        if header is None:
            raise ImportFileError("The file is empty: it needs a header row, then the records.")
        while header and header[-1] == "":
            header.pop()  # a spreadsheet's empty columns after the last
        self.check_header(header)
        dataset = tablib.Dataset(headers=header)
        limit = settings.ADMIN_IMPORT_MAX_ROWS
        for number, row in enumerate(rows, 1):
            if number > limit:
                raise ImportFileError(
                    f"The file has more than {limit} rows; split it into files of at most "
                    f"{limit} rows."
                )
            extra = row[len(header) :]
            if any(cell != "" for cell in extra):
                raise ImportFileError(f"Row {number} has more cells than the header has columns.")
            dataset.append(row[: len(header)] + [""] * (len(header) - len(row)))
        return dataset

    def check_header(self, header: Sequence[str]) -> None:
        unknown = [name for name in header if name not in self.columns]
        if unknown:
            raise ImportFileError(
                f"Unknown column(s): {', '.join(repr(name) for name in unknown)}. The header "
                f"must name columns of the API's CSV export: {', '.join(self.columns)}."
            )
        repeated = sorted({name for name in header if header.count(name) > 1})
        if repeated:
            raise ImportFileError(f"Column(s) named twice: {', '.join(repeated)}.")
        if "slug" not in header:
            raise ImportFileError("The file needs a slug column: it says which record each is.")


class CSVImport(ImportFormat):
    """A CSV file as the API exports it: UTF-8 (a byte order mark is allowed), comma-separated,
    quoted as Python's csv module does."""

    title = "csv"

    def rows(self, data: bytes) -> Iterator[list[str]]:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ImportFileError(
                f"The file is not UTF-8 text (byte {exc.start}): save it as 'CSV UTF-8'."
            ) from exc
        try:
            # newline="": the reader, not the stream, tells line ends from "\r\n" in cells.
            yield from csv.reader(io.StringIO(text, newline=""), strict=True)
        except csv.Error as exc:
            raise ImportFileError(f"The file cannot be read as CSV: {exc}.") from exc


class XLSXImport(ImportFormat):
    """The first and only sheet of an Excel workbook. Numbers, dates and booleans are read as
    the CSV writes them (``cell_text``)."""

    title = "xlsx"

    def rows(self, data: bytes) -> Iterator[list[str]]:
        check_unpacked_size(data)
        import openpyxl  # only here: the CSV path never needs it

        try:
            # data_only=False: a formula is read as a formula (refused), not as the value
            # some program cached with it.
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        except Exception as exc:  # openpyxl's errors have no common base: zip, XML, keys
            raise unreadable(exc) from exc
        try:
            if len(book.worksheets) != 1:
                raise ImportFileError(
                    f"The workbook has {len(book.worksheets)} sheets; keep only the one to import."
                )
            for row in book.worksheets[0].iter_rows():
                yield [
                    FormulaCell(cell.value)
                    if getattr(cell, "data_type", None) == "f"
                    else cell_text(getattr(cell, "value", None))
                    for cell in row
                ]
        except ImportFileError:
            raise
        except Exception as exc:
            raise unreadable(exc) from exc
        finally:
            book.close()


def unreadable(exc: Exception) -> ImportFileError:
    """An XLSX that openpyxl cannot read, named by the first error (openpyxl wraps it)."""
    cause: BaseException = exc
    while cause.__cause__ is not None:
        cause = cause.__cause__
    return ImportFileError(f"The file cannot be read as an XLSX workbook ({type(cause).__name__}).")


def check_unpacked_size(data: bytes) -> None:
    """Refuse an XLSX (a zip) whose parts would unpack past the limit: what each part says it
    unpacks to is enforced as it is read (zipfile stops there and fails the part's check)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, ValueError) as exc:
        raise ImportFileError("The file is not an XLSX workbook (not a zip archive).") from exc
    unpacked = sum(part.file_size for part in parts)
    limit = settings.ADMIN_IMPORT_MAX_UNPACKED_BYTES
    if unpacked > limit or len(parts) > 1000:
        raise ImportFileError(
            f"The workbook unpacks to {unpacked:,} bytes in {len(parts)} parts; the limit is "
            f"{limit:,} bytes. Save it as CSV, or split it."
        )


def too_large(size: int) -> str:
    limit = settings.ADMIN_IMPORT_MAX_BYTES
    return f"The file is {size:,} bytes; the limit is {limit:,}. Split it into smaller files."


class UploadStorage(BaseStorage):
    """An upload kept between the preview and the confirmation, in a folder of its own, under
    a random name that only the session that uploaded it may confirm (``RecordImportMixin``)."""

    def save(self, data: bytes) -> None:
        os.makedirs(UPLOAD_DIR, mode=0o700, exist_ok=True)
        remove_stale_uploads()
        self.name = uuid.uuid4().hex
        descriptor = os.open(self.path(), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)

    def read(self) -> bytes:
        with open(self.path(), "rb") as file:
            return file.read(settings.ADMIN_IMPORT_MAX_BYTES + 1)

    def remove(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.remove(self.path())

    def path(self) -> str:
        return os.path.join(UPLOAD_DIR, os.path.basename(self.name or ""))


def remove_stale_uploads() -> None:
    cutoff = time.time() - UPLOAD_MAX_AGE_SECONDS
    for entry in os.scandir(UPLOAD_DIR):
        with contextlib.suppress(FileNotFoundError):  # removed meanwhile by another request
            if entry.stat().st_mtime < cutoff:
                os.remove(entry.path)


# Records ---------------------------------------------------------------------------------


class RecordResource(resources.ModelResource):
    """Imports one resource's rows through its API serializer and the editorial services.
    ``resource_for`` makes one per model; django-import-export runs it (``import_data``: the
    transaction, the dry run of the preview) and shows its results."""

    serializer_class: ClassVar[type[serializers.ModelSerializer[Any]]]
    columns: ClassVar[tuple[str, ...]]
    formats: ClassVar[list[type[ImportFormat]]]

    def __init__(self, *, request: HttpRequest, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.request = request
        self.headers: list[str] = []
        self.repeated: set[str] = set()
        self.reason = ""

    @property
    def model(self) -> type[models.Model]:
        return self._meta.model

    @functools.cached_property
    def fields_of(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        """The serializer's fields by name (building them costs more than a row's reading)."""
        return dict(self.serializer_class().fields)

    def get_user_visible_fields(self) -> list[Field]:
        """The columns the import writes, for the upload page."""
        return [
            Field(column_name=name)
            for name, field in self.fields_of.items()
            if name in self.columns and not field.read_only
        ]

    def get_diff_headers(self) -> list[str]:
        return list(self.headers)

    def import_data(self, dataset: tablib.Dataset, **kwargs: Any) -> Result:
        # One transaction, rolled back on any row's error (or for the preview): all or nothing.
        kwargs |= {"use_transactions": True, "rollback_on_validation_errors": True}
        self.headers = list(dataset.headers or [])
        slugs = [undo_neutralized(str(slug)) for slug in dataset["slug"]] if len(dataset) else []
        self.repeated = {slug for slug in slugs if slug and slugs.count(slug) > 1}
        file_name = os.path.basename(str(kwargs.get("file_name") or "a file"))[:200]
        self.reason = f"Imported in the admin from {file_name}."
        return super().import_data(dataset, **kwargs)

    def import_row(self, row: dict[str, Any], instance_loader: Any, **kwargs: Any) -> RowResult:
        result = self.get_row_result_class()()
        if all(cell == "" for cell in row.values()):
            result.import_type = RowResult.IMPORT_TYPE_SKIP
            return result
        try:
            self.import_record(row, result, preview=kwargs.get("dry_run", False))
        except ValidationError as exc:
            result.import_type = RowResult.IMPORT_TYPE_INVALID
            result.validation_error = exc
        return result

    def import_record(self, row: dict[str, Any], result: RowResult, *, preview: bool) -> None:
        """Validate and write one row; ``preview``: show what it changes (``result.diff``),
        which the confirmation, redirected to the list, does not show."""
        formulas = sorted(name for name, cell in row.items() if isinstance(cell, FormulaCell))
        if formulas:
            raise ValidationError(
                {
                    name: f"The cell holds a formula ({row[name]}); import its value instead "
                    "(copy the column, then paste values only)."
                    for name in formulas
                }
            )
        cells = {name: undo_neutralized(str(cell)) for name, cell in row.items()}
        slug = cells.get("slug", "")
        if slug in self.repeated:
            raise ValidationError({"slug": f"The slug {slug} is on more than one row."})
        record = self.model._default_manager.filter(slug=slug).first() if slug else None
        data = self.record_data(cells, record)
        serializer = self.serializer_class(
            record, data=data, partial=record is not None, context={"request": self.request}
        )
        if not serializer.is_valid():
            raise ValidationError(field_errors(serializer.errors))
        if record is not None and not self.request.user.has_perm(permission(self.model, "change")):
            # As the API answers a create: whether it exists is not this user's to learn.
            raise ValidationError({"slug": SLUG_TAKEN})
        blank = [""] * len(self.headers)
        before = self.cells(record) if preview and record is not None else blank
        if record is not None and not differs(serializer, record):
            result.import_type = RowResult.IMPORT_TYPE_SKIP
            result.diff = diff_html(before, before, new=False)
            result.add_instance_info(record)
            return
        if record is not None:
            self.check_updatable(record)
        try:
            saved = services.save(
                write=serializer.save,
                action=ChangeAction.CREATED if record is None else ChangeAction.UPDATED,
                user=self.request.user,
                channel=ChangeChannel.IMPORT,
                reason=self.reason,
            )
        except EditorialError as exc:
            detail = exc.detail if isinstance(exc.detail, dict) else {NON_FIELD_ERRORS: exc.detail}
            raise ValidationError(field_errors(detail)) from exc
        except IntegrityError as exc:
            raise ValidationError(f"Violates a data constraint: {exc.__cause__ or exc}") from exc
        result.import_type = (
            RowResult.IMPORT_TYPE_NEW if record is None else RowResult.IMPORT_TYPE_UPDATE
        )
        if preview:
            result.diff = diff_html(before, self.cells(saved), new=record is None)
        result.add_instance_info(saved)
        result.instance = saved

    def record_data(self, cells: dict[str, str], record: models.Model | None) -> dict[str, Any]:
        """The row as the API's JSON for ``record`` (None: a new one); raises ValidationError
        for cells that cannot be read so."""
        fields = self.fields_of
        data: dict[str, Any] = {}
        errors: dict[str, str] = {}
        current: dict[str, str] = {}
        for name, cell in cells.items():
            field = fields[name]
            if field.read_only:
                continue
            if isinstance(field, serializers.ListSerializer) and name != "citations":
                # A nested list: its items' citations are not in the CSV. Kept as it is.
                if not current and record is not None:
                    current = dict(zip(self.headers, self.cells(record), strict=True))
                if cell != current.get(name, ""):
                    errors[name] = (
                        f"The import cannot write {name}: each comes with its own citations, "
                        "which the file does not carry. Leave this cell as exported (empty for "
                        "a new record) and edit them on the record's page."
                    )
                continue
            if name == "citations":
                try:
                    data[name] = parse_citations(cell)
                except ValueError as exc:
                    errors[name] = str(exc)
            elif isinstance(field, (serializers.ManyRelatedField, serializers.ListField)):
                data[name] = split_list(cell)
            elif (value := scalar_value(field, cell)) is not OMIT:
                data[name] = value
        if errors:
            raise ValidationError(errors)
        return data

    def check_updatable(self, record: Any) -> None:
        """Refuse a row that would change a published or retracted record: never through an
        import."""
        status = record.publication_status
        if status not in (Status.DRAFT, Status.IN_REVIEW):
            raise ValidationError(
                {
                    "slug": f"A {Status(status).label} record has this slug, and the import "
                    "changes only drafts and records in review. Edit the record on its page, or "
                    "give the row a new slug."
                }
            )

    def cells(self, record: models.Model) -> list[str]:
        """``record``'s cells as the export writes them, without the spreadsheet quote."""
        data = self.serializer_class(record, context={"request": self.request}).data
        return [
            plain_url(data.get(name)) if name == "url" else flatten_value(data.get(name), name)
            for name in self.headers
        ]


def field_errors(detail: Any) -> dict[str, list[str]]:
    """DRF's error detail as {field path: [messages]}, paths as the API's problems give them
    (``citations.0.locator``)."""
    errors: dict[str, list[str]] = {}
    for error in flatten_errors(DRFValidationError(detail).get_full_details()):
        errors.setdefault(error["field"] or NON_FIELD_ERRORS, []).append(error["detail"])
    return errors


def differs(serializer: serializers.ModelSerializer[Any], record: models.Model) -> bool:
    """Whether saving the validated row would change ``record`` (as a dataset load judges it)."""
    return bool(would_change(serializer, record, serializer.validated_data))


def diff_html(before: list[str], after: list[str], *, new: bool) -> list[SafeString]:
    """Each cell's change, as django-import-export's preview shows it (its ``Diff``)."""
    differ = diff_match_patch()
    cells = []
    for old, current in zip(before, after, strict=True):
        changes = differ.diff_main("" if new else old, current)
        differ.diff_cleanupSemantic(changes)
        cells.append(mark_safe(differ.diff_prettyHtml(changes)))  # diff_prettyHtml escapes the text
    return cells


RESOURCES: dict[type[models.Model], type[RecordResource]] = {}


def resource_for(model: type[models.Model]) -> type[RecordResource]:
    """The import resource of ``model``, made once: its serializer, columns and formats."""
    if model not in RESOURCES:
        serializer_class = serializer_for(model)
        serializer = serializer_class()
        columns = tuple(name for name, field in serializer.fields.items() if not field.write_only)
        formats = [
            type(f"{model.__name__}{base.__name__}", (base,), {"columns": columns})
            for base in (CSVImport, XLSXImport)
        ]
        meta = type("Meta", (), {"model": model, "fields": ()})
        RESOURCES[model] = type(
            f"{model.__name__}Resource",
            (RecordResource,),
            {
                "Meta": meta,
                "serializer_class": serializer_class,
                "columns": columns,
                "formats": formats,
            },
        )
    return RESOURCES[model]


# The admin -------------------------------------------------------------------------------


class UploadForm(ImportForm):
    """The upload step, with the file's size checked before anything reads it."""

    def clean_import_file(self) -> Any:
        upload = self.cleaned_data["import_file"]
        if upload.size > settings.ADMIN_IMPORT_MAX_BYTES:
            raise forms.ValidationError(too_large(upload.size))
        return upload


class RecordImportMixin(ImportMixin):
    """The "Import" button and pages of a ModelAdmin, for users who may add its records."""

    import_template_name = "admin/resources/import.html"
    import_form_class = UploadForm
    tmp_storage_class = UploadStorage
    skip_admin_log = False
    skip_import_confirm = False

    def has_import_permission(self, request: HttpRequest) -> bool:
        return self.has_add_permission(request)

    def is_skip_import_confirm_enabled(self) -> bool:
        return False  # the preview is never skipped, whatever IMPORT_EXPORT_SKIP_ADMIN_CONFIRM says

    def get_import_resource_classes(self, request: HttpRequest) -> list[type[RecordResource]]:
        return [resource_for(self.model)]

    def get_import_formats(self) -> list[type[ImportFormat]]:
        return resource_for(self.model).formats

    def get_import_resource_kwargs(self, request: HttpRequest, **kwargs: Any) -> dict[str, Any]:
        return {"request": request}

    def get_import_data_kwargs(self, **kwargs: Any) -> dict[str, Any]:
        return {}

    def add_data_read_fail_error_to_form(self, form: forms.Form, e: Exception) -> None:
        if isinstance(e, ImportFileError):
            form.add_error("import_file", str(e))
        else:
            super().add_data_read_fail_error_to_form(form, e)

    def get_confirm_form_initial(self, request: HttpRequest, import_form: Any) -> dict[str, Any]:
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            # Only this session may confirm this upload, and only into this model's admin.
            uploads = dict(request.session.get(SESSION_KEY, {}))
            uploads[initial["import_file_name"]] = {
                "model": self.model._meta.label,
                "file_name": initial["original_file_name"],
            }
            request.session[SESSION_KEY] = dict(list(uploads.items())[-SESSION_MAX_UPLOADS:])
        return initial

    def import_action(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        response = super().import_action(request, **kwargs)
        # An upload that cannot be confirmed (the preview found errors) is not kept.
        context = getattr(response, "context_data", None) or {}
        form = context.get("form")
        upload = getattr(form, "cleaned_data", {}).get("import_file") if form else None
        name = getattr(upload, "tmp_storage_name", None)
        if name and not context.get("confirm_form"):
            UploadStorage(name=name).remove()
        return response

    @method_decorator(require_POST)
    def process_import(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        """The confirmation: the previewed upload imported for real, all of it or, if a row
        now fails (the data changed since the preview), none of it."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        opts = self.model._meta
        import_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_import")
        confirm_form = self.create_confirm_form(request)
        uploads = dict(request.session.get(SESSION_KEY, {}))
        name = confirm_form.cleaned_data["import_file_name"] if confirm_form.is_valid() else ""
        upload = uploads.pop(name, None)
        formats = self.get_import_formats()
        format_index = str(confirm_form.cleaned_data.get("format", "")) if name else ""
        if (
            upload is None
            or upload["model"] != opts.label
            or not format_index.isdigit()
            or int(format_index) >= len(formats)
        ):
            messages.error(request, "This upload cannot be imported any more; upload it again.")
            return HttpResponseRedirect(import_url)
        request.session[SESSION_KEY] = uploads
        storage = UploadStorage(name=name)
        try:
            dataset = formats[int(format_index)]().create_dataset(storage.read())
        except (OSError, ImportFileError) as exc:
            messages.error(request, f"Nothing was imported: {exc}")
            return HttpResponseRedirect(import_url)
        finally:
            storage.remove()
        result = self.process_dataset(dataset, confirm_form, request, file_name=upload["file_name"])
        if result.has_errors() or result.has_validation_errors():
            messages.error(request, "Nothing was imported: the rows below failed.")
            context = {
                **self.admin_site.each_context(request),
                "title": "Import",
                "form": self.create_import_form(request),
                "opts": opts,
                "result": result,
                "import_error_display": self.import_error_display,
                "fields_list": [],
            }
            return TemplateResponse(request, [self.import_template_name], context)
        return self.process_result(result, request)

    def add_success_message(self, result: Result, request: HttpRequest) -> None:
        totals = result.totals
        opts = self.model._meta
        messages.success(
            request,
            f"Imported {opts.verbose_name_plural}: {totals[RowResult.IMPORT_TYPE_NEW]} new "
            f"(drafts), {totals[RowResult.IMPORT_TYPE_UPDATE]} updated, "
            f"{totals[RowResult.IMPORT_TYPE_SKIP]} unchanged or blank.",
        )
