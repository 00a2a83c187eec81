"""Where each record lives in the API: the one place that maps a model to its detail route."""

from rest_framework.reverse import reverse

from ..registry import RESOURCES, owning_record

# model -> (route basename registered in urls.py, lookup field of its detail route)
DETAIL_ROUTES = {spec.model: (spec.basename, spec.lookup) for spec in RESOURCES}


def detail_url(obj, request):
    """Absolute API URL of ``obj``, or of the record it is nested in; None if it has none."""
    record = owning_record(obj)
    if type(record) not in DETAIL_ROUTES:
        return None
    _basename, lookup = DETAIL_ROUTES[type(record)]
    return record_url(type(record), getattr(record, lookup), request)


def record_url(model, key, request):
    """Absolute API URL of the ``model`` record whose detail lookup (pk, slug, code) is ``key``."""
    basename, lookup = DETAIL_ROUTES[model]
    return reverse(f"{basename}-detail", kwargs={lookup: key}, request=request)
