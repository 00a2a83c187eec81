"""Project-wide request guards that must run before any view reads the request."""

from django.conf import settings
from django.http import JsonResponse


class RequestBodyLimitMiddleware:
    """Refuse oversized request bodies with 413 before they are read into memory.

    Django's own DATA_UPLOAD_MAX_MEMORY_SIZE check answers 400 and only once a view reads the
    body; clients deserve the precise status, and the server should not read the bytes at all.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.MAX_REQUEST_BODY_BYTES
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return JsonResponse({"detail": "Invalid Content-Length header."}, status=400)
        if length > limit:
            return JsonResponse(
                {"detail": f"Request body too large: {length} bytes, the limit is {limit}."},
                status=413,
            )
        return self.get_response(request)
