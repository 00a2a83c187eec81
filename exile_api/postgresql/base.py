"""Django's PostgreSQL backend, whose health check costs no round trip on a live connection.

With CONN_HEALTH_CHECKS, Django checks a persistent connection before the first query of
each request: ``SELECT 1``, a round trip as long as a whole cached read's query, on every
request. Yet a connection the server has ended (restarted, crashed, killed, terminated by
an administrator, timed out) tells it on its socket: the server's last message and the end
of the stream wait there to be read, and nothing else does on an idle connection. So the
socket is asked first, without waiting: with nothing to read, the connection is as alive
as a check can tell and is used as is; with anything to read, Django's own check runs and,
if the connection is dead, replaces it before the request uses it. A peer that vanished
without a word (a cable cut) goes unseen by both, until TCP keepalives
(DATABASE_CONNECTION_OPTIONS) end the connection.
"""

import select

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def close_if_health_check_failed(self):
        if (
            self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
            and quiet(self.connection)
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()


def quiet(connection):
    """Whether the driver's ``connection`` is open, with nothing from the server to read."""
    if connection.closed:
        return False
    poller = select.poll()
    poller.register(connection.fileno(), select.POLLIN | select.POLLPRI)
    return not poller.poll(0)
