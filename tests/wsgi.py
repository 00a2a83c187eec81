"""Requests asked of the WSGI application as gunicorn calls it (exile_api.wsgi's handler,
with the read cache's front and the express lane before the request handling), and what it
answered."""

from django.core.signals import request_started

from exile_api.handler import Handler


class Answer:
    """What the WSGI application sent for one request, and whether the request handling
    behind the front and the express lane ran for it (Django's request_started)."""

    def __init__(self, status, headers, content, handled):
        self.status, self.headers, self.content, self.handled = status, headers, content, handled

    def header(self, name):
        return dict(self.headers).get(name)

    def without(self, *names):
        return [(name, value) for name, value in self.headers if name not in names]


def wsgi_get(rf, path, method="get", **headers):
    """``path`` asked of the WSGI application gunicorn serves, as a server calls it."""
    environ = getattr(rf, method)(path, **headers).environ
    sent, handled = {}, []

    def start_response(status, response_headers, exc_info=None):
        sent.update(status=status, headers=response_headers)

    def started(**kwargs):
        handled.append(True)

    request_started.connect(started)
    try:
        body = Handler()(environ, start_response)
        try:
            content = b"".join(body)
        finally:
            if hasattr(body, "close"):
                body.close()
    finally:
        request_started.disconnect(started)
    return Answer(sent["status"], sent["headers"], content, bool(handled))
