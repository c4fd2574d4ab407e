"""The roles, as groups: Fact-checker, Editor and Admin.

Permissions are created after migrations run (post_migrate); on a fresh database they do not
exist yet, so they are created here first.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

FULL = ("add", "change", "delete", "view")

ROLES = {
    "Fact-checker": {
        "sources": {"source": FULL, "document": FULL, "excerpt": FULL},
        "claims": {
            "claim": (*FULL, "review"),
            "topic": FULL,
            "appearance": FULL,
            "derivation": FULL,
            "claimrelation": FULL,
            "review": ("view",),
            "provenancesummary": ("view",),
            "story": ("view",),
            "storyclaim": ("view",),
            "correctionflag": ("view",),
        },
    },
    "Editor": {
        "sources": {"source": ("view",), "document": ("view",), "excerpt": ("view",)},
        "claims": {
            "claim": ("view",),
            "topic": ("view",),
            "appearance": ("view",),
            "derivation": ("view",),
            "claimrelation": ("view",),
            "review": ("view",),
            "provenancesummary": ("view",),
            "story": FULL,
            "storyclaim": FULL,
            "correctionflag": ("view", "change"),
        },
    },
}


def codename(action, model):
    return "review_claim" if action == "review" else f"{action}_{model}"


def create_roles(apps, schema_editor):
    database = schema_editor.connection.alias
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0, using=database)
        app_config.models_module = None
    groups = apps.get_model("auth", "Group").objects.using(database)
    permissions = apps.get_model("auth", "Permission").objects.using(database)
    for role, apps_models in ROLES.items():
        group, _ = groups.get_or_create(name=role)
        for app_label, models in apps_models.items():
            for model, actions in models.items():
                group.permissions.add(
                    *permissions.filter(
                        content_type__app_label=app_label,
                        content_type__model=model,
                        codename__in=[codename(action, model) for action in actions],
                    )
                )
    admin, _ = groups.get_or_create(name="Admin")
    admin.permissions.set(permissions.all())


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.using(schema_editor.connection.alias).filter(name__in=[*ROLES, "Admin"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0003_workflow_history"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
