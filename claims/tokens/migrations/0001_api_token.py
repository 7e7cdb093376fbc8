"""API tokens: knox's digest and key prefix, with a name, a scope, an expiry and the last use."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ApiToken",
            fields=[
                ("token_key", models.CharField(db_index=True, max_length=25)),
                ("created", models.DateTimeField(auto_now_add=True)),
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("digest", models.CharField(max_length=128, unique=True)),
                ("name", models.CharField(help_text="What the token is for, to recognise it by.", max_length=100)),
                (
                    "scope",
                    models.CharField(
                        choices=[
                            ("read", "read: GET, HEAD and OPTIONS only"),
                            ("write", "write: also create, change and delete records, as the user's role allows"),
                            ("admin", "admin: also issue and revoke the user's tokens"),
                        ],
                        max_length=5,
                    ),
                ),
                ("expiry", models.DateTimeField()),
                (
                    "last_used",
                    models.DateTimeField(
                        blank=True,
                        help_text="To the minute: a token's use is recorded at most once a minute.",
                        null=True,
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="auth_token_set",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "API token",
                "ordering": ["-created", "-id"],
            },
        ),
    ]
