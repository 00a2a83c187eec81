from rest_framework import pagination


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    """Limit/offset pages: 50 records by default, never more than 500 at once."""

    default_limit = 50
    max_limit = 500

    def get_paginated_response_schema(self, schema):
        envelope = super().get_paginated_response_schema(schema)
        properties = envelope["properties"]
        properties["count"] |= {"description": "Number of records matching the request."}
        properties["next"] |= {
            "description": "URL of the next page; null on the last page.",
            "example": "http://127.0.0.1:8000/api/v1/statistics/?limit=50&offset=100",
        }
        properties["previous"] |= {
            "description": "URL of the previous page; null on the first page.",
            "example": "http://127.0.0.1:8000/api/v1/statistics/?limit=50&offset=0",
        }
        properties["results"]["description"] = "The records of this page."
        return envelope
