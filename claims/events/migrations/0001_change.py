"""The change record: one row per create, update and delete, with the writer's transaction id on PostgreSQL."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import claims.events.models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Change",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("claim", "Claim"),
                            ("link", "Claim link"),
                            ("source", "Source"),
                            ("topic", "Topic"),
                            ("article", "Article"),
                            ("appearance", "Appearance"),
                            ("review", "Review"),
                        ],
                        max_length=20,
                    ),
                ),
                (
                    "action",
                    models.CharField(
                        choices=[("created", "Created"), ("updated", "Updated"), ("deleted", "Deleted")], max_length=10
                    ),
                ),
                ("subject", models.BigIntegerField(help_text="The record's id.")),
                (
                    "version",
                    models.PositiveIntegerField(
                        blank=True, help_text="The record's version after the change.", null=True
                    ),
                ),
                ("time", models.DateTimeField()),
                (
                    "txid",
                    models.BigIntegerField(
                        blank=True, db_default=claims.events.models.CurrentTransactionId(), editable=False, null=True
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["txid", "id"],
                "indexes": [
                    models.Index(fields=["txid", "id"], name="events_change_order"),
                    models.Index(fields=["kind", "txid", "id"], name="events_change_kind"),
                    models.Index(fields=["time"], name="events_change_time"),
                ],
            },
        ),
    ]
