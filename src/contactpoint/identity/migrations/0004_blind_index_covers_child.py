# The blind index's lookup index covers the child too, so a token lookup answers from
# the index alone. The new index is built before the old one goes: lookups always have
# one.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('identity', '0003_involvements_and_shield_history'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='blindindexentry',
            index=models.Index(fields=['token', 'child'], name='blind_index_token_child'),
        ),
        migrations.RemoveIndex(
            model_name='blindindexentry',
            name='blind_index_token',
        ),
    ]
