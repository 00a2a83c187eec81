"""Project-wide middleware: request guards that run before any view reads the request, and
the HTTP caching headers of API responses."""

from django.conf import settings
from django.http import JsonResponse
from django.utils.cache import patch_cache_control, patch_vary_headers


class RequestLimitsMiddleware:
    """Refuse oversized requests before anything reads them: a body over
    MAX_REQUEST_BODY_BYTES is a 413, a query string over MAX_QUERY_STRING_BYTES a 414.

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
        query_length = len(request.META.get("QUERY_STRING", ""))
        if query_length > settings.MAX_QUERY_STRING_BYTES:
            return JsonResponse(
                {
                    "detail": f"Query string too long: {query_length} bytes, the limit is "
                    f"{settings.MAX_QUERY_STRING_BYTES}."
                },
                status=414,
            )
        return self.get_response(request)


class ApiCacheHeadersMiddleware:
    """Cache-Control and Vary on every response under /api/, for browsers and shared caches.

    A successful read (GET or HEAD, 200 or 304) by an anonymous client is the same for everyone:
    ``public`` for API_CACHE_MAX_AGE seconds. One by an authenticated client may hold what only
    that user may see, and one that sets a cookie must not hand it to others: ``private,
    no-cache`` (stored by the browser alone, revalidated by ETag each time). Writes, errors
    and everything else: ``no-store``. A view that set its own Cache-Control keeps it. The
    response varies by what picks its format and language and by who asks. Outside /api/
    (the admin, static files) nothing is touched.
    """

    VARY = ("Accept", "Accept-Language", "Authorization", "Cookie")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path_info.startswith("/api/"):
            return response
        patch_vary_headers(response, self.VARY)
        if response.has_header("Cache-Control"):
            return response
        if request.method not in {"GET", "HEAD"} or response.status_code not in {200, 304}:
            patch_cache_control(response, no_store=True)
        elif is_anonymous(request) and not response.cookies:
            patch_cache_control(response, public=True, max_age=settings.API_CACHE_MAX_AGE)
        else:
            patch_cache_control(response, private=True, no_cache=True)
        return response


def is_anonymous(request):
    """Whether the request carries no credentials: no Authorization header, no session user."""
    if "Authorization" in request.headers:
        return False
    # A response cut short before AuthenticationMiddleware ran has no user; DRF sets the user
    # its own authentication found on the underlying request, so this sees that one too.
    user = getattr(request, "user", None)
    return user is None or not user.is_authenticated
