from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class StaffMemberCommand(BaseCommand):
    """A manager's command about one staff member, named by username."""

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        User = get_user_model()
        try:
            user = User.objects.get_by_natural_key(username)
        except User.DoesNotExist:
            raise CommandError(f"No user is called {username!r}.") from None
        self.stdout.write(self.handle_staff_member(user))

    def handle_staff_member(self, user) -> str:
        """Do the command's work for ``user``; return what to tell the manager."""
        raise NotImplementedError
