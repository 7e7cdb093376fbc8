"""Creates the `editors` group: may view, add and change every claims record, not delete.

Taking a topic off a claim deletes a ClaimTopic row but is an edit of the claim,
so editors may do that one.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MODELS = ["source", "article", "topic", "claim", "claimtopic", "claimlink", "review"]
ACTIONS = ["view", "add", "change"]


def create_editors(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure ours exist now.
    app_config = apps.get_app_config("claims")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    editors, _ = Group.objects.get_or_create(name="editors")
    codenames = [f"{action}_{model}" for model in MODELS for action in ACTIONS] + ["delete_claimtopic"]
    editors.permissions.add(*Permission.objects.filter(content_type__app_label="claims", codename__in=codenames))


def remove_editors(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="editors").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_editors, remove_editors)]
