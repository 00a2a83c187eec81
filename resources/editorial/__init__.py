"""The editorial layer: typed, keyword-only services that write a curated record, check it and
record the change in one transaction (``services``), raising domain errors (``errors``) that
the API maps to problems in one place (``resources.api.errors``) and the admin shows as messages.

Every write path (the API, the admin, dataset imports, reverts) goes through ``services``;
``history.record_change`` is called from nowhere else (tests/editorial/test_editorial.py checks it).
"""
