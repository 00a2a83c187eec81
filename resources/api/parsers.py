"""How request bodies are read: JSON only, and never nested deeper than the API could need.

A body of a few kilobytes nested a thousand levels deep (``{"reason": [[[...]]]}``) exhausts
Python's recursion limit in the JSON decoder, or, a little shallower, in whatever walks the
data next (validation, the error list, rendering): a 500. No body the API takes nests deeper
than seven levels (a media outlet's channels' audience figures' citations), so a body deeper
than MAX_JSON_DEPTH is refused as unreadable, a 400, before anything else looks at it.
"""

from collections.abc import Iterable, Mapping
from typing import IO, Any

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser (its strict decoding and messages), refusing deep nesting."""

    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        limit = settings.MAX_JSON_DEPTH
        too_deep = (
            f"The JSON body is nested too deeply: at most {limit} levels of arrays and objects."
        )
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            # The standard decoder recurses once per level and stops, cleanly, at the
            # interpreter's limit (about a thousand): far past ours in any case.
            raise ParseError(too_deep) from None
        if nesting_depth(data, stop_after=limit) > limit:
            raise ParseError(too_deep)
        return data


def nesting_depth(value: Any, *, stop_after: int | None = None) -> int:
    """How deep arrays and objects nest in ``value`` (0 for a string, number, true, false or
    null; 1 for ``[]``), found without recursion; once past ``stop_after``, the first depth
    found beyond it."""
    deepest = 0
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        children: Iterable[Any]
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        if stop_after is not None and deepest > stop_after:
            break
        pending.extend((child, depth + 1) for child in children)
    return deepest
