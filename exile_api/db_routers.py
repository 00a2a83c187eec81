"""Reads on PostgreSQL streaming replicas, writes on the primary.

With DATABASE_REPLICA_URLS set, settings.py adds the aliases replica1, replica2, ... and this
router. A request's reads go to a replica picked at random, unless the request is pinned to
the primary (``pinned_to_primary``, set by exile_api.middleware.ReplicaPinningMiddleware for
writes and for a client's reads right after its own write): a replica may lag behind, and a
client must never miss what it has just written. Outside a request (migrations, management
commands, the shell) everything stays on the primary: such code reads back what it has just
written, and a migration's new tables may not have reached a replica yet. Writes and
migrations go to the primary only.
"""

import random
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS

# Whether reads must go to the primary: yes, unless the middleware says this request may read
# a replica (it sets and resets the value around each request).
pinned_to_primary = ContextVar("pinned_to_primary", default=True)

# Per-client state that must never be read stale: the cache (the pin itself, throttle counts)
# and sessions (a login is followed at once by requests that read its session).
PRIMARY_ONLY_APPS = frozenset({"django_cache", "sessions"})


def replica_aliases():
    """The configured replica aliases (replica1, replica2, ...), in order."""
    return [alias for alias in settings.DATABASES if alias.startswith("replica")]


class PrimaryReplicaRouter:
    """Route reads to a random replica, writes (and pinned reads) to the primary."""

    def db_for_read(self, model, **hints):
        if pinned_to_primary.get() or model._meta.app_label in PRIMARY_ONLY_APPS:
            return DEFAULT_DB_ALIAS
        replicas = replica_aliases()
        return random.choice(replicas) if replicas else DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # Every alias holds the same data: the replicas are copies of the primary.
        known = {DEFAULT_DB_ALIAS, *replica_aliases()}
        if obj1._state.db in known and obj2._state.db in known:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS
