"""Prepared statements (resources/api/prepared.py): compiled once, prepared once per
connection, and still right after a failed run or a reconnection."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import CharField, IntegerField

from resources.api.prepared import MOST_PREPARED, Parameter, PreparedStatement


def prepared_names():
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements")
        return {name for (name,) in cursor.fetchall()}


def test_constants_are_quoted_and_each_parameter_given_once_wherever_it_is_used(db):
    word = Parameter("word", CharField())
    statement = PreparedStatement(
        "SELECT %s || %s, %s, %s", ("it's 100% ", word, word, Parameter("n", IntegerField()))
    )

    assert statement.run(connection, word="sure", n=7) == ("it's 100% sure", "sure", 7)
    assert statement.run(connection, word="'; --", n=8) == ("it's 100% '; --", "'; --", 8)


def test_a_statement_is_prepared_once_per_connection(db, django_assert_num_queries):
    statement = PreparedStatement("SELECT %s + 1", (Parameter("n", IntegerField()),))

    with django_assert_num_queries(2):  # the PREPARE goes with the first EXECUTE
        assert statement.run(connection, n=1) == (2,)
        assert statement.run(connection, n=2) == (3,)
    assert statement.name in prepared_names()
    # The same statement compiled again has the same name: no second PREPARE.
    again = PreparedStatement("SELECT %s + 1", (Parameter("n", IntegerField()),))
    assert again.run(connection, n=3) == (4,)
    assert again.name == statement.name


def test_a_failed_first_run_leaves_the_statement_usable(db):
    # The EXECUTE fails after its PREPARE succeeded (which no rollback undoes): the next run
    # must neither prepare it again (an error: it exists) nor trust that it exists.
    statement = PreparedStatement("SELECT 10 / %s", (Parameter("d", IntegerField()),))

    with pytest.raises(DatabaseError), transaction.atomic():
        statement.run(connection, d=0)

    assert statement.run(connection, d=5) == (2,)
    assert statement.run(connection, d=2) == (5,)


# Outside a test transaction (the connection closes); the seed's countries restored afterwards.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_new_connection_prepares_the_statement_again():
    statement = PreparedStatement("SELECT %s * 2", (Parameter("n", IntegerField()),))
    assert statement.run(connection, n=2) == (4,)

    connection.close()

    assert statement.name not in prepared_names()
    assert statement.run(connection, n=3) == (6,)


def test_a_connection_holds_at_most_so_many_statements(db):
    statements = [
        PreparedStatement(f"SELECT %s + {number}", (Parameter("n", IntegerField()),))
        for number in range(MOST_PREPARED + 1)
    ]
    for number, statement in enumerate(statements):
        assert statement.run(connection, n=1) == (1 + number,)

    assert len(prepared_names()) <= MOST_PREPARED
    for number, statement in enumerate(statements):
        assert statement.run(connection, n=2) == (2 + number,)
