"""Public texts in French beside the English ones (scope, conditions, reasons, descriptions, change summaries);
the declaration's signatory and capacity."""

from django.db import migrations, models

import registry.core.validators


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0023_change_dossier_renews"),
    ]

    operations = [
        migrations.AddField(
            model_name="certificate",
            name="conditions_fr",
            field=models.TextField(blank=True, verbose_name="conditions and reserves (French)"),
        ),
        migrations.AddField(
            model_name="certificate",
            name="scope_fr",
            field=models.TextField(blank=True, verbose_name="scope (French)"),
        ),
        migrations.AddField(
            model_name="certificateevent",
            name="reason_fr",
            field=models.TextField(blank=True, verbose_name="reason (French)"),
        ),
        migrations.AddField(
            model_name="changenotice",
            name="public_summary_fr",
            field=models.TextField(blank=True, verbose_name="public summary (French)"),
        ),
        migrations.AddField(
            model_name="dossier",
            name="declared_by_capacity",
            field=models.CharField(
                blank=True,
                max_length=200,
                validators=[registry.core.validators.validate_single_line],
                verbose_name="signatory's capacity",
            ),
        ),
        migrations.AddField(
            model_name="dossier",
            name="declared_by_name",
            field=models.CharField(
                blank=True,
                max_length=200,
                validators=[registry.core.validators.validate_single_line],
                verbose_name="signatory",
            ),
        ),
        migrations.AddField(
            model_name="historicalprovider",
            name="description_fr",
            field=models.TextField(blank=True, verbose_name="description (French)"),
        ),
        migrations.AddField(
            model_name="historicalservice",
            name="description_fr",
            field=models.TextField(blank=True, verbose_name="description (French)"),
        ),
        migrations.AddField(
            model_name="provider",
            name="description_fr",
            field=models.TextField(blank=True, verbose_name="description (French)"),
        ),
        migrations.AddField(
            model_name="service",
            name="description_fr",
            field=models.TextField(blank=True, verbose_name="description (French)"),
        ),
    ]
