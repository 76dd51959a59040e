from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Load the demo articles (idempotent)."

    def handle(self, *args, **options):
        self.stdout.write("Demo articles: none defined yet.")
