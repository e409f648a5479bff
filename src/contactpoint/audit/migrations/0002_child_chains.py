"""Per-child chaining of the trail (audit/chain.py): links beside each leaf, each child's
latest entry, and where chaining began.

Entries already placed keep their leaves and stay verifiable as they were; they get no
links (`Leaf.links` NULL). `Head.chained_from` is set to the log's size now, so a
subject access export says which of a child's entries came before chaining (shown, not
proved complete). Each child's first chained entry links back to its latest earlier
one, looked up by the sequencer when it first meets the child (`chains.py`), so no
scan of the trail runs here.

Adding a NULL column to audit_leaf is a catalogue change on PostgreSQL (no rewrite);
audit_head has one row.
"""

from django.db import migrations, models


def _mark_start(apps, schema_editor):
    Head = apps.get_model("audit", "Head")
    Head.objects.filter(pk=1).update(chained_from=models.F("size"))


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.AddField(model_name="leaf", name="links",
                            field=models.TextField(null=True)),
        migrations.AddField(model_name="head", name="chained_from",
                            field=models.BigIntegerField(default=0)),
        migrations.CreateModel(
            name="ChildHead",
            fields=[
                ("contactpoint_id", models.CharField(max_length=10, primary_key=True,
                                                     serialize=False)),
                ("seq", models.BigIntegerField()),
            ],
            options={"db_table": "audit_child_head"},
        ),
        migrations.RunPython(_mark_start, migrations.RunPython.noop),
    ]
