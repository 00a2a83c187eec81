"""Where each record lives in the API: the one place that maps a model to its detail route."""

from rest_framework.reverse import reverse

from .models import (
    AudienceFigure,
    Channel,
    Country,
    ExileGroup,
    HostPolicy,
    Location,
    MediaOutlet,
    NotableFigure,
    Organization,
    Source,
    Statistic,
)

# model -> (route basename registered in urls.py, lookup field of its detail route)
DETAIL_ROUTES = {
    Country: ("country", "code"),
    ExileGroup: ("exile-group", "slug"),
    Source: ("source", "pk"),
    Statistic: ("statistic", "pk"),
    MediaOutlet: ("media-outlet", "slug"),
    Organization: ("organization", "slug"),
    HostPolicy: ("policy", "pk"),
}


# model -> its type name in search hits and in the change history
RECORD_TYPES = {
    Country: "country",
    ExileGroup: "exile_group",
    Source: "source",
    Statistic: "statistic",
    MediaOutlet: "media_outlet",
    Organization: "organization",
    HostPolicy: "policy",
}


def citable_querysets():
    """One queryset per citable model, with what ``owning_record`` walks already joined:
    for a GenericPrefetch of citations' records without a query per record."""
    return [
        ExileGroup.objects.all(),
        Statistic.objects.all(),
        MediaOutlet.objects.all(),
        Organization.objects.all(),
        HostPolicy.objects.all(),
        Channel.objects.select_related("media_outlet"),
        AudienceFigure.objects.select_related("channel__media_outlet"),
        Location.objects.select_related("media_outlet", "organization"),
        NotableFigure.objects.select_related("organization"),
    ]


def owning_record(obj):
    """The top-level record a nested one (channel, location, ...) is shown within."""
    if isinstance(obj, AudienceFigure):
        return obj.channel.media_outlet
    if isinstance(obj, Channel):
        return obj.media_outlet
    if isinstance(obj, Location):
        return obj.media_outlet or obj.organization
    if isinstance(obj, NotableFigure):
        return obj.organization
    return obj


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
