"""Where each record lives in the API: the one place that maps a model to its detail route."""

from typing import Any

from django.db.models import Model
from rest_framework.request import Request
from rest_framework.reverse import reverse

from ..registry import RESOURCES, owning_record

# model -> (route basename registered in urls.py, lookup field of its detail route)
DETAIL_ROUTES: dict[type[Model], tuple[str, str]] = {
    spec.model: (spec.basename, spec.lookup) for spec in RESOURCES
}


def detail_url(obj: Model, request: Request | None) -> str | None:
    """Absolute API URL of ``obj``, or of the record it is nested in; None if it has none."""
    record = owning_record(obj)
    if record is None or type(record) not in DETAIL_ROUTES:
        return None
    _basename, lookup = DETAIL_ROUTES[type(record)]
    return record_url(type(record), getattr(record, lookup), request)


def record_url(model: type[Model], key: Any, request: Request | None) -> str:
    """Absolute API URL of the ``model`` record whose detail lookup (pk, slug, code) is ``key``."""
    basename, lookup = DETAIL_ROUTES[model]
    return reverse(f"{basename}-detail", kwargs={lookup: key}, request=request)
