from django.db import migrations, models


def _guard(apps, schema_editor):
    from contactpoint.audit import guard

    for statement in guard.install_sql(schema_editor.connection):
        schema_editor.execute(statement, params=None)


def _unguard(apps, schema_editor):
    from contactpoint.audit import guard

    for statement in guard.remove_sql(schema_editor.connection):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Entry",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name="ID")),
                ("at", models.DateTimeField(db_index=True)),
                ("event", models.CharField(db_index=True, max_length=80)),
                ("actor", models.CharField(db_index=True, max_length=160, null=True)),
                ("organisation", models.CharField(db_index=True, max_length=64, null=True)),
                ("role", models.CharField(max_length=40, null=True)),
                ("subject", models.CharField(max_length=200, null=True)),
                ("children", models.TextField(blank=True, default="")),
                ("details", models.TextField(default="{}")),
                ("sealed", models.BinaryField(null=True)),
            ],
            options={"db_table": "audit_entry"},
        ),
        migrations.CreateModel(
            name="Head",
            fields=[
                ("id", models.PositiveSmallIntegerField(default=1, primary_key=True,
                                                        serialize=False)),
                ("size", models.BigIntegerField(default=0)),
                ("frontier", models.BinaryField(default=b"")),
                ("updated_at", models.DateTimeField(null=True)),
            ],
            options={"db_table": "audit_head"},
        ),
        migrations.CreateModel(
            name="SignedCheckpoint",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name="ID")),
                ("size", models.BigIntegerField(db_index=True)),
                ("root", models.BinaryField()),
                ("text", models.TextField()),
                ("signed_at", models.DateTimeField(db_index=True)),
            ],
            options={"db_table": "audit_checkpoint"},
        ),
        migrations.CreateModel(
            name="EntryChild",
            fields=[
                ("pk", models.CompositePrimaryKey("contactpoint_id", "entry_id",
                                                  blank=True, editable=False, primary_key=True,
                                                  serialize=False)),
                ("contactpoint_id", models.CharField(max_length=10)),
                ("entry_id", models.BigIntegerField()),
            ],
            options={"db_table": "audit_entry_child"},
        ),
        migrations.CreateModel(
            name="Pending",
            fields=[
                ("entry", models.OneToOneField(db_constraint=False,
                                               on_delete=models.deletion.DO_NOTHING,
                                               primary_key=True, related_name="+",
                                               serialize=False, to="audit.entry")),
            ],
            options={"db_table": "audit_pending"},
        ),
        migrations.CreateModel(
            name="Leaf",
            fields=[
                ("seq", models.BigIntegerField(primary_key=True, serialize=False)),
                ("leaf_hash", models.BinaryField()),
                ("entry", models.OneToOneField(db_constraint=False,
                                               on_delete=models.deletion.DO_NOTHING,
                                               related_name="leaf", to="audit.entry")),
            ],
            options={"db_table": "audit_leaf"},
        ),
        migrations.RunPython(_guard, _unguard),
    ]
