# The HelpRequest model moves to the `findhelp` app. Only Django's idea of the models
# changes here: the table and every row stay, and `findhelp.0001_initial` takes them over.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('referrals', '0003_hold_warned_at'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='HelpRequest')],
            database_operations=[],
        ),
    ]
