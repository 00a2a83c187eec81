"""Create the database cache table (rate-limit counters), so that `migrate` alone prepares a
database for serving. A no-op when the cache is Redis (REDIS_URL)."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("resources", "0006_load_country_russian_names")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
