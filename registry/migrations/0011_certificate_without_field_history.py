"""Certificates keep no simple-history records (see Certificate's docstring): the table goes, and with it the model's
content type, its permissions and the agency groups' hold on them, so that no group lists a permission on nothing."""

from django.db import migrations


def forget_the_historical_model(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.using(schema_editor.connection.alias).filter(
        app_label="registry", model="historicalcertificate"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0010_counter_verbose_name"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.DeleteModel(name="HistoricalCertificate"),
        # Going back recreates the table; its permissions come back with the next migrate's post_migrate.
        migrations.RunPython(forget_the_historical_model, migrations.RunPython.noop),
    ]
