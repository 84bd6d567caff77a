from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0008_provider_requires_mfa"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="dossier",
            index=models.Index(fields=["status_changed_at", "-id"], name="dossier_list_order"),
        ),
    ]
