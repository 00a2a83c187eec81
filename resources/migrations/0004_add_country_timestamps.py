import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("resources", "0003_statistic_ordering_and_policy_status")]

    operations = [
        migrations.AddField(
            model_name="country",
            name="created_at",
            field=models.DateTimeField(
                auto_now_add=True,
                default=django.utils.timezone.now,
                help_text="When the record was created.",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="country",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, help_text="When the record was last changed."),
        ),
    ]
