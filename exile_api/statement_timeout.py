"""A time limit on each database statement of an anonymous API read.

An anonymous GET or HEAD under /api/ runs with PostgreSQL's ``statement_timeout`` at
ANONYMOUS_STATEMENT_TIMEOUT_MS; a statement that takes longer is cancelled (SQLSTATE 57014,
query_canceled) and the client gets a 503 problem with Retry-After (resources.api.errors), rather
than a worker and a database backend held for as long as the query runs. Authenticated
clients (an API key, an editor's session) and writes keep the server's own setting.

The setting is a session's (``SET``, not ``SET LOCAL``: anonymous reads run outside any
transaction, and a streamed CSV runs its queries after the view has returned). So that a
persistent connection (CONN_MAX_AGE) never carries it to another request, every request sets
what it needs before it runs: each open connection is told the request's timeout, or its
``RESET``, when it differs from what the connection was last told; a connection opened during
the request (a replica's, or one opened while a CSV streams) is told when it connects. A
request never ends without the next one on that thread setting its own, so nothing needs
undoing at the end. The SET runs at the start of the request, in autocommit mode, so no
rollback can undo it behind our back (ATOMIC_REQUESTS stays off).
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import connections
from django.db.backends.signals import connection_created

from exile_api import read_cache
from exile_api.middleware import is_anonymous, stream_with

# The statement_timeout (ms) of the request being served; None: the server's own setting.
request_timeout = ContextVar("request_statement_timeout", default=None)
# On each connection: the timeout it was last told (None: never, or RESET since).
TOLD = "anonymous_statement_timeout"


def timeout_for(request):
    """The statement timeout (ms) ``request`` runs under; None for the server's own."""
    limit = settings.ANONYMOUS_STATEMENT_TIMEOUT_MS
    if (
        limit
        and request.method in ("GET", "HEAD")
        and request.path_info.startswith("/api/")
        and is_anonymous(request)
    ):
        return limit
    return None


def tell(connection, timeout):
    """Make ``connection``'s session run under ``timeout`` (None: the server's own)."""
    if connection.connection is None:
        return  # not connected: told when it connects (on_connect)
    if getattr(connection, TOLD, None) == timeout:
        return
    with connection.cursor() as cursor:
        if timeout is None:
            cursor.execute("RESET statement_timeout")
        else:
            cursor.execute("SET statement_timeout = %s", [int(timeout)])
    setattr(connection, TOLD, timeout)


def on_connect(sender, connection, **kwargs):
    """A new session has the server's setting; one opened for an anonymous read is told."""
    setattr(connection, TOLD, None)
    timeout = request_timeout.get()
    if timeout is not None:
        tell(connection, timeout)


connection_created.connect(on_connect, dispatch_uid="exile_api.statement_timeout.on_connect")


@contextmanager
def statements_under(timeout):
    """Run the statements of the block under ``timeout`` (ms; None: the server's own), on
    every connection open now or opened in the block."""
    token = request_timeout.set(timeout)
    try:
        for connection in connections.all(initialized_only=True):
            tell(connection, timeout)
        yield
    finally:
        request_timeout.reset(token)


class StatementTimeoutMiddleware:
    """Run each request's statements under its statement timeout (see the module)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info in read_cache.database_probe_paths():
            # Its SELECT 1 needs no limit, and a SET that fails would answer for it.
            return self.get_response(request)
        timeout = timeout_for(request)
        with statements_under(timeout):
            response = self.get_response(request)
        if timeout is not None and response.streaming:
            response.streaming_content = stream_with(
                response.streaming_content, request_timeout, timeout
            )
        return response
