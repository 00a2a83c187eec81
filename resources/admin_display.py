"""How the admin shows values to people: figures as the API gives them (no trailing zeros) with
thousands separators and their hedge, periods and year spans in one column, the sources a record
cites, and the values of the change history (citations by source title, not as Python lists).

Everything here returns text or HTML that escapes what the records hold (``format_html``): the
records' text is data, never markup.
"""

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from .choices import Qualifier, Unit
from .models import Change, Source

NOT_STATED = "not stated"
# Between the ends of a range or a period (ruff would take the character itself for a hyphen).
DASH = "\N{EN DASH}"
# What follows a figure of a unit other than people ("at least 12%").
UNIT_SUFFIXES = {Unit.PERCENT: "%", Unit.PEOPLE_PER_DAY: " a day"}
# A cited source's title in a list column: long ones cut, whole in the tooltip.
SOURCE_TITLE_CHARS = 40


def number(value: Decimal | int | None) -> str:
    """``value`` as the API writes it (``FigureField``: 1000000, 12.5), with thousands
    separators: "1,000,000", "12.5"."""
    if value is None:
        return ""
    value = Decimal(value)
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{value.normalize():,f}"


def figure_parts(quantity: Any) -> tuple[str, str]:
    """A reported quantity's hedge ("" for an exact figure) and its numbers: value, range and
    unit, the range's ends joined by an en dash: ("at least", "1,000,000"), ("",
    "100,000-150,000"), ("about", "6,000 a day")."""
    suffix = UNIT_SUFFIXES.get(getattr(quantity, "unit", None), "")
    value, low, high = quantity.value, quantity.value_low, quantity.value_high
    if low is not None and high is not None:
        span = f"{number(low)}{DASH}{number(high)}{suffix}"
        numbers = span if value in (low, high) else f"{number(value)}{suffix} ({span})"
    elif low is not None:
        # "millions": value 1,000,000 from 1,000,000 up, the upper end open.
        more = "or more" if value == low else f"(from {number(low)})"
        numbers = f"{number(value)}{suffix} {more}"
    elif high is not None:
        less = "or less" if value == high else f"(up to {number(high)})"
        numbers = f"{number(value)}{suffix} {less}"
    else:
        numbers = f"{number(value)}{suffix}"
    if not quantity.qualifier or quantity.qualifier == Qualifier.EXACT:
        return "", numbers
    return Qualifier(quantity.qualifier).label, numbers


def figure_text(quantity: Any) -> str:
    """A reported quantity as a reader says it: "at least 1,000,000", "about 6,000 a day"."""
    return " ".join(part for part in figure_parts(quantity) if part)


def figure(quantity: Any) -> SafeString:
    """``figure_text`` for a list's column: a narrow column wraps it between words, never
    inside a number or a range ("100,000-999,999"), nor inside the parenthesis after it."""
    hedge, numbers = figure_parts(quantity)
    value, _, rest = numbers.partition(" ")
    return format_html(
        "{}{}",
        f"{hedge} " if hedge else "",
        format_html_join(" ", '<span class="nowrap">{}</span>', ((p,) for p in (value, rest) if p)),
    )


def period(start: date | None, end: date | None) -> SafeString:
    """A period as one phrase: "2022-02-24 - 2022-03-10" (an en dash between spaces),
    "from 2022-02-24", "until ...", "not stated". A narrow column breaks it after the dash,
    never inside a date."""
    if start and end and start != end:
        return format_html(
            '<span class="nowrap">{} {}</span> <span class="nowrap">{}</span>',
            start.isoformat(),
            DASH,
            end.isoformat(),
        )
    if start and end:
        return format_html('<span class="nowrap">{}</span>', start.isoformat())
    if start:
        return format_html('from <span class="nowrap">{}</span>', start.isoformat())
    if end:
        return format_html('until <span class="nowrap">{}</span>', end.isoformat())
    return format_html("{}", NOT_STATED)


def years(start: int | None, end: int | None) -> str:
    """A span of years as one phrase: "1951-1995" (an en dash), "since 2019", "until 1995",
    "not stated"."""
    if start and end:
        return str(start) if start == end else f"{start}{DASH}{end}"
    if start:
        return f"since {start}"
    if end:
        return f"until {end}"
    return NOT_STATED


def cited_sources(record: Any) -> SafeString:
    """The sources ``record`` cites, one a line, each with its locators (never broken across
    lines): "Essay on the 2022 Russian exodus, para 1". Reads ``record.citations.all()``:
    prefetch them with their sources."""
    locators: dict[Source, dict[str, None]] = {}  # each source's locators, once each, in order
    for citation in record.citations.all():
        locators.setdefault(citation.source, {})[citation.locator] = None
    if not locators:
        return format_html("{}", "—")
    return format_html_join(
        mark_safe("<br>"),
        '<span title="{}">{}</span>, {}',
        (
            (
                source.title,
                Truncator(source.title).chars(SOURCE_TITLE_CHARS),
                format_html_join(", ", '<span class="nowrap">{}</span>', ((p,) for p in places)),
            )
            for source, places in locators.items()
        ),
    )


# The change history ----------------------------------------------------------------------


def source_keys(value: Any, field: str | None = None) -> set[str]:
    """The slugs of the sources cited anywhere in a history value (a snapshot's field, nested
    lists of channels with their citations, ...)."""
    keys: set[str] = set()
    if field == "citations" and isinstance(value, list):
        keys |= {c["source"] for c in value if isinstance(c, Mapping) and "source" in c}
    if isinstance(value, Mapping):
        for name, item in value.items():
            keys |= source_keys(item, name)
    elif isinstance(value, list):
        for item in value:
            keys |= source_keys(item)
    return keys


def source_titles(changes: Iterable[Change]) -> dict[str, str]:
    """Slug -> title of every source the changes' values cite: one query for a whole page."""
    keys: set[str] = set()
    for change in changes:
        for field, values in change.changes.items():
            keys |= source_keys(values.get("old"), field) | source_keys(values.get("new"), field)
    return dict(Source.objects.filter(slug__in=keys).values_list("slug", "title"))


def history_value(value: Any, titles: Mapping[str, str], field: str | None = None) -> SafeString:
    """One value of a change (old or new) as HTML: a scalar in ``<code>`` (null for none), a list
    of citations as "source title, locator: claim" items, other lists and records as lists."""
    if field == "citations" and isinstance(value, list):
        if not value:
            return format_html("<em>{}</em>", "no citation")
        return format_html(
            '<ul class="history-citations">{}</ul>',
            format_html_join(
                "",
                '<li><cite title="{}">{}</cite>, {}: “{}”</li>',
                (
                    (
                        c.get("source"),
                        titles.get(c.get("source"), c.get("source")),
                        c.get("locator"),
                        c.get("claim"),
                    )
                    for c in value
                ),
            ),
        )
    if isinstance(value, list):
        if not value:
            return format_html("<em>{}</em>", "none")
        return format_html(
            '<ol class="history-list">{}</ol>',
            format_html_join("", "<li>{}</li>", ((history_value(v, titles),) for v in value)),
        )
    if isinstance(value, Mapping):
        # Within a nested record, what is empty is left out: the change is in what is there.
        filled = [(k, v) for k, v in value.items() if v not in (None, "", [], {})]
        return format_html(
            '<ul class="history-record">{}</ul>',
            format_html_join(
                "",
                "<li><strong>{}</strong>: {}</li>",
                ((k, history_value(v, titles, k)) for k, v in filled),
            ),
        )
    if value == "":
        return format_html("<em>{}</em>", "empty")
    return format_html("<code>{}</code>", "null" if value is None else value)


def history_rows(
    change: Change, titles: Mapping[str, str]
) -> list[tuple[str, SafeString, SafeString]]:
    """(field, old, new) of each field ``change`` touched, as HTML (``history_value``)."""
    return [
        (
            field,
            history_value(values.get("old"), titles, field),
            history_value(values.get("new"), titles, field),
        )
        for field, values in change.changes.items()
    ]
