"""Bulk import in the admin (resources/admin_import.py): the API's CSV export, or the same
columns as an XLSX workbook, previewed with each row's errors, then imported all or nothing as
drafts, each change credited to the importer."""

import csv
import io
import os
import zipfile
from datetime import date
from decimal import Decimal
from http import HTTPStatus

import openpyxl
import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from resources.admin_import import UploadStorage, parse_citations, undo_neutralized
from resources.editorial import history
from resources.models import (
    Change,
    Channel,
    Citation,
    Country,
    HostPolicy,
    MediaOutlet,
    Organization,
    Statistic,
)
from tests.admin.test_admin import admin_url, model_id
from tests.factories import (
    cite,
    make_exile_group,
    make_media_outlet,
    make_organization,
    make_policy,
    make_source,
    make_statistic,
)

IMPORTED = [Statistic, HostPolicy, MediaOutlet, Organization]
API_LIST = {
    Statistic: "statistic-list",
    HostPolicy: "policy-list",
    MediaOutlet: "media-outlet-list",
    Organization: "organization-list",
}
# What the database gives each record, not the file: left out of the exports compared.
SYSTEM_COLUMNS = (
    "id,url,publication_status,published_at,retracted_at,retraction_reason,created_at,updated_at"
)
CSV_FORMAT, XLSX_FORMAT = "0", "1"
# Text a spreadsheet would take for a formula, and text the CSV must quote.
FORMULA = '=HYPERLINK("https://evil.example","Click")'
AWKWARD = 'Line one, "quoted"\r\nline two; ü | not a citation'


# Helpers ---------------------------------------------------------------------------------


def export(client, model, **params):
    """The API's CSV export of ``model``, as bytes."""
    response = client.get(reverse(API_LIST[model]), {"format": "csv", **params})
    assert response.status_code == HTTPStatus.OK
    return b"".join(response.streaming_content)


def content_export(client, model, status="published"):
    """The export without the columns the database gives (ids, status, timestamps)."""
    return export(client, model, omit=SYSTEM_COLUMNS, publication_status=status)


def preview(client, model, content, name="records.csv", file_format=CSV_FORMAT):
    """The import page's answer to an upload: the preview, or the errors."""
    upload = SimpleUploadedFile(name, content)
    return client.post(
        admin_url(model, "import"), {"format": file_format, "import_file": upload, "resource": ""}
    )


def confirm(client, model, response):
    """Confirm the preview ``response`` offers."""
    form = response.context["confirm_form"]
    assert form is not None, response.content.decode()
    return client.post(admin_url(model, "process_import"), form.initial, follow=True)


def import_file(client, model, content, **kwargs):
    """Preview then confirm: the page after the import."""
    response = preview(client, model, content, **kwargs)
    assert response.status_code == HTTPStatus.OK
    assert not response.context["form"].errors, response.context["form"].errors
    result = response.context["result"]
    assert not result.has_errors()
    assert not result.has_validation_errors(), row_errors(response)
    return confirm(client, model, response)


def row_errors(response):
    """{row number: {field: [messages]}} of the preview's invalid rows."""
    result = response.context["result"]
    return {row.number: row.error_dict for row in result.invalid_rows}


def as_xlsx(csv_bytes):
    """The CSV as a spreadsheet program saves it: numbers, dates and booleans typed, a
    carriage return written as Excel writes it (XML would read it as a line feed)."""

    book = openpyxl.Workbook()
    sheet = book.active
    for row in csv.reader(io.StringIO(csv_bytes.decode(), newline="")):
        sheet.append([typed(cell) for cell in row])
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


def typed(cell):
    cell = cell.replace("\r", "_x000D_")
    if cell in ("true", "false"):
        return cell == "true"
    try:
        return date.fromisoformat(cell) if len(cell) == 10 and cell[4] == "-" else int(cell)
    except ValueError:
        pass
    try:
        return float(cell) if cell[:1].isdigit() else cell
    except ValueError:
        return cell


@pytest.fixture
def importer(editor):
    """The editor's browser session in the admin."""
    editor.is_staff = True
    editor.save()
    client = Client()
    client.force_login(editor)
    return client


@pytest.fixture
def reader_staff(db):
    """A staff user who may view records but not add them."""
    user = User.objects.create_user("viewer", password="not-used-in-tests-5e1d")
    user.is_staff = True
    user.save()
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="resources", codename__startswith="view")
    )
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def cited_records(source):
    """Two records of each imported model, with the text a CSV and a spreadsheet find awkward
    (formulas, quotes, line breaks, separators), two citations on one, lists on another."""
    other = make_source(slug="unhcr-2023", title="UNHCR 2023")
    group = make_exile_group(source, slug="it-specialists")
    journalists = make_exile_group(source, slug="journalists")
    records = {
        Statistic: [
            make_statistic(
                source,
                slug="georgia-arrivals-2022",
                exile_group=group,
                value=Decimal("15.50"),
                value_low=Decimal("10.25"),
                value_high=Decimal("12345678901234.56"),
                notes=FORMULA,
                is_historical=True,
            ),
            make_statistic(source, slug="abroad-departures", destination=None, notes=AWKWARD),
        ],
        HostPolicy: [
            make_policy(
                source,
                slug="armenia-it",
                title="+7 hotline, for IT",
                conditions="@everyone, see below",
                effective_from=date(2022, 3, 1),
            ),
            make_policy(source, slug="georgia-banking", summary=AWKWARD, is_historical=True),
        ],
        MediaOutlet: [
            make_outlet(source, slug="tv-rain", name="TV Rain", languages=["ru", "en"]),
            make_outlet(source, slug="meduza", name="-Meduza-", description=FORMULA),
        ],
        Organization: [
            make_organization(source, slug="free-russia", name="Free Russia", website=""),
            make_organization(
                source,
                slug="ark",
                name="Ark",
                description=AWKWARD,
                country=Country.objects.get(code="GE"),
                founded_year=2022,
                contact_details="=cmd|' /C calc'!A0",
            ),
        ],
    }
    records[Organization][1].exile_groups.set([group, journalists])
    records[HostPolicy][0].exile_groups.set([group])
    records[HostPolicy][0].nationalities.set(Country.objects.filter(code__in=["RU", "BY"]))
    for record in (records[Statistic][0], records[Organization][1]):
        cite(record, other, locator="table 2", claim="A second claim: with a colon | a bar.")
    return records


def make_outlet(source, **fields):
    """An outlet without channels: channels cannot be imported (their citations are not in
    the CSV)."""
    outlet = make_media_outlet(source, **fields)
    outlet.channels.all().delete()
    return outlet


def delete_all(model):
    for record in model.objects.all():
        record.citations.all().delete()
        record.delete()


# The round trip ----------------------------------------------------------------------------


@pytest.mark.parametrize("model", IMPORTED, ids=model_id)
@pytest.mark.parametrize("file_format", [CSV_FORMAT, XLSX_FORMAT], ids=["csv", "xlsx"])
def test_import_export_into_emptied_database_exports_the_same_bytes(
    importer, editor_client, cited_records, model, file_format
):
    exported = export(editor_client, model)
    before = content_export(editor_client, model)
    delete_all(model)
    content = exported if file_format == CSV_FORMAT else as_xlsx(exported)

    response = import_file(importer, model, content, file_format=file_format)

    assert response.status_code == HTTPStatus.OK
    assert content_export(editor_client, model, status="draft") == before
    assert model.objects.count() == 2
    assert set(model.objects.values_list("publication_status", flat=True)) == {"draft"}


@pytest.mark.parametrize("model", IMPORTED, ids=model_id)
def test_import_export_into_same_database_changes_nothing(
    importer, editor_client, cited_records, model
):
    exported = export(editor_client, model)
    changes = Change.objects.count()

    response = import_file(importer, model, exported)

    assert export(editor_client, model) == exported
    assert Change.objects.count() == changes
    assert "0 new (drafts), 0 updated, 2 unchanged" in response.content.decode()


# Drafts and history ------------------------------------------------------------------------


def statistic_csv(*rows, header=None):
    """A statistics CSV with the export's header (or ``header``) and ``rows`` of cells."""
    header = header or (
        "slug,origin,destination,metric,value,qualifier,unit,measure,period_start,period_end,"
        "citations,publication_status"
    )
    return ("\r\n".join([header, *rows]) + "\r\n").encode()


def statistic_row(slug, citations="essay para 1: Georgia took in 25,000.", **cells):
    values = {
        "slug": slug,
        "origin": "RU",
        "destination": "GE",
        "metric": "arrivals",
        "value": "25000",
        "qualifier": "exact",
        "unit": "people",
        "measure": "flow",
        "period_start": "2022-02-24",
        "period_end": "2022-03-10",
        "citations": citations,
        "publication_status": "published",
    } | cells
    return ",".join(f'"{value}"' if "," in value else value for value in values.values())


def test_import_creates_drafts_whatever_the_file_says(importer, source):
    import_file(importer, Statistic, statistic_csv(statistic_row("new-figure")))

    statistic = Statistic.objects.get(slug="new-figure")
    assert (statistic.publication_status, statistic.published_at) == ("draft", None)
    assert statistic.value == Decimal("25000")
    assert list(statistic.citations.values_list("source__slug", "locator", "claim")) == [
        ("essay", "para 1", "Georgia took in 25,000.")
    ]


def test_import_records_each_change_credited_to_the_importer(importer, editor, source):
    content = statistic_csv(statistic_row("first"), statistic_row("second", value="6000"))

    import_file(importer, Statistic, content, name="georgia figures.csv")

    changes = Change.objects.filter(record_key__in=["first", "second"]).order_by("id")
    assert [
        (c.record_key, c.action, c.channel, c.user, c.username, c.publication_status, c.reason)
        for c in changes
    ] == [
        (
            key,
            "created",
            "import",
            editor,
            "editor",
            "draft",
            "Imported in the admin from georgia figures.csv.",
        )
        for key in ("first", "second")
    ]
    assert changes[1].snapshot["value"] == 6000


def test_import_updates_a_draft_and_records_the_update(importer, editor, source):
    draft = make_statistic(source, slug="draft-figure", publication_status="draft")
    history.record_change(draft, action="created", channel="api", user=editor)
    header = "slug,value,notes"

    response = import_file(
        importer, Statistic, statistic_csv("draft-figure,26000,Corrected.", header=header)
    )

    draft.refresh_from_db()
    assert (draft.value, draft.notes, draft.publication_status) == (
        Decimal("26000"),
        "Corrected.",
        "draft",
    )
    assert draft.citations.count() == 1  # the file has no citations column: kept
    change = Change.objects.filter(record_key="draft-figure").latest("id")
    assert (change.action, change.channel, change.user) == ("updated", "import", editor)
    assert set(change.changes) == {"notes", "value"}
    assert "0 new (drafts), 1 updated, 0 unchanged" in response.content.decode()


@pytest.mark.parametrize("status", ["published", "retracted"])
def test_preview_of_a_change_to_a_public_record_refuses_the_row(importer, source, status):
    make_statistic(source, slug="public-figure", publication_status=status)

    response = preview(
        importer, Statistic, statistic_csv("public-figure,26000", header="slug,value")
    )

    assert response.context.get("confirm_form") is None
    (errors,) = row_errors(response).values()
    assert list(errors) == ["slug"]
    assert f"A {status} record has this slug" in errors["slug"][0]
    assert Statistic.objects.get(slug="public-figure").value == Decimal("25000")


# Errors, all or nothing ------------------------------------------------------------------


def test_preview_shows_each_rows_errors_by_field_and_saves_nothing(importer, source):
    content = statistic_csv(
        statistic_row("fine"),
        statistic_row("uncited", citations=""),
        statistic_row("bad", metric="guesses", citations="nowhere p. 1: A claim."),
        statistic_row("unreadable", citations="essay para 1 no colon"),
        statistic_row("fine"),
    )

    response = preview(importer, Statistic, content)

    assert response.status_code == HTTPStatus.OK
    assert response.context.get("confirm_form") is None
    assert row_errors(response) == {
        2: {"citations": ["Ensure this field has at least 1 elements."]},
        3: {
            "metric": ['"guesses" is not a valid choice.'],
            "citations.0.source": ["Object with slug=nowhere does not exist."],
        },
        4: {
            "citations": [
                "Citation 1 cannot be read. Write each citation as '<source slug> <locator>: "
                "<claim>', and separate them with ' | '."
            ]
        },
        1: {"slug": ["The slug fine is on more than one row."]},
        5: {"slug": ["The slug fine is on more than one row."]},
    }
    page = response.content.decode()
    assert "Some rows failed to validate" in page
    assert "citations.0.source" in page
    assert not Statistic.objects.exists()
    assert not Change.objects.exists()


def test_preview_error_is_the_apis_for_the_same_record(importer, editor_client, source):
    row = {"metric": "guesses", "value": "many", "period_end": "2021-01-01"}
    response = preview(importer, Statistic, statistic_csv(statistic_row("wrong", **row)))
    api = editor_client.post(
        reverse("statistic-list"),
        {
            "slug": "wrong",
            "destination": "GE",
            "metric": "guesses",
            "value": "many",
            "qualifier": "exact",
            "unit": "people",
            "measure": "flow",
            "period_start": "2022-02-24",
            "period_end": "2021-01-01",
            "citations": [{"source": "essay", "locator": "para 1", "claim": "A claim."}],
        },
        format="json",
    )

    api_errors = {}
    for error in api.json()["errors"]:
        api_errors.setdefault(error["field"], []).append(error["detail"])
    assert row_errors(response) == {1: api_errors}


def test_confirm_when_a_row_fails_since_the_preview_saves_nothing(importer, source):
    content = statistic_csv(statistic_row("first"), statistic_row("second"))
    response = preview(importer, Statistic, content)
    # Between the preview and the confirmation, someone publishes a record with that slug.
    make_statistic(source, slug="second", value=1)

    page = confirm(importer, Statistic, response)

    assert page.status_code == HTTPStatus.OK
    assert "Nothing was imported" in page.content.decode()
    assert list(Statistic.objects.values_list("slug", flat=True)) == ["second"]
    assert not Change.objects.exists()


def test_nested_lists_of_a_new_record_are_refused_not_dropped(importer, editor_client, source):
    outlet = make_media_outlet(source, slug="tv-rain")
    exported = export(editor_client, MediaOutlet)
    Channel.objects.filter(media_outlet=outlet).delete()
    Citation.objects.filter(object_id=outlet.pk).delete()
    outlet.delete()

    response = preview(importer, MediaOutlet, exported)

    (errors,) = row_errors(response).values()
    assert list(errors) == ["channels"]
    assert "each comes with its own citations" in errors["channels"][0]
    assert not MediaOutlet.objects.exists()


# Cells -------------------------------------------------------------------------------------


def test_formula_like_cell_round_trips_to_the_same_text(importer, editor_client, source):
    # (Not a leading tab or line break: the API's serializer trims the whitespace around text,
    # in a POST as in the import.)
    texts = [FORMULA, "-5 people", "+7 495 000", "@handle", "-5", "'quoted", "=x,\r\ny"]
    for number, text in enumerate(texts):
        make_statistic(source, slug=f"formula-{number}", notes=text)
    exported = export(editor_client, Statistic)
    assert b"'=HYPERLINK" in exported
    assert b"'@handle" in exported
    delete_all(Statistic)

    import_file(importer, Statistic, exported)

    assert dict(Statistic.objects.values_list("slug", "notes")) == {
        f"formula-{number}": text for number, text in enumerate(texts)
    }


def test_xlsx_formula_cell_is_refused_by_row(importer, source):
    book = openpyxl.Workbook()
    book.active.append(["slug", "value", "citations"])
    book.active.append(["summed", "=20000+5000", "essay para 1: A claim."])
    data = io.BytesIO()
    book.save(data)

    response = preview(importer, Statistic, data.getvalue(), "f.xlsx", XLSX_FORMAT)

    assert row_errors(response) == {
        1: {
            "value": [
                "The cell holds a formula (=20000+5000); import its value instead (copy the "
                "column, then paste values only)."
            ]
        }
    }


@pytest.mark.parametrize(
    ("cell", "text"),
    [
        ("'=1+1", "=1+1"),
        ("'-x", "-x"),
        ("'@x", "@x"),
        ("'-5", "'-5"),  # a pure number is never neutralised: the quote is the text's
        ("'x", "'x"),
        ("=1+1", "=1+1"),  # typed in a spreadsheet as text: kept
    ],
)
def test_undo_neutralized_gives_the_text_before_the_export(cell, text):
    assert undo_neutralized(cell) == text


def test_parse_citations_reads_the_exports_format():
    cell = "essay para 1: Georgia: 25,000 | a claim | with bars. | unhcr-2023: No locator."

    assert parse_citations(cell) == [
        {"source": "essay", "locator": "para 1", "claim": "Georgia: 25,000 | a claim | with bars."},
        {"source": "unhcr-2023", "locator": "", "claim": "No locator."},
    ]


# The file ----------------------------------------------------------------------------------


def test_upload_with_unknown_column_is_refused(importer, source):
    content = statistic_csv(
        statistic_row("x") + ",1", header=statistic_csv().decode().strip() + ",valeu"
    )

    response = preview(importer, Statistic, content)

    (error,) = response.context["form"].errors["import_file"]
    assert error.startswith("Unknown column(s): 'valeu'.")
    assert not Statistic.objects.exists()


def test_upload_larger_than_the_limit_is_refused(importer, source, settings):
    settings.ADMIN_IMPORT_MAX_BYTES = 200
    content = statistic_csv(statistic_row("first"), statistic_row("second"))

    response = preview(importer, Statistic, content)

    assert response.context["form"].errors["import_file"] == [
        f"The file is {len(content)} bytes; the limit is 200. Split it into smaller files."
    ]
    assert not Statistic.objects.exists()


def test_upload_larger_than_a_request_body_is_refused_before_it_is_read(importer, settings):
    settings.MAX_REQUEST_BODY_BYTES = 1000

    response = preview(importer, Statistic, b"x" * 2000)

    assert response.status_code == HTTPStatus.REQUEST_ENTITY_TOO_LARGE


@pytest.mark.parametrize("file_format", [CSV_FORMAT, XLSX_FORMAT], ids=["csv", "xlsx"])
def test_upload_with_too_many_rows_is_refused(importer, source, settings, file_format):
    settings.ADMIN_IMPORT_MAX_ROWS = 2
    content = statistic_csv(*(statistic_row(f"figure-{n}") for n in range(3)))
    if file_format == XLSX_FORMAT:
        content = as_xlsx(content)

    response = preview(
        importer, Statistic, content, f"s.{('csv', 'xlsx')[int(file_format)]}", file_format
    )

    assert response.context["form"].errors["import_file"] == [
        "The file has more than 2 rows; split it into files of at most 2 rows."
    ]
    assert not Statistic.objects.exists()


def test_xlsx_that_unpacks_past_the_limit_is_refused_unread(importer, settings):
    settings.ADMIN_IMPORT_MAX_UNPACKED_BYTES = 1_000_000
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b" " * 5_000_000)

    response = preview(importer, Statistic, bomb.getvalue(), "bomb.xlsx", XLSX_FORMAT)

    (error,) = response.context["form"].errors["import_file"]
    assert error.startswith("The workbook unpacks to 5,000,000 bytes in 1 parts; the limit is")


def test_xlsx_with_xml_entities_is_refused(importer):
    """Billion laughs: entities that expand to gigabytes. defusedxml refuses any entity."""
    book = openpyxl.Workbook()
    book.active.append(["slug"])
    data = io.BytesIO()
    book.save(data)
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)
    ]
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [' + "".join(entities) + "]>"
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "&lol9;</workbook>"
    ).encode()
    poisoned = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data.getvalue())) as source_zip,
        zipfile.ZipFile(poisoned, "w") as target,
    ):
        for item in source_zip.infolist():
            content = source_zip.read(item.filename)
            target.writestr(item, laughs if item.filename == "xl/workbook.xml" else content)

    response = preview(importer, Statistic, poisoned.getvalue(), "lol.xlsx", XLSX_FORMAT)

    (error,) = response.context["form"].errors["import_file"]
    assert error == "The file cannot be read as an XLSX workbook (EntitiesForbidden)."


def test_csv_that_is_not_utf8_is_refused(importer):
    response = preview(importer, Statistic, "slug\r\n\u043f\u0440\u0438\r\n".encode("cp1251"))

    (error,) = response.context["form"].errors["import_file"]
    assert error.startswith("The file is not UTF-8 text (byte 6)")


# Who may import ----------------------------------------------------------------------------


@pytest.mark.parametrize("model", IMPORTED, ids=model_id)
def test_changelist_shows_the_import_button_to_editors_only(importer, reader_staff, model):
    link = f"href='{admin_url(model, 'import')}'"

    assert link in importer.get(admin_url(model, "changelist")).content.decode()
    assert link not in reader_staff.get(admin_url(model, "changelist")).content.decode()


def test_user_who_may_not_add_cannot_import(reader_staff, importer, source):
    content = statistic_csv(statistic_row("sneaky"))
    preview_page = preview(importer, Statistic, content)
    confirmation = preview_page.context["confirm_form"].initial

    assert reader_staff.get(admin_url(Statistic, "import")).status_code == HTTPStatus.FORBIDDEN
    assert preview(reader_staff, Statistic, content).status_code == HTTPStatus.FORBIDDEN
    response = reader_staff.post(admin_url(Statistic, "process_import"), confirmation)
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert not Statistic.objects.exists()


def test_confirm_of_an_upload_this_session_did_not_preview_imports_nothing(
    importer, editor, source
):
    response = preview(importer, Statistic, statistic_csv(statistic_row("theirs")))
    confirmation = response.context["confirm_form"].initial
    other = Client()
    other.force_login(editor)  # the same user, another session

    page = other.post(admin_url(Statistic, "process_import"), confirmation, follow=True)

    assert "This upload cannot be imported any more" in page.content.decode()
    assert not Statistic.objects.exists()
    # Nor into another model's admin, from the session that previewed it.
    page = importer.post(admin_url(HostPolicy, "process_import"), confirmation, follow=True)
    assert "This upload cannot be imported any more" in page.content.decode()
    assert not HostPolicy.objects.exists()


def test_upload_is_removed_once_imported_or_refused(importer, source):
    refused = preview(importer, Statistic, statistic_csv(statistic_row("x", metric="no")))
    name = refused.context["form"].cleaned_data["import_file"].tmp_storage_name
    assert not os.path.exists(UploadStorage(name=name).path())

    response = preview(importer, Statistic, statistic_csv(statistic_row("y")))
    path = UploadStorage(name=response.context["confirm_form"].initial["import_file_name"]).path()
    assert os.path.exists(path)
    confirm(importer, Statistic, response)
    assert not os.path.exists(path)


def test_row_naming_a_record_of_a_user_who_may_not_change_it_is_refused(editor, source):
    make_statistic(source, slug="someone-elses", publication_status="draft")
    editor.user_permissions.remove(Permission.objects.get(codename="change_statistic"))
    editor.is_staff = True
    editor.save()
    client = Client()
    client.force_login(editor)

    response = preview(client, Statistic, statistic_csv(statistic_row("someone-elses")))

    assert row_errors(response) == {1: {"slug": ["This slug is taken; choose another."]}}
