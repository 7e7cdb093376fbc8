import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from rest_framework.authtoken.models import Token

from claims.models import Profile, editor_name

ROLES = {
    "editor": ["editors"],
    "senior-editor": ["senior editors"],
    "admin": [],  # a superuser
}


class Command(BaseCommand):
    help = (
        "Create a user in a role (editor, senior-editor, admin) who can log in to the admin, and print "
        "a random password and an API token, shown this once."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", choices=sorted(ROLES), required=True)
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--display-name",
            default="",
            help="The name the public sees on the editor's work (default 'Editor #<id>'); never the login name.",
        )

    @transaction.atomic
    def handle(self, *args, username, role, email, display_name, **options):
        User = get_user_model()
        if User.objects.filter(username=username).exists():
            raise CommandError(f"A user named {username!r} already exists; choose another name.")
        groups = list(Group.objects.filter(name__in=ROLES[role]))
        if len(groups) != len(ROLES[role]):
            raise CommandError(f"The groups for {role} are missing: run `manage.py migrate` first.")
        password = secrets.token_urlsafe(12)
        user = User.objects.create_user(
            username=username,
            email=email,
            password=password,
            is_staff=True,
            is_superuser=role == "admin",
        )
        user.groups.set(groups)
        profile = Profile(user=user, display_name=display_name.strip() or editor_name(user.pk, None))
        try:
            profile.full_clean(exclude=["user"])
        except ValidationError as exc:
            raise CommandError(f"--display-name: {' '.join(exc.messages)}") from exc
        profile.save()
        token = Token.objects.create(user=user)
        self.stdout.write(
            f"Created {role} {username!r}, shown to the public as {profile.display_name!r}.\n"
            f"  password:  {password}\n"
            f"  API token: {token.key}   (send as 'Authorization: Token {token.key}')\n"
            "This command will not show them again; keep them somewhere safe."
        )
