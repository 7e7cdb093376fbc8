import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from claims.tokens.services import token_issue


class Command(BaseCommand):
    help = "Development only: give the superuser 'admin' a fresh random password; print it and a new API token."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("demo_login only runs with DEBUG on; use createsuperuser in production.")
        password = secrets.token_urlsafe(12)
        user, _ = get_user_model().objects.get_or_create(username="admin")
        user.is_staff = user.is_superuser = True
        user.set_password(password)
        user.save()
        _, secret = token_issue(user=user, name="demo_login", scope="admin")
        self.stdout.write(
            "\n"
            "  Admin:     http://127.0.0.1:8000/admin/  user admin, password " + password + "\n"
            "  API:       http://127.0.0.1:8000/api/    docs at /api/docs/\n"
            "  API token: " + secret + "   (header: Authorization: Token " + secret + "; scope admin)\n"
        )
