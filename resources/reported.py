"""How old a fact is: when the sources a record cites last reported it.

Every fact in the dataset is as its sources give it, and they were written at a time: the
essay the seed draws on, in spring 2022. A record's ``reported_as_of`` is the newest
publication date among the sources it cites: ``"YYYY-MM-DD"`` when that source's date is
known, ``"YYYY"`` when only its year is; null when no source it cites is dated.

A source known only by its year may be of any day of that year: it counts as of the year's
last day, so it is the newer one against a dated source of the same year, and the answer is
then the year alone (claiming a day would invent it).

The same rule is written twice, in Python (for records the serializers show, with their
citations prefetched) and in SQL (for the JSON and CSV PostgreSQL builds, and for the
``current`` filter); tests/test_reported.py compares the two.
"""

from collections.abc import Iterable
from datetime import date

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    Case,
    DateField,
    F,
    Func,
    IntegerField,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, ExtractYear

from .choices import PublicationStatus
from .models import Citation, Source


def reported_as_of(sources: Iterable[Source]) -> str | None:
    """The newest of ``sources`` (a record's cited sources), as ``YYYY-MM-DD`` or ``YYYY``."""
    newest = max(
        (_newest_first(source) for source in sources if source.published_on or source.year),
        default=None,
    )
    if newest is None:
        return None
    year, _year_only, day = newest
    return f"{year:04d}" if day is None else day.isoformat()


def last_day_reported(value: str | None) -> date | None:
    """The last day ``reported_as_of`` may stand for: the date, or its year's last day."""
    return None if value is None else _last_day(value)


def _last_day(value: str) -> date:
    return date(int(value), 12, 31) if len(value) == 4 else date.fromisoformat(value)


def _newest_first(source: Source) -> tuple[int, bool, date | None]:
    # Newest year first; within a year, a year-only source (possibly of its last day) first;
    # then the latest date.
    year = source.published_on.year if source.published_on else source.year
    assert year is not None
    return (year, source.published_on is None, source.published_on)


def _newest_cited_source(model: type[Model]) -> QuerySet[Citation]:
    """The outer ``model`` record's newest dated cited source (a citation row, for a
    subquery), by the order of ``_newest_first``."""
    content_type = ContentType.objects.get_for_model(model)
    return (
        Citation.objects.filter(
            Q(source__published_on__isnull=False) | Q(source__year__isnull=False),
            content_type_id=content_type.pk,
            object_id=OuterRef("pk"),
        )
        .annotate(
            source_year=Coalesce(
                ExtractYear("source__published_on"), "source__year", output_field=IntegerField()
            )
        )
        .order_by(
            F("source_year").desc(),
            F("source__published_on").desc(nulls_first=True),
        )
    )


def reported_as_of_sql(model: type[Model]) -> Subquery:
    """``reported_as_of`` of the outer ``model`` record, as text (null when unknown)."""
    text = Case(
        When(
            source__published_on__isnull=True,
            # The width and fill written into the SQL, not passed as parameters: a prepared
            # statement would declare the width bigint, which lpad does not take.
            then=Func(
                Cast("source__year", TextField()),
                template="lpad(%(expressions)s, 4, '0')",
                output_field=TextField(),
            ),
        ),
        default=Func(F("source__published_on"), Value("YYYY-MM-DD"), function="to_char"),
        output_field=TextField(),
    )
    return Subquery(_newest_cited_source(model).values(reported=text)[:1], output_field=TextField())


def last_day_reported_sql(model: type[Model]) -> Subquery:
    """``last_day_reported`` of the outer ``model`` record (null when unknown)."""
    day = Coalesce(
        "source__published_on",
        Func(F("source__year"), Value(12), Value(31), function="make_date"),
        output_field=DateField(),
    )
    return Subquery(_newest_cited_source(model).values(day=day)[:1], output_field=DateField())


def newest_source_reported() -> str | None:
    """The newest of the published sources (the dataset's ``reported_as_of``): nothing in
    the dataset is known beyond it."""
    newest = (
        Source.objects.filter(publication_status=PublicationStatus.PUBLISHED)
        .filter(Q(published_on__isnull=False) | Q(year__isnull=False))
        .annotate(
            source_year=Coalesce(ExtractYear("published_on"), "year", output_field=IntegerField())
        )
        .order_by(F("source_year").desc(), F("published_on").desc(nulls_first=True))
        .first()
    )
    return None if newest is None else reported_as_of([newest])


def beyond_sources_notice(asked: date, newest: str | None) -> str | None:
    """What a reader must know when ``asked`` is later than the newest source can say
    (``newest``, ``reported_as_of``-style); None when it is not."""
    if newest is None:
        return "No source in the dataset is dated: how current any of it is, is not known."
    if asked <= _last_day(newest):
        return None
    return (
        f"{asked.isoformat()} is later than the newest source ({newest}): the answer is as "
        "the sources reported it then; what changed since is not known."
    )
