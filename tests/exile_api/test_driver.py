"""Django runs on psycopg2 although psycopg 3 is installed for the task queue's worker
(exile_api/driver.py)."""

import psycopg
import psycopg2
from django.db import connection
from procrastinate.contrib.django import app
from procrastinate.psycopg_connector import PsycopgConnector


def test_django_queries_through_psycopg2(db):
    assert connection.Database is psycopg2
    connection.ensure_connection()
    assert isinstance(connection.connection, psycopg2.extensions.connection)


def test_the_worker_connects_with_psycopg3(db):
    assert psycopg.__version__.startswith("3.")
    assert isinstance(app.connector.get_worker_connector(), PsycopgConnector)
