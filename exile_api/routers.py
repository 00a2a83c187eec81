"""URL resolution that skips a resource's routes unless the path is that resource's.

Django resolves a path by trying each route in turn. DRF's router registers each resource's
routes one after the other (the list and the record, each action, each with a ``.json``
twin: some twenty per curated resource), so a statistic's path was matched against every
route of the countries, exile groups and sources first, and each try costs a few
microseconds of Python: the longest part of a cold read's handling outside the view.

``by_prefix`` nests each run of routes whose patterns all begin with the same literal text
(``^statistics``) under a resolver that enters them only for a path that begins so. The
nesting consumes nothing of the path: the routes, their order, their names, ``reverse()``,
each match's route and arguments, and the OpenAPI paths that drf-spectacular builds from
them stay as they were. Only which routes are tried changes, and a route the prefix rules out
could never have matched.
"""

import re

from django.core.checks import Warning as CheckWarning
from django.urls import URLPattern, URLResolver
from django.urls.resolvers import RegexPattern

# Characters that end the literal beginning of a regular expression.
METACHARACTERS = frozenset(".^$*+?{}[]\\|()")


def literal_start(pattern):
    """The text every path a route's pattern matches begins with, or "" if not known."""
    if not isinstance(pattern, URLPattern) or not isinstance(pattern.pattern, RegexPattern):
        return ""
    regex = pattern.pattern._regex
    if not regex.startswith("^"):
        return ""
    text = []
    for character in regex[1:]:
        if character in METACHARACTERS:
            break
        text.append(character)
    return "".join(text)


class StartsWith:
    """A URL pattern that matches any path beginning with ``prefix`` and consumes none of it:
    the routes nested under it see the whole path, as if they were not nested."""

    regex = re.compile("")
    converters: dict = {}
    name = None

    def __init__(self, prefix):
        self.prefix = prefix

    def match(self, path):
        return (path, (), {}) if path.startswith(self.prefix) else None

    def check(self):
        if not self.prefix:
            return [CheckWarning("A StartsWith pattern without a prefix matches every path.")]
        return []

    def describe(self):
        return f"'{self.prefix}…' (nested routes)"

    def __str__(self):
        return ""  # joined to nothing: reverse() and the schema see the nested routes alone


def by_prefix(patterns, minimum=4):
    """``patterns`` with each run of at least ``minimum`` consecutive routes whose patterns
    begin with the same literal text up to its first ``/`` or ``.`` nested under a
    ``StartsWith`` resolver of that text; the rest as they were, in the same order."""
    grouped, run, run_prefix = [], [], None

    def flush():
        if run_prefix and len(run) >= minimum:
            grouped.append(URLResolver(StartsWith(run_prefix), list(run)))
        else:
            grouped.extend(run)

    for pattern in patterns:
        prefix = re.split(r"[/.]", literal_start(pattern), maxsplit=1)[0]
        if prefix and prefix == run_prefix:
            run.append(pattern)
            continue
        flush()
        run, run_prefix = [pattern], prefix
    flush()
    return grouped
