"""Editors' profiles, with the display name the public sees instead of the login name.

Every existing user gets one: their full name if the account has one (and it is not the login
name), otherwise 'Editor #<id>'. Never the login name.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import claims.models


def give_everyone_a_display_name(apps, schema_editor):
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    Profile = apps.get_model("claims", "Profile")
    profiles = []
    for pk, username, first, last in User.objects.values_list("pk", "username", "first_name", "last_name").iterator():
        full_name = " ".join(part.strip() for part in (first, last) if part.strip())[:100]
        if not full_name or full_name.casefold() == username.casefold():
            full_name = f"Editor #{pk}"
        profiles.append(Profile(user_id=pk, display_name=full_name))
    Profile.objects.bulk_create(profiles, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0009_article_body_and_appearances"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Profile",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "display_name",
                    models.CharField(
                        help_text="Shown to the public wherever your work is credited, instead of your login name.",
                        max_length=100,
                        validators=[
                            claims.models.FullMatchValidator(
                                "^[\\x01-\\x20\\x7f-\\x9f\\u00a0\\u1680\\u2000-\\u200b\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]*[^\\x00-\\x20\\x7f-\\x9f\\u00a0\\u1680\\u2000-\\u200b\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff][^\\x00]*$",
                                "Enter some text, not only spaces.",
                            )
                        ],
                    ),
                ),
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE, related_name="profile", to=settings.AUTH_USER_MODEL
                    ),
                ),
            ],
        ),
        migrations.RunPython(give_everyone_a_display_name, migrations.RunPython.noop),
    ]
