"""The WSGI application's handler: Django's, with two answers tried before the request
handling, each for the plainest anonymous reads and each with the answer the request
handling would have given:

1. the read cache's front (``exile_api.read_cache.front``): a hit;
2. the express lane (``resources.api.express``): a record's detail, read cold.

Whatever they do not answer, or fail to, the request handling answers, with what they
learnt handed on in the environ; after it, each learns from its answer (the front stores
it, the lane records its shape).
"""

import logging

from django.core.handlers.wsgi import WSGIHandler

from exile_api import read_cache
from resources.api import express

logger = logging.getLogger(__name__)


class Handler(WSGIHandler):
    def __call__(self, environ, start_response):
        try:
            answer = read_cache.front(environ) or express.answer(environ)
        except Exception:
            # Whatever went wrong, the request handling answers the request (and its errors).
            logger.exception("Answering before the request handling failed; it goes through.")
            answer = None
        if answer is None:
            return super().__call__(environ, start_response)
        headers, content = answer
        start_response("200 OK", headers)
        return [content]

    def get_response(self, request):
        response = super().get_response(request)
        visit = request.META.get(read_cache.FRONT_VISIT)
        if visit is not None and visit.entry is not None:
            read_cache.store_front_form(visit, response)
        express.learn(request, response)
        return response
