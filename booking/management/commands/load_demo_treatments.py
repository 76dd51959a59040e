from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Load the demo treatment catalog (idempotent)."

    def handle(self, *args, **options):
        self.stdout.write("Demo treatments: none defined yet.")
