"""Load every ISO 3166-1 country, so that every database has them before any record cites one."""

from django.db import migrations

from resources.countries import sync_countries


def load_countries(apps, schema_editor):
    sync_countries(apps.get_model("resources", "Country"))


class Migration(migrations.Migration):
    dependencies = [("resources", "0001_initial")]

    operations = [migrations.RunPython(load_countries, migrations.RunPython.noop)]
