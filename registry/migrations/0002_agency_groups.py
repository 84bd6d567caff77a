"""The agency's three groups and what each may see and change in the admin.

Workflow moves are not model permissions: registry.workflow decides them. These permissions only open the admin pages.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

REGISTRY_MODELS = [
    "provider", "membership", "shareholder", "scheme", "requirement", "evaluationcenter", "service", "site",
    "thirdparty", "dossier", "answer", "document", "message", "dossierevent", "certificate", "certificateevent",
    "historicalprovider", "historicalshareholder", "historicalservice", "historicalsite", "historicalthirdparty",
    "historicalcertificate",
]  # fmt: skip
ADMINISTERED = ["provider", "membership", "shareholder", "scheme", "requirement", "evaluationcenter", "service", "site", "thirdparty"]  # fmt: skip

GROUPS = {
    "Reviewers": [f"view_{m}" for m in REGISTRY_MODELS],
    "Qualification committee": [f"view_{m}" for m in REGISTRY_MODELS],
    "Registry administrators": [f"view_{m}" for m in REGISTRY_MODELS]
    + [f"{verb}_{m}" for m in ADMINISTERED for verb in ("add", "change", "delete")],
}


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations; this migration needs them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(Permission.objects.filter(content_type__app_label="registry", codename__in=codenames))


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
