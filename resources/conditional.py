"""Last-Modified on reads, the date half of conditional requests.

Django's ConditionalGetMiddleware does the rest: it sets an ETag from the rendered body and
answers 304 to a matching If-None-Match, or to an If-Modified-Since no older than the
Last-Modified set here.
"""

from django.db.models import Max
from django.utils.http import http_date


class LastModifiedMixin:
    """Last-Modified on the list and detail responses of a viewset whose model has ``updated_at``.

    A list is as new as the newest record its filters match, on any page: one aggregate query.
    A detail is as new as its record. An empty list has no Last-Modified.
    """

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        # Without its ordering (by search rank, say): an aggregate has no use for it.
        queryset = self.filter_queryset(self.get_queryset()).order_by()
        set_last_modified(response, queryset.aggregate(latest=Max("updated_at"))["latest"])
        return response

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        set_last_modified(response, self.retrieved_updated_at)
        return response

    def get_object(self):
        instance = super().get_object()
        # Remembered for retrieve(), which does not hand the object on.
        self.retrieved_updated_at = instance.updated_at
        return instance


def set_last_modified(response, moment):
    """Set Last-Modified to ``moment`` (an aware datetime), unless it is None."""
    if moment is not None:
        response["Last-Modified"] = http_date(moment.timestamp())
