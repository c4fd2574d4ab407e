"""The roles see what re-checks of documents' pages found (sources.DocumentEvent, which came after
the roles): fact-checkers and editors may view them, as the Admin role may do everything. No one
adds, changes or deletes them: re-checks write them."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

VIEWERS = ("Fact-checker", "Editor")
MODEL = ("sources", "documentevent")


def grant(apps, schema_editor):
    database = schema_editor.connection.alias
    app_config = apps.get_app_config("sources")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0, using=database)
    app_config.models_module = None
    groups = apps.get_model("auth", "Group").objects.using(database)
    permissions = apps.get_model("auth", "Permission").objects.using(database).filter(
        content_type__app_label=MODEL[0], content_type__model=MODEL[1]
    )
    for group in groups.filter(name__in=VIEWERS):
        group.permissions.add(*permissions.filter(codename=f"view_{MODEL[1]}"))
    for group in groups.filter(name="Admin"):
        group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    database = schema_editor.connection.alias
    permissions = apps.get_model("auth", "Permission").objects.using(database).filter(
        content_type__app_label=MODEL[0], content_type__model=MODEL[1]
    )
    for group in apps.get_model("auth", "Group").objects.using(database).filter(name__in=[*VIEWERS, "Admin"]):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0007_claim_search"),
        ("sources", "0004_capture"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
