"""Fill the countries' Russian names from pycountry's translations."""

from django.db import migrations

from resources.countries import sync_countries


def load_countries(apps, schema_editor):
    sync_countries(apps.get_model("resources", "Country"))


class Migration(migrations.Migration):
    dependencies = [("resources", "0005_multilingual_search")]

    operations = [migrations.RunPython(load_countries, migrations.RunPython.noop)]
