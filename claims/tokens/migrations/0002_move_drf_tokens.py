"""Tokens issued before this release (DRF's authtoken, stored as they are) keep working.

Each key becomes an API token of the write scope (what it could do before: all its user's
role allows; token management did not exist), named "API token from before scopes", expiring
TOKEN_EXPIRY_DAYS from the migration. Only its digest is kept: the plaintext rows are deleted
from authtoken_token. Databases made without DRF's authtoken have no such table: nothing to do.
"""

import datetime

from django.conf import settings
from django.db import migrations
from django.utils import timezone
from knox.crypto import hash_token
from knox.settings import CONSTANTS

LEGACY_TABLE = "authtoken_token"
LEGACY_NAME = "API token from before scopes"


def move_drf_tokens(apps, schema_editor):
    connection = schema_editor.connection
    if LEGACY_TABLE not in connection.introspection.table_names():
        return
    ApiToken = apps.get_model("tokens", "ApiToken")
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {qn('key')}, {qn('user_id')} FROM {qn(LEGACY_TABLE)}")
        rows = cursor.fetchall()
    expiry = timezone.now() + datetime.timedelta(days=settings.TOKEN_EXPIRY_DAYS)
    ApiToken.objects.using(connection.alias).bulk_create(
        ApiToken(
            digest=hash_token(key),
            token_key=key[: CONSTANTS.TOKEN_KEY_LENGTH],
            user_id=user_id,
            name=LEGACY_NAME,
            scope="write",
            expiry=expiry,
        )
        for key, user_id in rows
    )
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {qn(LEGACY_TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("tokens", "0001_api_token")]

    # Back: the digests cannot give the keys back; the moved tokens stay as they are.
    operations = [migrations.RunPython(move_drf_tokens, migrations.RunPython.noop)]
