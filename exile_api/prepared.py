"""Statements PostgreSQL plans once per database session: the hottest reads' SQL, run as
prepared statements (``PREPARE`` once, then ``EXECUTE``).

Planning a statement of many subqueries (a statistic's JSON, built by PostgreSQL) takes
several times as long as running it for one record, and a plain query is planned anew each
time it is sent. A prepared statement is planned at its first executions and, once PostgreSQL
finds a plan that suits any parameters (a generic plan, after five), not again.

The first ``execute`` of a statement on a session sends its ``PREPARE`` first; every one
sends ``EXECUTE``. The names a session has prepared are kept on its connection and forgotten
when a new session opens (``connection_created``): PREPARE outlives any transaction, rolled
back or not, and ends with its session. A statement's name is a digest of its SQL and its
parameters' types, so the same statement is prepared once per session whoever runs it.
Behind a pooler in transaction mode (PgBouncer's default) sessions are shared and this does
not hold: as for the costly-read slots (``exile_api.concurrency``), point DATABASE_URL at
PostgreSQL or a session-mode pool.
"""

import functools
import hashlib
import re
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.backends.signals import connection_created

# On each Django connection (per thread): the names its session has prepared.
PREPARED = "prepared_statements"
# Django's placeholders: %s for a parameter, %% for a literal percent sign.
PLACEHOLDER = re.compile(r"%([%s])")
# Python type of a parameter -> its type in PostgreSQL; bool before int (a bool is an int),
# datetime before date (likewise).
PARAMETER_TYPES: tuple[tuple[type, str], ...] = (
    (str, "text"),
    (bool, "boolean"),
    (int, "bigint"),
    (float, "double precision"),
    (Decimal, "numeric"),
    (datetime, "timestamp with time zone"),
    (date, "date"),
)


@functools.lru_cache(maxsize=256)
def statement_name(sql: str, types: str) -> str:
    """The name of ``sql`` with parameters of ``types``, the same in every session."""
    digest = hashlib.blake2b(f"{sql}\n{types}".encode(), digest_size=8).hexdigest()
    return f"exile_{digest}"


def numbered(sql: str) -> str:
    """``sql`` with Django's %s placeholders as PostgreSQL's $1, $2, ... (PREPARE's form),
    and %% as the percent sign it stands for."""
    count = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal count
        if match.group(1) == "%":
            return "%"
        count += 1
        return f"${count}"

    return PLACEHOLDER.sub(replace, sql)


def parameter_type(value: Any) -> str:
    """The PostgreSQL type of a parameter, for PREPARE: it cannot always infer one (what
    type is ``COALESCE($1, '')``?), so each is declared, as psycopg2 would send its value."""
    for python_type, sql_type in PARAMETER_TYPES:
        if isinstance(value, python_type):
            return sql_type
    raise TypeError(f"No prepared statement parameter of type {type(value).__name__}.")


def execute(cursor: Any, connection: Any, sql: str, params: Sequence[Any]) -> None:
    """Run ``sql`` (Django's placeholders) with ``params`` on ``cursor``, a cursor of
    ``connection`` (a Django connection), as a prepared statement of its session."""
    types = ", ".join(parameter_type(value) for value in params)
    name = statement_name(sql, types)
    prepared = connection.__dict__.setdefault(PREPARED, set())
    if name not in prepared:
        # A round trip of its own, once per session: if the statement that follows fails
        # (a cancelled statement), what this one prepared stays known. On the driver's
        # cursor, under Django's error mapping: the session's set-up, once, is not counted
        # among the queries of the request that happens to run it first.
        declared = f"({types}) " if params else ""
        with connection.wrap_database_errors:
            getattr(cursor, "cursor", cursor).execute(
                f"PREPARE {name} {declared}AS {numbered(sql)}"
            )
        prepared.add(name)
    arguments = ", ".join(["%s"] * len(params))
    cursor.execute(f"EXECUTE {name}({arguments})" if params else f"EXECUTE {name}", params)


def forget_prepared(sender: Any, connection: Any, **kwargs: Any) -> None:
    """A new session has prepared nothing, whatever the old one of this connection had."""
    connection.__dict__[PREPARED] = set()


connection_created.connect(forget_prepared, dispatch_uid="exile_api.prepared.forget_prepared")
