# SourceSystem now lives in the access app (same table): the foreign key follows it.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('access', '0009_source_system_moves_here'),
        ('identity', '0010_shield_broker'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='sourcerecord',
                    name='source',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='records', to='access.sourcesystem'),
                ),
            ],
            database_operations=[],
        ),
    ]
