from django.db import migrations, models


def number_by_loading_order(apps, schema_editor):
    """Existing units keep the order they were loaded in (a directory file is loaded line by
    line, so pk order is the file's order): 1, 2, 3 … within each region, in SQL."""
    Unit = apps.get_model("regions", "Unit")
    table = schema_editor.quote_name(Unit._meta.db_table)
    schema_editor.execute(
        f"UPDATE {table} SET position = (SELECT COUNT(*) FROM {table} AS earlier"
        f" WHERE earlier.region_id = {table}.region_id AND earlier.id <= {table}.id)"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("regions", "0005_unit_contact_long_webhooks"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="unit",
            options={
                "ordering": ["region__code", "position", "id"],
                "verbose_name": "单位",
                "verbose_name_plural": "单位",
            },
        ),
        migrations.AddField(
            model_name="unit",
            name="position",
            field=models.PositiveIntegerField(
                default=0,
                db_default=0,
                help_text="同一区划内单位的排列顺序(名录中的先后),数字小的在前。",
                verbose_name="排列顺序",
            ),
        ),
        migrations.RunPython(number_by_loading_order, migrations.RunPython.noop),
    ]
