"""The editorial roles, as Django groups: editors, reviewers, administrators.

Editors create and edit drafts and submit them for review; reviewers also publish, retract
and edit what is published; administrators also manage API keys and users. Hard deletion
stays with superusers alone (the admin refuses it to everyone else). Re-running sets each
group's permissions to exactly these.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CURATED = ["exilegroup", "source", "statistic", "mediaoutlet", "organization", "hostpolicy"]
NESTED = ["channel", "audiencefigure", "location", "notablefigure", "citation"]


def role_permissions():
    editors = [
        f"resources.{action}_{model}" for model in CURATED for action in ("add", "change", "view")
    ]
    editors += [
        f"resources.{action}_{model}"
        for model in NESTED
        for action in ("add", "change", "delete", "view")
    ]
    editors += ["resources.view_country", "resources.view_change"]
    reviewers = editors + [f"resources.publish_{model}" for model in CURATED]
    administrators = reviewers + [
        f"resources.{action}_apikey" for action in ("add", "change", "delete", "view")
    ]
    administrators += ["auth.add_user", "auth.change_user", "auth.view_user", "auth.view_group"]
    return {"editors": editors, "reviewers": reviewers, "administrators": administrators}


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations; these groups need them now.
    for app_label in ("contenttypes", "auth", "resources"):
        app_config = apps.get_app_config(app_label)
        app_config.models_module = True  # create_permissions skips app stubs without it
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, names in role_permissions().items():
        group, _ = Group.objects.get_or_create(name=role)
        permissions = []
        for name in names:
            app_label, codename = name.split(".")
            permissions.append(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(permissions)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=role_permissions()).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("resources", "0009_editorial_workflow"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
