"""Decision.category becomes the foreign key 0005 filled (a separate transaction from the fill)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("councils", "0005_council_types_and_categories"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="decision", name="decision_received_idx"),
        migrations.RemoveConstraint(model_name="decision", name="decision_category_valid"),
        migrations.RemoveField(model_name="decision", name="category"),
        migrations.RenameField(model_name="decision", old_name="category_ref", new_name="category"),
        migrations.AlterField(
            model_name="decision",
            name="category",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="decisions",
                to="councils.category",
            ),
        ),
        migrations.AddIndex(
            model_name="decision",
            index=models.Index(
                fields=["received", "council", "category"], name="decision_received_idx"
            ),
        ),
    ]
