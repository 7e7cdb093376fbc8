import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from claims.models import Profile, editor_name
from claims.tokens.models import TokenScope
from claims.tokens.services import token_issue

ROLES = {
    "editor": ["editors"],
    "senior-editor": ["senior editors"],
    "admin": [],  # a superuser
}


class Command(BaseCommand):
    help = (
        "Create a user in a role (editor, senior-editor, admin) who can log in to the admin, and print "
        "a random password and an API token of the given scope (write if not given), shown this once."
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
        # Write by default: reads need no token, so a read token would be of little use to the editor it
        # is made for; admin (issuing and revoking tokens with a token) is asked for, not given.
        parser.add_argument(
            "--scope",
            choices=TokenScope.values,
            default=TokenScope.WRITE,
            help="what the API token may do: read, write (the default) or admin (also manage the user's tokens)",
        )

    @transaction.atomic
    def handle(self, *args, username, role, email, display_name, scope, **options):
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
        token, secret = token_issue(user=user, name="create_user", scope=scope)
        self.stdout.write(
            f"Created {role} {username!r}, shown to the public as {profile.display_name!r}.\n"
            f"  password:  {password}\n"
            f"  API token: {secret}   (send as 'Authorization: Token {secret}')\n"
            f"  its scope: {scope}, until {token.expiry:%Y-%m-%d %H:%M} UTC\n"
            "This command will not show them again; keep them somewhere safe."
        )
