# HelpRequest moves here from `referrals` without copying a row: the model enters this
# app's state on the table it already has (`referrals.0004` dropped it from referrals'
# state only), then the table is renamed to this app's default name,
# `findhelp_helprequest` (a rename: every row, index and constraint stays).

import django.db.models.deletion
import django.utils.timezone
import lantern.core.crypto
import lantern.referrals.models
import uuid
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('accounts', '0004_organization_takes_help_requests'),
        ('consent', '0001_initial'),
        ('directory', '0003_service_name_index'),
        ('referrals', '0004_helprequest_moves_to_findhelp'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='HelpRequest',
                    fields=[
                        ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ('code', models.CharField(default=lantern.referrals.models.new_code, max_length=12, unique=True)),
                        ('needs', lantern.core.crypto.EncryptedTextField(blank=True)),
                        ('contact', lantern.core.crypto.EncryptedTextField(blank=True)),
                        ('name', lantern.core.crypto.EncryptedTextField(blank=True)),
                        ('contact_method', models.CharField(choices=[('text', 'Send a text'), ('call', 'Call'), ('email', 'Send an email'), ('hotline', 'They will call the help line')], max_length=16)),
                        ('status', models.CharField(choices=[('new', 'New'), ('claimed', 'Claimed'), ('referred', 'Referred'), ('closed', 'Closed')], default='new', max_length=16)),
                        ('claimed_at', models.DateTimeField(blank=True, null=True)),
                        ('created', models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                        ('closed_at', models.DateTimeField(blank=True, null=True)),
                        ('purged_at', models.DateTimeField(blank=True, null=True)),
                        ('claimed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='help_requests_claimed', to=settings.AUTH_USER_MODEL)),
                        ('consent', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='help_requests', to='consent.consentrecord')),
                        ('organization', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='help_requests', to='accounts.organization')),
                        ('referral', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='help_requests', to='referrals.referral')),
                        ('service', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='help_requests', to='directory.service')),
                    ],
                    options={
                        'ordering': ['-created'],
                        'db_table': 'referrals_helprequest',
                        'indexes': [models.Index(fields=['organization', 'status', '-created'], name='help_request_org')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name='helprequest', table=None),
    ]
