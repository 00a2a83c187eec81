"""Prepared statements (exile_api/prepared.py): the same rows as the plain statement, prepared
once per database session."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import connection, connections

from exile_api import prepared

# Every type a parameter may have, and text a driver must escape: quotes, a backslash, a
# percent sign, a placeholder's look-alike, non-ASCII.
SQL = (
    "SELECT %s::text || '%%', %s::bigint + 1, NOT %s, %s * 2, %s + 1, %s, "
    "COALESCE(%s, ''), length(%s)"
)
PARAMS = (
    "it's 50% off \\ %s",
    41,
    False,
    Decimal("1.25"),
    date(2024, 2, 28),
    datetime(2024, 1, 1, 12, 30, tzinfo=UTC),
    "Рига",
    "",
)


def plain_row(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def prepared_row(sql, params, **options):
    with connection.cursor() as cursor:
        prepared.execute(cursor, connection, sql, params, **options)
        return cursor.fetchone()


@pytest.mark.django_db
@pytest.mark.parametrize("constants", [0, 1, 4, len(PARAMS)])
def test_prepared_statement_answers_as_the_plain_statement(constants):
    assert prepared_row(SQL, PARAMS, constants=constants) == plain_row(SQL, PARAMS)


@pytest.mark.django_db
def test_statement_without_parameters():
    assert prepared_row("SELECT 'a%%b'", ()) == plain_row("SELECT 'a%%b'", ())


def session_statements(wrapper):
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements")
        return [name for (name,) in cursor.fetchall()]


@pytest.mark.django_db
def test_statement_is_prepared_once_per_session():
    wrapper = connections.create_connection("default")
    try:
        for _ in range(3):
            with wrapper.cursor() as cursor:
                prepared.execute(cursor, wrapper, "SELECT %s::bigint", (1,))
        name = prepared.statement("SELECT %s::bigint", (int,))[0]
        assert session_statements(wrapper) == [name]

        wrapper.close()  # a new session: prepared again, on first use
        with wrapper.cursor() as cursor:
            prepared.execute(cursor, wrapper, "SELECT %s::bigint", (2,))
            assert cursor.fetchone() == (2,)
        assert session_statements(wrapper) == [name]
    finally:
        wrapper.close()


def test_placeholders_are_numbered_and_percent_signs_unescaped():
    assert prepared.numbered("SELECT %s, '%%s', %s") == "SELECT $1, '%s', $2"
