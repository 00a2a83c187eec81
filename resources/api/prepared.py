"""Statements PostgreSQL plans once per connection, not at every request.

Planning a statement that builds JSON with dozens of correlated subqueries (the country
profile's) costs PostgreSQL about as much as running it. A ``PreparedStatement`` is compiled
by Django once, with the values that vary from request to request left as ``Parameter``s;
each connection PREPAREs it the first time it runs it, and EXECUTEs it from then on:
PostgreSQL plans the first few runs, then keeps a generic plan when that costs no more than
planning each run (``plan_cache_mode``'s default).

A prepared statement lives as long as its session. Each connection remembers the names it
prepared, forgotten when it (re)connects (``connection_created``); a run that fails leaves
them unknown (the PREPARE may have stayed although the EXECUTE failed: PREPARE is not
undone by a rollback), and the next run starts with DEALLOCATE ALL, as one does when the
connection holds ``MOST_PREPARED`` already. A session must stay one
server session: no PgBouncer in transaction mode, which the advisory locks of costly reads
rule out already (README, Security).
"""

import hashlib
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created
from django.db.models import Expression, Field
from django.db.models.sql.compiler import SQLCompiler

# On each connection: the names of the statements it has prepared; None: not known.
PREPARED = "prepared_statements"
# At most this many on a connection, each with its plan: one per host, language and kind of
# reader of the profile, a handful; a client sending many Host names must not fill the
# server's memory with plans.
MOST_PREPARED = 16


def on_connect(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """A new session has prepared nothing."""
    setattr(connection, PREPARED, set())


connection_created.connect(on_connect, dispatch_uid="resources.api.prepared.on_connect")


class Parameter(Expression):
    """A value given each time a prepared statement runs, where a query would hold the value
    itself (``filter(country_id=Parameter("country", CharField()))``)."""

    def __init__(self, name: str, output_field: "Field[Any, Any]") -> None:
        super().__init__(output_field=output_field)
        self.name = name

    # Its "value", until the statement runs, is the parameter itself: not a value the stubs
    # allow.
    def as_sql(  # type: ignore[override]
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, list[Any]]:
        return "%s", [self]


class Placeholder:
    """A parameter's ``$n`` in the text of a PREPARE, as psycopg2's quoting writes it (its
    adaptation protocol: ``__conform__``, then ``getquoted``)."""

    def __init__(self, number: int) -> None:
        self.number = number

    def __conform__(self, protocol: Any) -> "Placeholder":
        return self

    def getquoted(self) -> bytes:
        return f"${self.number}".encode()


class PreparedStatement:
    """A query Django compiled (``sql`` and ``params``, some of them ``Parameter``s), run as
    a statement each connection prepares once."""

    def __init__(self, sql: str, params: tuple[Any, ...]) -> None:
        self.sql, self.params = sql, params
        parameters = {p.name: p for p in params if isinstance(p, Parameter)}
        self.parameters = tuple(parameters.values())
        # The text of the PREPARE and its name (of that text: the same statement compiled
        # again has the same name), once a connection can quote the other values.
        self.text = self.name = ""

    def run(self, connection: BaseDatabaseWrapper, **values: Any) -> tuple[Any, ...] | None:
        """The statement's one row (None if it has none), given each parameter's value."""
        if not self.text:
            self.prepare_text(connection)
        prepared: set[str] | None = getattr(connection, PREPARED, None)
        steps = []
        if prepared is None or self.name not in prepared:
            if prepared is None or len(prepared) >= MOST_PREPARED:
                steps.append("DEALLOCATE ALL")
                prepared = set()
            steps.append(self.text.replace("%", "%%"))
        placeholders = ", ".join(["%s"] * len(self.parameters))
        steps.append(f"EXECUTE {self.name}({placeholders})")
        setattr(connection, PREPARED, None)  # not known, until the run succeeds
        with connection.cursor() as cursor:
            cursor.execute("; ".join(steps), [values[p.name] for p in self.parameters])
            row = cursor.fetchone()
        setattr(connection, PREPARED, prepared | {self.name})
        return row

    def prepare_text(self, connection: BaseDatabaseWrapper) -> None:
        numbers = {p.name: number for number, p in enumerate(self.parameters, start=1)}
        params = [
            Placeholder(numbers[p.name]) if isinstance(p, Parameter) else p for p in self.params
        ]
        with connection.cursor() as cursor:
            body = cursor.mogrify(self.sql, params).decode()
        types = ", ".join(str(p.output_field.db_type(connection)) for p in self.parameters)
        self.name = "s" + hashlib.sha256(f"{types}|{body}".encode()).hexdigest()[:32]
        self.text = f"PREPARE {self.name}({types}) AS {body}"
