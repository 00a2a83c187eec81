"""Queries compiled once (resources/api/prepared.py), run as prepared statements of each
session (exile_api/prepared.py): right with any values, prepared once per connection, and
still right after a failed run or a reconnection."""

import pytest
from django.db import DatabaseError, connections, transaction
from django.db.models import CharField, IntegerField

from resources.api.prepared import Parameter, PreparedStatement

# The connection itself, not django.db.connection (a proxy to it): what a session has
# prepared is kept on the connection.
connection = connections["default"]


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
    before = prepared_names()

    with django_assert_num_queries(2):  # two EXECUTEs (the PREPARE is the session's set-up)
        assert statement.run(connection, n=1) == (2,)
        assert statement.run(connection, n=2) == (3,)
    # The same statement compiled again is the same prepared statement: no second PREPARE.
    again = PreparedStatement("SELECT %s + 1", (Parameter("n", IntegerField()),))
    assert again.run(connection, n=3) == (4,)
    assert len(prepared_names() - before) == 1


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

    assert prepared_names() == set()
    assert statement.run(connection, n=3) == (6,)
