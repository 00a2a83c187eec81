"""Create a database afresh on the server of DATABASE_URL and print its URL.

    python scripts/fresh_db.py NAME

scripts/fuzz.sh and scripts/contract.sh start each run from the seed data alone: the database
NAME is dropped (with its connections) and created empty. psycopg2 rather than psql, so that
any DATABASE_URL works (a password, another host); without DATABASE_URL, the local cluster of
scripts/devdb.sh, as in exile_api/settings.py.
"""

import os
import re
import sys
from urllib.parse import urlsplit

import dj_database_url
import psycopg2


def main(name):
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        sys.exit(f"fresh_db: {name!r} is not a plain lower-case database name")
    port = os.environ.get("DEV_DB_PORT") or "54329"
    url = os.environ.get("DATABASE_URL") or f"postgres://exile@127.0.0.1:{port}/exile_api"
    config = dj_database_url.parse(url)
    connection = psycopg2.connect(
        dbname="postgres",
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        host=config["HOST"] or None,
        port=config["PORT"] or None,
    )
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()
    print(urlsplit(url)._replace(path=f"/{name}", query="").geturl())


if __name__ == "__main__":
    main(sys.argv[1])
