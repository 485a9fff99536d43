from django.db import migrations

from councils.models import tallies


def run(statements):
    def operation(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        for statement in statements(vendor):
            schema_editor.execute(statement, params=None)

    return operation


def create(vendor):
    return [*tallies.create_triggers(vendor), *tallies.rebuild_statements(vendor)]


class Migration(migrations.Migration):
    """The database keeps the tallies from here on (councils/models/tallies.py). Apart from
    0009: the table's unique constraint, which the triggers' upsert needs, is made at its end."""

    dependencies = [
        ("councils", "0009_decision_tallies"),
    ]

    operations = [
        migrations.RunPython(run(create), run(tallies.drop_triggers)),
    ]
