"""Queries compiled once, run as prepared statements: ``Parameter``s where a query's values
vary from request to request.

Building and compiling the country profile's querysets (five lists of JSON documents, some
forty subqueries) costs more than running them, and PostgreSQL spends about as long planning
the statement as running it. A ``PreparedStatement`` is compiled by Django once, with each
varying value a ``Parameter``; each run hands the values to ``exile_api.prepared``, which
PREPAREs the statement once per database session and EXECUTEs it from then on (and keeps
which session has prepared what).
"""

from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Expression, Field
from django.db.models.sql.compiler import SQLCompiler

from exile_api import prepared


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


class PreparedStatement:
    """A query Django compiled once (``sql`` and ``params``, some of them ``Parameter``s),
    run as a prepared statement of each session (``exile_api.prepared``, which keeps what each
    session has prepared): only the parameters' values change from run to run."""

    def __init__(self, sql: str, params: tuple[Any, ...]) -> None:
        self.sql, self.params = sql, params

    def run(self, connection: BaseDatabaseWrapper, **values: Any) -> tuple[Any, ...] | None:
        """The statement's one row (None if it has none), given each parameter's value."""
        params = [
            values[param.name] if isinstance(param, Parameter) else param for param in self.params
        ]
        with connection.cursor() as cursor:
            prepared.execute(cursor, connection, self.sql, params)
            row: tuple[Any, ...] | None = cursor.fetchone()
        return row
