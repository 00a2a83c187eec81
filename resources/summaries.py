"""The statistics summary: reported figures grouped, compared, never added up.

Each group holds reports of one metric, in one unit, of one kind of measure (flow, stock, ...),
either all historical or all recent, for the requested grouping (destination, exile group,
origin). For each group it gives how
many reports there are and from how many sources, the most recent figure, and the lowest and
highest figures reported, each as the record it comes from. It never sums figures: reports
from different sources or overlapping periods are not additive.
"""

from django.db.models import Count, F, Max, Min
from django.db.models.functions import Coalesce

RELATED_GROUPINGS = ("destination", "exile_group", "origin")
GROUPINGS = (*RELATED_GROUPINGS, "metric")
ALWAYS_SEPARATE = ("metric", "unit", "measure", "is_historical")
DEFAULT_GROUP_BY = ("destination",)


def summarize_statistics(queryset, *, group_by=DEFAULT_GROUP_BY):
    """Groups of ``queryset`` (already filtered) as dicts; a fixed number of queries."""
    names = list(dict.fromkeys((*group_by, *ALWAYS_SEPARATE)))
    keys = [f"{name}_id" if name in RELATED_GROUPINGS else name for name in names]
    plain = queryset.order_by()
    totals = (
        plain.values(*keys)
        .annotate(
            reports=Count("pk", distinct=True),
            sources=Count("citations__source", distinct=True),
            lowest_value=Min("value"),
            highest_value=Max("value"),
        )
        .order_by(*keys)
    )
    latest_first = Coalesce("period_end", "period_start")
    latest = _first_per_group(
        queryset, keys, latest_first.desc(nulls_last=True), F("period_start").desc(nulls_last=True)
    )
    lowest = _first_per_group(queryset, keys, F("value").asc())
    highest = _first_per_group(queryset, keys, F("value").desc())
    groups = []
    for row in totals:
        key = tuple(row[k] for k in keys)
        example = latest[key]
        groups.append(
            {
                **{name: getattr(example, name) for name in names},
                "reports": row["reports"],
                "sources": row["sources"],
                "latest": latest[key],
                "lowest": lowest[key],
                "highest": highest[key],
            }
        )
    return groups


def _first_per_group(queryset, keys, *ordering):
    """{group key: first record of the group by ``ordering``}, in one DISTINCT ON query.

    DISTINCT ON sorts every matching row: it sorts their ids and keys only, and the whole
    records (with their joined relations) are read for the few firsts it keeps.
    """
    firsts = queryset.order_by(*keys, *ordering, "pk").distinct(*keys).values("pk")
    records = queryset.filter(pk__in=firsts).order_by()
    return {tuple(getattr(record, k) for k in keys): record for record in records}
