"""Creates the `senior editors` group: what editors may do, plus delete and the verdict statuses."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MODELS = ["source", "article", "topic", "claim", "claimtopic", "claimlink", "review"]
ACTIONS = ["view", "add", "change", "delete"]


def create_senior_editors(apps, schema_editor):
    # The set_final_status permission is new in this migration's predecessor; make sure it exists now.
    app_config = apps.get_app_config("claims")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    seniors, _ = Group.objects.get_or_create(name="senior editors")
    codenames = [f"{action}_{model}" for model in MODELS for action in ACTIONS] + ["set_final_status"]
    seniors.permissions.add(*Permission.objects.filter(content_type__app_label="claims", codename__in=codenames))


def remove_senior_editors(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="senior editors").delete()


class Migration(migrations.Migration):
    dependencies = [("claims", "0003_history_and_versions")]

    operations = [migrations.RunPython(create_senior_editors, remove_senior_editors)]
