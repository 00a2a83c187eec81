"""Each cited record carries the words of its citations' claims (``claims_vector``), kept by
PostgreSQL, so that search matches a record by its claims from the record's own table and its
own index instead of a join through resources_citation.

The column is the database's alone, as the triggers of 0013 are: Django never writes it (a
model field would be written back, stale, by every save of the record), and search reads it
by name (``resources.search.claims_vector``). It holds the distinct lexemes of the record's
citations' ``search_vector``s, without positions or weights: search only asks whether a word
is among them (the rank reads the record's own ``search_vector``), and a record with many
citations keeps a small vector.

Statement-level triggers on resources_citation recompute it, in the writing transaction, for
each record an inserted, updated or deleted citation names (old and new record for a moved
one): one statement per table, however many rows the write touched. Citations of nested
records (a channel's, a location's) name tables without the column and are ignored, as
search ignores them.
"""

from django.db import migrations

# The tables of the models whose records search finds by their citations' claims
# (SearchSpec(cited=True) in resources.registry), by their content type's model name.
CITED = ["exilegroup", "statistic", "mediaoutlet", "organization", "hostpolicy"]
# Their row triggers of 0013 (resources_note_change_<number>), which would note the backfill
# of every record as a change made outside the app: the backfill changes no record's content.
NOTE_CHANGE_TRIGGERS = {
    "exilegroup": 1,
    "statistic": 2,
    "mediaoutlet": 3,
    "organization": 4,
    "hostpolicy": 5,
}


def claims_of(record):
    """SQL: the claims vector of the record whose id is ``{record}.id``, for content type
    ``$1``."""
    return f"""
        (SELECT coalesce(array_to_tsvector(array_agg(DISTINCT lexeme)), '')
         FROM resources_citation AS citation, unnest(citation.search_vector) AS word
         WHERE citation.content_type_id = $1 AND citation.object_id = {record}.id)
    """


REFRESH = f"""
CREATE FUNCTION resources_refresh_claims() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    content_type_ids integer[] := '{{}}';
    object_ids bigint[] := '{{}}';
    touched record;
BEGIN
    -- TG_ARGV: the model names of the tables that have a claims_vector. Only the transition
    -- tables this trigger's event has may be read.
    IF TG_OP <> 'DELETE' THEN
        SELECT content_type_ids || array_agg(content_type_id),
               object_ids || array_agg(object_id)
        INTO content_type_ids, object_ids
        FROM new_citations;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        SELECT content_type_ids || array_agg(content_type_id),
               object_ids || array_agg(object_id)
        INTO content_type_ids, object_ids
        FROM old_citations;
    END IF;
    FOR touched IN
        SELECT content_type.id, content_type.model, array_agg(DISTINCT changed.object_id) AS ids
        FROM unnest(content_type_ids, object_ids) AS changed (content_type_id, object_id)
        JOIN django_content_type AS content_type ON content_type.id = changed.content_type_id
        WHERE content_type.app_label = 'resources' AND content_type.model = ANY (TG_ARGV)
        GROUP BY content_type.id, content_type.model
    LOOP
        EXECUTE format(
            $update$
            UPDATE %I AS record SET claims_vector = claims.vector
            FROM (SELECT touched.id, {claims_of("touched")} AS vector
                  FROM unnest($2) AS touched (id)) AS claims
            WHERE record.id = claims.id AND record.claims_vector <> claims.vector
            $update$,
            'resources_' || touched.model
        ) USING touched.id, touched.ids;
    END LOOP;
    RETURN NULL;
END
$$;
"""

ARGUMENTS = ", ".join(f"'{model}'" for model in CITED)
TRIGGERS = [
    f"CREATE TRIGGER resources_refresh_claims_{event.lower()} AFTER {event} "
    f"ON resources_citation REFERENCING {tables} "
    f"FOR EACH STATEMENT EXECUTE FUNCTION resources_refresh_claims({ARGUMENTS});"
    for event, tables in [
        ("INSERT", "NEW TABLE AS new_citations"),
        ("UPDATE", "OLD TABLE AS old_citations NEW TABLE AS new_citations"),
        ("DELETE", "OLD TABLE AS old_citations"),
    ]
]


def add_columns():
    statements = []
    for model in CITED:
        table = f"resources_{model}"
        content_type = (
            f"(SELECT id FROM django_content_type "
            f"WHERE app_label = 'resources' AND model = '{model}')"
        )
        statements += [
            f"ALTER TABLE {table} ADD COLUMN claims_vector tsvector NOT NULL DEFAULT '';",
            f"ALTER TABLE {table} DISABLE TRIGGER resources_note_change_{NOTE_CHANGE_TRIGGERS[model]};",
            # One pass over the table's citations, grouped by record (the triggers' per-record
            # subquery would probe the citations once per record).
            f"""
            UPDATE {table} AS record SET claims_vector = claims.vector
            FROM (
                SELECT citation.object_id, array_to_tsvector(array_agg(DISTINCT lexeme)) AS vector
                FROM resources_citation AS citation, unnest(citation.search_vector) AS word
                WHERE citation.content_type_id = {content_type}
                GROUP BY citation.object_id
            ) AS claims
            WHERE record.id = claims.object_id;
            """,
            f"ALTER TABLE {table} ENABLE TRIGGER resources_note_change_{NOTE_CHANGE_TRIGGERS[model]};",
            f"CREATE INDEX {model}_claims_idx ON {table} USING gin (claims_vector);",
        ]
    return statements


def drop_columns():
    return [f"ALTER TABLE resources_{model} DROP COLUMN claims_vector;" for model in CITED]


class Migration(migrations.Migration):
    dependencies = [
        ("resources", "0016_country_listing_and_in_force_indexes"),
    ]

    operations = [
        migrations.RunSQL(add_columns(), drop_columns()),
        migrations.RunSQL(
            [REFRESH, *TRIGGERS],
            [
                *(
                    f"DROP TRIGGER resources_refresh_claims_{event} ON resources_citation;"
                    for event in ("insert", "update", "delete")
                ),
                "DROP FUNCTION resources_refresh_claims();",
            ],
        ),
    ]
