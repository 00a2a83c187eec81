from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from rest_framework import pagination

from .params import whole_number

if TYPE_CHECKING:  # for annotations only: DRF's settings import this module as views load
    from django.db.models import QuerySet
    from rest_framework.request import Request
    from rest_framework.response import Response
    from rest_framework.views import APIView

# A page of more records than this is a costly read (resources.api.throttling): twice a list's
# default page (50) and the changes feed's default page, so that clients who keep to the
# defaults never meet the costly-read limits; up to the most a page holds (500) they do.
LARGE_PAGE = 100


def large_page(request: Request) -> bool:
    """Whether ``request`` asks for a page of more than LARGE_PAGE records (a malformed
    ``limit`` is refused later, with a 400, and costs nothing)."""
    if not request.META.get("QUERY_STRING"):
        return False  # no parameters at all: read without parsing the query string
    raw = request.query_params.get("limit", "")
    return raw.isascii() and raw.isdigit() and len(raw) <= 18 and int(raw) > LARGE_PAGE


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    """Limit/offset pages: 50 records by default, never more than 500 at once.

    A limit above 500 is served as 500; a limit or offset that is not a whole number (or a
    limit below 1, an offset below 0) is a 400 rather than silently the default.
    """

    default_limit = 50
    max_limit = 500
    # Set only while paginate_counted runs: the number of matching records, known already.
    known_count: int | None = None

    def paginate_counted(
        self, queryset: QuerySet[Any, Any], request: Request, view: APIView, *, count: int
    ) -> list[Any]:
        """``paginate_queryset`` for a list whose matching records the view has counted
        already (with its Last-Modified, in one query): no second count."""
        self.known_count = count
        try:
            # A page, never None: get_limit always gives a limit.
            return cast("list[Any]", self.paginate_queryset(queryset, request, view))
        finally:
            self.known_count = None

    def get_count(self, queryset: QuerySet[Any, Any] | Sequence[Any]) -> int:
        if self.known_count is not None:
            return self.known_count
        return super().get_count(queryset)

    def get_paginated_response(self, data: Any) -> Response:
        response = super().get_paginated_response(data)
        links = [
            f'<{url}>; rel="{rel}"'
            for url, rel in ((self.get_next_link(), "next"), (self.get_previous_link(), "prev"))
            if url
        ]
        if links:
            response["Link"] = ", ".join(links)
        return response

    def get_limit(self, request: Request) -> int:
        if self.limit_query_param in request.query_params:
            limit = whole_number(request, self.limit_query_param, minimum=1)
            return min(limit, self.max_limit)
        return self.default_limit

    def get_offset(self, request: Request) -> int:
        if self.offset_query_param in request.query_params:
            return whole_number(request, self.offset_query_param, minimum=0)
        return 0

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        envelope = super().get_paginated_response_schema(schema)
        properties = envelope["properties"]
        # Every member is always there; the links are null at either end, said the OpenAPI
        # 3.1 way (DRF writes 3.0's `nullable`).
        envelope["required"] = list(properties)
        for link in ("next", "previous"):
            properties[link].pop("nullable", None)
            properties[link]["type"] = ["string", "null"]
        properties["count"] |= {"description": "Number of records matching the request."}
        properties["next"] |= {
            "description": "URL of the next page; null on the last page.",
            "example": "https://api.example.org/api/v1/statistics/?limit=50&offset=100",
        }
        properties["previous"] |= {
            "description": "URL of the previous page; null on the first page.",
            "example": "https://api.example.org/api/v1/statistics/?limit=50&offset=0",
        }
        properties["results"]["description"] = "The records of this page."
        return envelope
