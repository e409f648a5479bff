# SourceSystem now lives in the access app, in the same table: the feed loads' foreign
# key follows it, and the feeds app stops claiming the model. No table is touched.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('access', '0009_source_system_moves_here'),
        ('identity', '0011_source_system_in_access'),
        ('feeds', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='feedload',
                    name='source',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='loads', to='access.sourcesystem'),
                ),
                migrations.DeleteModel(name='SourceSystem'),
            ],
            database_operations=[],
        ),
    ]
