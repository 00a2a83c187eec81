from django.db import migrations

# The summary's finest groups of published statistics (resources.models.StatisticGroup), kept
# exact by statement-level triggers: each statement's transition tables name the rows it
# touched, and only those rows' groups (old key and new) are recomputed, so that a bulk load
# costs one recomputation per group, not one per row. Every write path goes through them: the
# API, the admin, imports, reverts and raw SQL.
KEY_COLUMNS = "destination_id, exile_group_id, origin_id, metric, unit, measure, is_historical"

# How a statistic's group key is matched: by expressions an index holds, so that a write
# recomputes its group from that group's rows alone (NULL = NULL is not true; '' and 0 are
# never real keys).
MATCH_KEY = """
    s.metric = k.metric AND s.unit = k.unit AND s.measure = k.measure
    AND s.is_historical = k.is_historical AND s.origin_id = k.origin_id
    AND coalesce(s.destination_id, '') = coalesce(k.destination_id, '')
    AND coalesce(s.exile_group_id, 0) = coalesce(k.exile_group_id, 0)
"""

SAME_GROUP = " AND ".join(
    f"g.{column} IS NOT DISTINCT FROM k.{column}" for column in KEY_COLUMNS.split(", ")
)

CREATE = [
    f"""
    CREATE TYPE resources_statistic_group_key AS (
        destination_id varchar(2), exile_group_id bigint, origin_id varchar(2),
        metric varchar(24), unit varchar(24), measure varchar(16), is_historical boolean
    );
    """,
    """
    CREATE INDEX statistic_group_key_idx ON resources_statistic (
        metric, unit, measure, is_historical, origin_id,
        (coalesce(destination_id, '')), (coalesce(exile_group_id, 0))
    ) INCLUDE (id, value, period_start, period_end) WHERE publication_status = 'published';
    """,
    f"""
    CREATE FUNCTION resources_refresh_statistic_groups(touched resources_statistic_group_key[])
    RETURNS void LANGUAGE plpgsql AS $$
    DECLARE
        statistic_type int := (
            SELECT id FROM django_content_type
            WHERE app_label = 'resources' AND model = 'statistic'
        );
    BEGIN
        IF cardinality(touched) = 0 THEN
            RETURN;
        END IF;
        -- Writers of the same group take turns, in a fixed order (no deadlock between two
        -- statements): in READ COMMITTED the recomputation below then sees what the other
        -- committed, and the last to commit leaves the exact figures.
        PERFORM pg_advisory_xact_lock(1936028533, lock_key)
        FROM (SELECT DISTINCT hashtext(k::text) AS lock_key FROM unnest(touched) AS k) AS keys
        ORDER BY lock_key;

        WITH keys AS (
            SELECT DISTINCT * FROM unnest(touched)
        ),
        members AS (
            SELECT s.id, s.value, s.period_start, s.period_end, {', '.join('s.' + c for c in KEY_COLUMNS.split(', '))}
            FROM keys AS k
            JOIN resources_statistic AS s ON {MATCH_KEY}
            WHERE s.publication_status = 'published'
        ),
        computed AS (
            -- The orderings and tie-breaks of resources.summaries._first_per_group.
            SELECT {KEY_COLUMNS},
                count(DISTINCT m.id) AS reports,
                coalesce(
                    array_agg(DISTINCT c.source_id ORDER BY c.source_id)
                        FILTER (WHERE c.source_id IS NOT NULL),
                    '{{}}'
                ) AS source_ids,
                (array_agg(m.id ORDER BY coalesce(m.period_end, m.period_start) DESC NULLS LAST,
                    m.period_start DESC NULLS LAST, m.id))[1] AS latest_id,
                max(coalesce(m.period_end, m.period_start)) AS latest_end,
                (array_agg(m.period_start ORDER BY coalesce(m.period_end, m.period_start)
                    DESC NULLS LAST, m.period_start DESC NULLS LAST, m.id))[1] AS latest_start,
                (array_agg(m.id ORDER BY m.value, m.id))[1] AS lowest_id,
                min(m.value) AS lowest_value,
                (array_agg(m.id ORDER BY m.value DESC, m.id))[1] AS highest_id,
                max(m.value) AS highest_value
            FROM members AS m
            LEFT JOIN resources_citation AS c
                ON c.content_type_id = statistic_type AND c.object_id = m.id
            GROUP BY {KEY_COLUMNS}
        ),
        upserted AS (
            INSERT INTO resources_statisticgroup (
                {KEY_COLUMNS}, reports, source_ids, latest_id, latest_end, latest_start,
                lowest_id, lowest_value, highest_id, highest_value
            )
            SELECT * FROM computed
            ON CONFLICT ({KEY_COLUMNS}) DO UPDATE SET
                reports = EXCLUDED.reports, source_ids = EXCLUDED.source_ids,
                latest_id = EXCLUDED.latest_id, latest_end = EXCLUDED.latest_end,
                latest_start = EXCLUDED.latest_start, lowest_id = EXCLUDED.lowest_id,
                lowest_value = EXCLUDED.lowest_value, highest_id = EXCLUDED.highest_id,
                highest_value = EXCLUDED.highest_value
        )
        -- Groups left without a published statistic go.
        DELETE FROM resources_statisticgroup AS g
        USING keys AS k
        WHERE {SAME_GROUP}
            AND NOT EXISTS (
                SELECT FROM computed AS c
                WHERE {SAME_GROUP.replace('g.', 'c.')}
            );
    END
    $$;
    """,
    f"""
    CREATE FUNCTION resources_rebuild_statistic_groups() RETURNS void LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM resources_statisticgroup;
        PERFORM resources_refresh_statistic_groups(ARRAY(
            SELECT DISTINCT ROW({KEY_COLUMNS})::resources_statistic_group_key
            FROM resources_statistic WHERE publication_status = 'published'
        ));
    END
    $$;
    """,
    # A statistic's old and new rows differ in what a group holds: the rows that changed it.
    # (EXCEPT: a statement that rewrites a row unchanged, or changes only its notes, slug or
    # qualifier, recomputes nothing.)
    f"""
    CREATE FUNCTION resources_statistic_groups_after_statistics() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            PERFORM resources_refresh_statistic_groups(ARRAY(
                SELECT DISTINCT ROW({KEY_COLUMNS})::resources_statistic_group_key
                FROM new_rows WHERE publication_status = 'published'
            ));
        ELSIF TG_OP = 'DELETE' THEN
            PERFORM resources_refresh_statistic_groups(ARRAY(
                SELECT DISTINCT ROW({KEY_COLUMNS})::resources_statistic_group_key
                FROM old_rows WHERE publication_status = 'published'
            ));
        ELSIF TG_OP = 'UPDATE' THEN
            PERFORM resources_refresh_statistic_groups(ARRAY(
                WITH before AS (
                    SELECT id, value, period_start, period_end, {KEY_COLUMNS}
                    FROM old_rows WHERE publication_status = 'published'
                ),
                after AS (
                    SELECT id, value, period_start, period_end, {KEY_COLUMNS}
                    FROM new_rows WHERE publication_status = 'published'
                ),
                changed AS (
                    (SELECT * FROM before EXCEPT SELECT * FROM after)
                    UNION ALL
                    (SELECT * FROM after EXCEPT SELECT * FROM before)
                )
                SELECT DISTINCT ROW({KEY_COLUMNS})::resources_statistic_group_key FROM changed
            ));
        ELSE  -- TRUNCATE
            DELETE FROM resources_statisticgroup;
        END IF;
        RETURN NULL;
    END
    $$;
    """,
    # A citation counts towards its statistic's group (the sources): the statistics whose
    # citations (of which source) changed.
    f"""
    CREATE FUNCTION resources_statistic_groups_after_citations() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE
        statistic_type int := (
            SELECT id FROM django_content_type
            WHERE app_label = 'resources' AND model = 'statistic'
        );
        statistic_ids bigint[];
    BEGIN
        IF TG_OP = 'INSERT' THEN
            statistic_ids := ARRAY(
                SELECT object_id FROM new_rows WHERE content_type_id = statistic_type
            );
        ELSIF TG_OP = 'DELETE' THEN
            statistic_ids := ARRAY(
                SELECT object_id FROM old_rows WHERE content_type_id = statistic_type
            );
        ELSIF TG_OP = 'UPDATE' THEN
            statistic_ids := ARRAY(
                WITH before AS (
                    SELECT id, content_type_id, object_id, source_id FROM old_rows
                ),
                after AS (
                    SELECT id, content_type_id, object_id, source_id FROM new_rows
                ),
                changed AS (
                    (SELECT * FROM before EXCEPT SELECT * FROM after)
                    UNION ALL
                    (SELECT * FROM after EXCEPT SELECT * FROM before)
                )
                SELECT object_id FROM changed WHERE content_type_id = statistic_type
            );
        ELSE  -- TRUNCATE
            PERFORM resources_rebuild_statistic_groups();
            RETURN NULL;
        END IF;
        PERFORM resources_refresh_statistic_groups(ARRAY(
            SELECT DISTINCT ROW({KEY_COLUMNS})::resources_statistic_group_key
            FROM resources_statistic
            WHERE id = ANY(statistic_ids) AND publication_status = 'published'
        ));
        RETURN NULL;
    END
    $$;
    """,
]

for table, function in [
    ("resources_statistic", "resources_statistic_groups_after_statistics"),
    ("resources_citation", "resources_statistic_groups_after_citations"),
]:
    CREATE += [
        f"CREATE TRIGGER {table}_groups_insert AFTER INSERT ON {table} "
        f"REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}();",
        f"CREATE TRIGGER {table}_groups_update AFTER UPDATE ON {table} "
        f"REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {function}();",
        f"CREATE TRIGGER {table}_groups_delete AFTER DELETE ON {table} "
        f"REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}();",
        f"CREATE TRIGGER {table}_groups_truncate AFTER TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {function}();",
    ]

# The groups of the statistics already there.
BACKFILL = ["SELECT resources_rebuild_statistic_groups();"]

DROP = [
    *(
        f"DROP TRIGGER {table}_groups_{event} ON {table};"
        for table in ("resources_statistic", "resources_citation")
        for event in ("insert", "update", "delete", "truncate")
    ),
    "DROP FUNCTION resources_statistic_groups_after_citations();",
    "DROP FUNCTION resources_statistic_groups_after_statistics();",
    "DROP FUNCTION resources_rebuild_statistic_groups();",
    "DROP FUNCTION resources_refresh_statistic_groups(resources_statistic_group_key[]);",
    "DROP INDEX statistic_group_key_idx;",
    "DROP TYPE resources_statistic_group_key;",
]


class Migration(migrations.Migration):
    """Separate from 0014: the table's unique constraint, which the upsert relies on, is
    created only at the end of the migration that creates the table."""

    dependencies = [
        ("resources", "0014_maintain_statistic_groups"),
    ]

    operations = [
        migrations.RunSQL(CREATE, DROP),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
    ]
