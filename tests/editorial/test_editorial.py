"""The editorial services are the one way to write a curated record and record the change."""

import ast
from pathlib import Path

import resources

APP = Path(resources.__file__).parent
# Where record_change may be called: the services, and the history itself (the changes made
# outside the app, which no service made).
ALLOWED = {APP / "editorial" / "services.py", APP / "editorial" / "history.py"}


def calls_of(name, path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            called = node.func
            called_name = (
                called.attr if isinstance(called, ast.Attribute) else getattr(called, "id", None)
            )
            if called_name == name:
                yield node.lineno


def test_record_change_is_called_only_by_the_editorial_services():
    callers = {
        f"{path.relative_to(APP)}:{line}"
        for path in APP.rglob("*.py")
        if path not in ALLOWED and "migrations" not in path.parts
        for line in calls_of("record_change", path)
    }

    assert callers == set()
    assert list(calls_of("record_change", APP / "editorial" / "services.py"))
