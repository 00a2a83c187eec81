"""How many costly reads one client may have running at once, counted in PostgreSQL.

A client's slots are session advisory locks on the primary database: slot ``n`` of client
``c`` is the lock ``lock_key(c, n)``. A request takes the first free one
(``pg_try_advisory_lock``, which never waits) and gives it back when its response is closed,
after the last byte of a streamed CSV (``release_all``, on Django's request_finished signal).

Why advisory locks rather than counters in the shared cache: the count is exact across
gunicorn workers and app servers (they all share the primary), taking a slot is atomic (the
database cache's incr is a read then a write), and a slot can never leak: a lock belongs to a
database session, and a worker that dies mid-request closes its connection, which frees it
at once, where a cache counter would stay up until it expired. The cost is a query to take a
slot and one to free it, for costly reads only. Behind a pooler in transaction mode (PgBouncer's
default) session locks do not hold: point DATABASE_URL at PostgreSQL, or a session-mode pool.
"""

import hashlib

from django.core.signals import request_finished
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.backends.signals import connection_created

# On the default connection (per thread): the keys of the slots this session holds.
HELD = "costly_read_slots"


def lock_key(client, slot):
    """The advisory lock (a signed 64-bit key) of ``client``'s slot number ``slot``."""
    digest = hashlib.blake2b(f"costly-read:{client}:{slot}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def acquire(client, limit):
    """Take one of ``client``'s ``limit`` slots; False if they are all taken."""
    connection = connections[DEFAULT_DB_ALIAS]
    connection.ensure_connection()
    held = getattr(connection, HELD, None)
    if held is None:
        held = []
        setattr(connection, HELD, held)
    with connection.cursor() as cursor:
        for slot in range(limit):
            key = lock_key(client, slot)
            if key in held:
                # Session locks are re-entrant: this session taking its own slot again would
                # count one request twice as one.
                continue
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
            if cursor.fetchone()[0]:
                held.append(key)
                return True
    return False


def release_all(**kwargs):
    """Free every slot this thread's session holds (at the end of each request)."""
    connection = connections[DEFAULT_DB_ALIAS]
    held = getattr(connection, HELD, None)
    if not held:
        return
    setattr(connection, HELD, [])
    if connection.connection is None:
        return  # closed at the end of the request: the server freed its locks with it
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_unlock(key) FROM unnest(%s::bigint[]) AS key", [held]
            )
    except DatabaseError:
        # A session that cannot unlock must not live on holding the slots.
        connection.close()


def forget_held(sender, connection, **kwargs):
    """A new session holds no lock, whatever the old one of this connection held."""
    setattr(connection, HELD, [])


request_finished.connect(release_all, dispatch_uid="exile_api.concurrency.release_all")
connection_created.connect(forget_held, dispatch_uid="exile_api.concurrency.forget_held")
