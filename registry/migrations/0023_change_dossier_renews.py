"""A change re-evaluation dossier (kind "change") names the certificate it renews, as a renewal does."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("registry", "0022_after_qualification_backfill")]

    operations = [
        migrations.RemoveConstraint(model_name="dossier", name="dossier_renewal_names_its_certificate"),
        migrations.AddConstraint(
            model_name="dossier",
            constraint=models.CheckConstraint(
                condition=models.Q(("kind", "initial"), ("renews__isnull", True))
                | models.Q(("kind__in", ["renewal", "change"]), ("renews__isnull", False)),
                name="dossier_renewal_names_its_certificate",
            ),
        ),
    ]
