"""export_dataset of an empty database, and import_dataset refusing files it cannot read.

tests/dataset/test_dataset_export.py checks the round trip of the seed; its tests share one load of
the seed per module (``seeded``), so the ones that need an empty database are here.
"""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.dataset.test_dataset_export import import_file, row_counts

# Export -----------------------------------------------------------------------------------


def test_export_dataset_on_empty_database_writes_every_section_empty_in_load_order(db):
    output = StringIO()

    call_command("export_dataset", stdout=output)

    assert output.getvalue() == (
        "{\n"
        '  "sources": [],\n'
        '  "exile_groups": [],\n'
        '  "organizations": [],\n'
        '  "media_outlets": [],\n'
        '  "statistics": [],\n'
        '  "policies": []\n'
        "}\n"
    )


# Unreadable files -------------------------------------------------------------------------


BAD_FILES = [
    pytest.param(
        "bad.json",
        '{"sources": [}',
        "line 1, column 14: not valid JSON: Expecting value",
        id="json",
    ),
    pytest.param(
        "bad.yaml",
        "sources: [a\n",
        "line 2: not valid YAML: expected ',' or ']', but got '<stream end>'",
        id="yaml",
    ),
    pytest.param("list.json", "[]", ": expected a mapping of sections", id="json-list"),
    pytest.param("text.json", '"dataset"', ": expected a mapping of sections", id="json-string"),
    pytest.param("empty.json", "", "line 1, column 1: not valid JSON: Expecting value", id="empty"),
]


@pytest.mark.parametrize(("name", "content", "error"), BAD_FILES)
def test_import_dataset_with_unreadable_file_raises_command_error_with_path(
    db, tmp_path, name, content, error
):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    before = row_counts()

    with pytest.raises(CommandError) as raised:
        import_file(path)

    separator = "" if error.startswith(":") else ", "
    assert str(raised.value) == f"invalid dataset:\n  {path}{separator}{error}"
    assert row_counts() == before


def test_import_dataset_with_non_utf8_file_raises_command_error_with_path(db, tmp_path):
    path = tmp_path / "latin1.json"
    path.write_bytes('{"sources": [{"slug": "émigré"}]}'.encode("latin-1"))

    with pytest.raises(CommandError) as raised:
        import_file(path)

    assert str(raised.value) == f"invalid dataset:\n  {path}: not UTF-8 text (byte 23)"


def test_import_dataset_with_missing_file_raises_command_error_with_path(db, tmp_path):
    path = tmp_path / "missing.json"

    with pytest.raises(CommandError) as raised:
        import_file(path)

    assert str(raised.value) == f"invalid dataset:\n  {path}: No such file or directory"
