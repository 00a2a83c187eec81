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
def statement(sql: str, signature: tuple[type, ...]) -> tuple[str, str, str]:
    """The name, the PREPARE and the EXECUTE (Django's placeholders) of ``sql`` with
    parameters of Python types ``signature``: the name is the same in every session."""
    types = ", ".join(parameter_type(python_type) for python_type in signature)
    digest = hashlib.blake2b(f"{sql}\n{types}".encode(), digest_size=8).hexdigest()
    name = f"exile_{digest}"
    if not signature:
        return name, f"PREPARE {name} AS {numbered(sql)}", f"EXECUTE {name}"
    arguments = ", ".join(["%s"] * len(signature))
    return name, f"PREPARE {name} ({types}) AS {numbered(sql)}", f"EXECUTE {name}({arguments})"


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


def parameter_type(python_type: type) -> str:
    """The PostgreSQL type of a parameter, for PREPARE: it cannot always infer one (what
    type is ``COALESCE($1, '')``?), so each is declared, as psycopg2 would send its value."""
    for python, sql_type in PARAMETER_TYPES:
        if issubclass(python_type, python):
            return sql_type
    raise TypeError(f"No prepared statement parameter of type {python_type.__name__}.")


def execute(
    cursor: Any, connection: Any, sql: str, params: Sequence[Any], *, constants: int = 0
) -> None:
    """Run ``sql`` (Django's placeholders) with ``params`` on ``cursor``, a cursor of
    ``connection`` (a Django connection), as a prepared statement of its session.

    ``constants``: how many of the first parameters are the same from one execution to the
    next (a JSON document's keys and URL prefixes). The driver binds parameters by escaping
    each into the statement's text, which for some seventy strings costs more than running
    the statement: those are escaped once, into the EXECUTE's text, and only the others are
    bound each time."""
    name, prepare, run = statement(sql, tuple(map(type, params)))
    prepared = connection.__dict__.setdefault(PREPARED, set())
    if name not in prepared:
        # A round trip of its own, once per session: if the statement that follows fails
        # (a cancelled statement), what this one prepared stays known. On the driver's
        # cursor, under Django's error mapping: the session's set-up, once, is not counted
        # among the queries of the request that happens to run it first.
        with connection.wrap_database_errors:
            getattr(cursor, "cursor", cursor).execute(prepare)
        prepared.add(name)
    if constants:
        run = with_constants(connection, name, tuple(params[:constants]), len(params) - constants)
        params = params[constants:]
    cursor.execute(run, params)


# (statement name, constants) -> its EXECUTE with them escaped in, the rest as placeholders.
_bound: dict[tuple[str, tuple[Any, ...]], str] = {}
BOUND_LIMIT = 256


def with_constants(connection: Any, name: str, constants: tuple[Any, ...], free: int) -> str:
    """The EXECUTE of statement ``name`` with ``constants`` escaped into its text by the
    driver, then ``free`` placeholders (Django's) for the parameters bound each time."""
    key = (name, constants)
    run = _bound.get(key)
    if run is None:
        escaped = connection.ops.compose_sql(", ".join(["%s"] * len(constants)), constants)
        placeholders = ", ".join([escaped.replace("%", "%%"), *["%s"] * free])
        run = f"EXECUTE {name}({placeholders})"
        if len(_bound) >= BOUND_LIMIT:  # hosts and languages are few; never grow unbounded
            _bound.clear()
        _bound[key] = run
    return run


def forget_prepared(sender: Any, connection: Any, **kwargs: Any) -> None:
    """A new session has prepared nothing, whatever the old one of this connection had."""
    connection.__dict__[PREPARED] = set()


connection_created.connect(forget_prepared, dispatch_uid="exile_api.prepared.forget_prepared")
