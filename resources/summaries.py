"""The statistics summary: reported figures grouped, compared, never added up.

Each group holds reports of one metric, in one unit, of one kind of measure (flow, stock, ...),
either all historical or all recent, for the requested grouping (destination, exile group,
origin). For each group it gives how
many reports there are and from how many sources, the most recent figure, and the lowest and
highest figures reported, each as the record it comes from. It never sums figures: reports
from different sources or overlapping periods are not additive.

Two paths give the same answer:

- **From the maintained groups** (``StatisticGroup``, kept exact by PostgreSQL triggers in the
  transaction of every write): when the summary is of the published statistics (no
  ``publication_status``, or ``publication_status=published``; every reader, anonymous or
  editor, then reads the same records), with no ``q`` search, and filtered, if at all, only
  on columns a finest group holds (``GROUP_FILTERS``: origin, destination, abroad,
  exile_group, metric, measure, is_historical). Coarser groupings are aggregated from the
  finest groups in one query, then the winning records are read in one more (and their
  citations in a third), whatever the number of statistics.
- **On the fly** (``_summarize_on_the_fly``), the reference: every other request (drafts or
  retracted records asked for, ``q``, value or period filters, qualifier, or no filter set
  given): the matching statistics are aggregated as they are.
"""

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import Any

from django.db import connection
from django.db.models import Count, F, Max, Min, Model, QuerySet
from django.db.models.functions import Coalesce
from django_filters import FilterSet

from .choices import PublicationStatus
from .models import Country, ExileGroup, Statistic, StatisticGroup

RELATED_GROUPINGS = ("destination", "exile_group", "origin")
GROUPINGS = (*RELATED_GROUPINGS, "metric")
ALWAYS_SEPARATE = ("metric", "unit", "measure", "is_historical")
DEFAULT_GROUP_BY = ("destination",)
RELATED_MODELS: dict[str, type[Model]] = {
    "destination": Country,
    "exile_group": ExileGroup,
    "origin": Country,
}
# The statistics filters a finest group answers: each is on a column of its key.
GROUP_FILTERS = frozenset(
    {"origin", "destination", "abroad", "exile_group", "metric", "measure", "is_historical"}
)

Group = dict[str, Any]
# Given the ids of the figures a summary shows, each figure by id: the records themselves by
# default; the API passes one that has PostgreSQL build their JSON.
FigureLoader = Callable[[Collection[int]], Mapping[int, Any]]
# Given a related model (a grouping's) and primary keys, each record by key: the records
# themselves by default; the API passes one that has PostgreSQL build their brief forms.
RelatedLoader = Callable[[type[Model], Collection[Any]], Mapping[Any, Any]]


def _in_bulk(model: type[Model], keys: Collection[Any]) -> Mapping[Any, Any]:
    # _default_manager: a model class's manager, typed (each model here has one, objects).
    return model._default_manager.in_bulk(keys)


def summarize_statistics(
    queryset: QuerySet[Statistic],
    *,
    group_by: Sequence[str] = DEFAULT_GROUP_BY,
    filterset: FilterSet | None = None,
    searched: bool = False,
    figures: FigureLoader | None = None,
    related: RelatedLoader = _in_bulk,
) -> list[Group]:
    """Groups of ``queryset`` (already filtered) as dicts; a fixed number of queries.

    ``filterset``: the request's statistics filters (validated), which say whether the
    maintained groups can answer (see the module's docstring); ``searched``: whether ``q``
    narrowed ``queryset``. Without a filterset, the summary is computed on the fly.
    ``figures`` and ``related``: how the maintained groups' figures and related keys
    (destination, exile group, origin) are loaded (default: the records).
    """
    rows = None if filterset is None or searched else maintained_groups(filterset)
    if rows is None:
        return _summarize_on_the_fly(queryset, group_by=group_by)
    return _summarize_maintained(
        queryset, rows, group_by=group_by, figures=figures, related=related
    )


def maintained_groups(filterset: FilterSet) -> QuerySet[StatisticGroup] | None:
    """The finest groups the request's filters select, or None if the maintained groups
    cannot answer it (a filter on anything but their key, or other statuses than published).
    """
    rows = StatisticGroup.objects.all()
    for name, value in filterset.form.cleaned_data.items():
        if name not in filterset.data:
            continue
        if name == "publication_status":
            if set(value) != {PublicationStatus.PUBLISHED}:
                return None
        elif name in GROUP_FILTERS:
            # The filter's own lookups: the groups share the statistics' field names.
            rows = filterset.filters[name].filter(rows, value)
        else:
            return None
    return rows


def _summarize_maintained(
    queryset: QuerySet[Statistic],
    rows: QuerySet[StatisticGroup],
    *,
    group_by: Sequence[str],
    figures: FigureLoader | None = None,
    related: RelatedLoader = _in_bulk,
) -> list[Group]:
    names = _names(group_by)
    keys = _keys(names)
    firsts = _coarse_groups(rows, keys)
    ids = {row[name] for row in firsts for name in ("latest", "lowest", "highest")}
    if figures is None:
        records: Mapping[int, Any] = queryset.filter(pk__in=ids).order_by().in_bulk()
    else:
        records = figures(ids)
    # The groups' related keys (destination, exile group, origin), each read once.
    related_records = {
        name: related(RELATED_MODELS[name], {row[f"{name}_id"] for row in firsts} - {None})
        for name in names
        if name in RELATED_GROUPINGS
    }
    return [
        _group(
            {
                name: related_records[name].get(row[f"{name}_id"])
                if name in related_records
                else row[name]
                for name in names
            },
            reports=row["reports"],
            sources=row["sources"],
            latest=records[row["latest"]],
            lowest=records[row["lowest"]],
            highest=records[row["highest"]],
        )
        for row in firsts
    ]


def _coarse_groups(rows: QuerySet[StatisticGroup], keys: Sequence[str]) -> list[dict[str, Any]]:
    """The finest groups ``rows`` merged by ``keys``, in one query: reports added up, the
    distinct sources counted over all of them, and the winners chosen by the orderings of
    ``_first_per_group`` among the finest groups' winners."""
    columns = ", ".join(keys)
    same_group = " AND ".join(f"s.{key} IS NOT DISTINCT FROM c.{key}" for key in keys)
    rows_sql, params = rows.order_by().query.sql_with_params()
    sql = f"""
        WITH g AS ({rows_sql}),
        coarse AS (
            SELECT {columns},
                sum(reports) AS reports,
                (array_agg(latest_id ORDER BY latest_end DESC NULLS LAST,
                    latest_start DESC NULLS LAST, latest_id))[1] AS latest,
                (array_agg(lowest_id ORDER BY lowest_value, lowest_id))[1] AS lowest,
                (array_agg(highest_id ORDER BY highest_value DESC, highest_id))[1] AS highest
            FROM g
            GROUP BY {columns}
        ),
        -- Sources cited in several finest groups count once.
        sources AS (
            SELECT {columns}, count(*) AS sources
            FROM (SELECT DISTINCT {columns}, source_id FROM g, unnest(g.source_ids) AS source_id)
                AS distinct_sources
            GROUP BY {columns}
        )
        SELECT {", ".join(f"c.{key}" for key in keys)}, c.reports,
            coalesce(s.sources, 0) AS sources, c.latest, c.lowest, c.highest
        FROM coarse AS c
        LEFT JOIN sources AS s ON {same_group}
        ORDER BY {", ".join(f"c.{key}" for key in keys)}
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _names(group_by: Iterable[str]) -> list[str]:
    return list(dict.fromkeys((*group_by, *ALWAYS_SEPARATE)))


def _keys(names: Iterable[str]) -> list[str]:
    return [f"{name}_id" if name in RELATED_GROUPINGS else name for name in names]


def _group(
    key: Mapping[str, Any],
    *,
    reports: int,
    sources: int,
    latest: Any,
    lowest: Any,
    highest: Any,
) -> Group:
    """One group: its key (the grouping's values by name), its counts, and its figures (the
    records, or their JSON as a figure loader gives it)."""
    return {
        **key,
        "reports": reports,
        "sources": sources,
        "latest": latest,
        "lowest": lowest,
        "highest": highest,
    }


def _summarize_on_the_fly(queryset: QuerySet[Statistic], *, group_by: Sequence[str]) -> list[Group]:
    """The reference: the groups aggregated from the matching statistics themselves."""
    names = _names(group_by)
    keys = _keys(names)
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
        groups.append(
            _group(
                {name: getattr(latest[key], name) for name in names},
                reports=row["reports"],
                sources=row["sources"],
                latest=latest[key],
                lowest=lowest[key],
                highest=highest[key],
            )
        )
    return groups


def _first_per_group(
    queryset: QuerySet[Statistic], keys: Sequence[str], *ordering: Any
) -> Mapping[tuple[Any, ...], Statistic]:
    """{group key: first record of the group by ``ordering``}, in one DISTINCT ON query.

    DISTINCT ON sorts every matching row: it sorts their ids and keys only, and the whole
    records (with their joined relations) are read for the few firsts it keeps.
    """
    firsts = queryset.order_by(*keys, *ordering, "pk").distinct(*keys).values("pk")
    records = queryset.filter(pk__in=firsts).order_by()
    return {tuple(getattr(record, k) for k in keys): record for record in records}
