"""Django on psycopg2, the project's PostgreSQL driver, with psycopg 3 installed beside it.

procrastinate (the task queue of ``resources/tasks.py``) needs psycopg 3 for its worker's
connections, and Django's PostgreSQL backend takes psycopg 3 whenever it can import it,
which would change the driver under every query of the app (its errors, its adaptation,
its cursors). ``use_psycopg2`` makes Django's backend choose psycopg2, once, before anything
imports it: ``import psycopg`` fails while the backend's modules load, and works again
after (procrastinate's worker imports it). ``tests/exile_api/test_driver.py`` checks both.
"""

import importlib
import sys

# The modules of Django's backend that choose a driver when they are imported.
CHOOSING = ("django.db.backends.postgresql.psycopg_any", "django.db.backends.postgresql.base")


def use_psycopg2() -> None:
    if any(module in sys.modules for module in CHOOSING):
        return  # chosen already
    hidden = {
        name: sys.modules.pop(name)
        for name in list(sys.modules)
        if name == "psycopg" or name.startswith("psycopg.")
    }
    sys.modules["psycopg"] = None  # type: ignore[assignment]  # import psycopg: ImportError
    try:
        for module in CHOOSING:
            importlib.import_module(module)
    finally:
        del sys.modules["psycopg"]
        sys.modules.update(hidden)
