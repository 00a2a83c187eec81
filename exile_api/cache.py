"""The shared cache's database backend: Django's database cache, whose lookup of a read
cache entry also reads the data's state, in one query.

A read cache hit must know the current public version (and whether changes made outside the
app wait to be recorded) before it may replay an entry (``exile_api.read_cache``): with the
cache in PostgreSQL, both come from the same database, so one round trip answers both instead
of two, a statement prepared once per session (``exile_api.prepared``): planning it took four
times as long as running it. Entries are stored and decoded exactly as Django's DatabaseCache
stores them.
"""

import base64
import functools
import pickle

from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.db import DEFAULT_DB_ALIAS, connections, router
from django.utils.timezone import now

from exile_api import prepared


@functools.cache
def state_and_entry_sql(table):
    """The statement of ``get_with_state`` for the cache table ``table`` (quoted)."""
    return (
        "SELECT (SELECT value FROM resources_publicversion),"
        " EXISTS (SELECT 1 FROM resources_pendingchange),"
        f" (SELECT value FROM {table} WHERE cache_key = %s AND expires >= %s::timestamptz)"
    )


class DatabaseCache(DjangoDatabaseCache):
    """Django's database cache, plus ``get_with_state``."""

    def get_with_state(self, key, cursor=None, connection=None):
        """``(version, waiting, value)``: the public version, whether changes made outside
        the app wait to be recorded, and the entry under ``key`` (None when missing or
        expired), in one prepared statement on the primary (``cursor``: one of the primary's
        ``connection``, else a new one). None when the cache table is elsewhere."""
        if router.db_for_read(self.cache_model_class) != DEFAULT_DB_ALIAS:
            return None
        connection = connection or connections[DEFAULT_DB_ALIAS]
        # The moment as text: binding a datetime costs the driver more than the statement's
        # execution; PostgreSQL reads the ISO form back to the same instant.
        params = [self.make_and_validate_key(key), now().isoformat()]
        sql = state_and_entry_sql(connection.ops.quote_name(self._table))
        if cursor is None:
            with connection.cursor() as cursor:
                prepared.execute(cursor, connection, sql, params)
                version, waiting, value = cursor.fetchone()
        else:
            prepared.execute(cursor, connection, sql, params)
            version, waiting, value = cursor.fetchone()
        if value is not None:
            value = pickle.loads(base64.b64decode(connection.ops.process_clob(value).encode()))
        return version, waiting, value
