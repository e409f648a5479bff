# SourceSystem moves from the feeds app to access (everything below the loader uses
# it). Its table keeps its name (feeds_sourcesystem), so only Django's idea of where
# the model lives changes: no table, column or constraint is touched.

import django.core.validators
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('access', '0008_sign_in_counts'),
        ('feeds', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='SourceSystem',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=50, unique=True, validators=[django.core.validators.RegexValidator('^[a-z0-9][a-z0-9_-]{0,49}$', 'a source name is 1-50 lower-case letters, digits, _ and - (e.g. school_census)')])),
                        ('description', models.CharField(blank=True, max_length=200)),
                        ('trust_rank', models.PositiveSmallIntegerField(default=100)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('authority', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='source_systems', to='access.organisation')),
                    ],
                    options={
                        'db_table': 'feeds_sourcesystem',
                        'ordering': ['trust_rank', 'name'],
                    },
                ),
                migrations.AlterField(
                    model_name='apiclient',
                    name='source',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='api_clients', to='access.sourcesystem'),
                ),
            ],
            database_operations=[],
        ),
    ]
