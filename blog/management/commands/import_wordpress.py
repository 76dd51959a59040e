from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from blog.wordpress import WXRError, import_file


class Command(BaseCommand):
    help = (
        "Import posts from a WordPress export (WXR) file. Re-running updates the "
        "same articles; a bad file imports nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("export", type=Path, help="the WXR file, e.g. export.xml")
        parser.add_argument(
            "--uploads",
            type=Path,
            help="local copy of wp-content/uploads for featured images "
            "(default: the export file's folder)",
        )

    def handle(self, *args, export: Path, uploads: Path | None, **options):
        try:
            result = import_file(export, uploads)
        except WXRError as exc:
            raise CommandError(f"Nothing imported: {exc}") from None
        for warning in result.warnings:
            self.stderr.write(self.style.WARNING(warning))
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {result.created + result.updated} posts "
                f"({result.created} new, {result.updated} updated, "
                f"{result.images} featured images); skipped {result.skipped} "
                "pages or trashed items."
            )
        )
