from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from blog.wordpress import PUBLISH_AS, WXRError, import_file


class Command(BaseCommand):
    help = (
        "Import posts from a WordPress export (WXR) file. Re-running updates the "
        "same articles; a bad file imports nothing. Imported posts wait in the "
        "review queue, take the address of any demo article with their slug, and "
        "their old addresses redirect (301) to their new pages."
    )

    def add_arguments(self, parser):
        parser.add_argument("export", type=Path, help="the WXR file, e.g. export.xml")
        parser.add_argument(
            "--uploads",
            type=Path,
            help="local copy of wp-content/uploads for featured images and images "
            "in post bodies (default: the export file's folder)",
        )
        parser.add_argument(
            "--publish-as",
            choices=PUBLISH_AS,
            default="keep",
            help="keep: posts published on WordPress are published here at once, "
            "so old links keep working (default); draft: every post arrives as a "
            "draft",
        )

    def handle(
        self, *args, export: Path, uploads: Path | None, publish_as: str, **options
    ):
        try:
            result = import_file(export, uploads, publish_as=publish_as)
        except WXRError as exc:
            raise CommandError(f"Nothing imported: {exc}") from None
        for slug, retired_slug in result.retired:
            self.stdout.write(
                f"Demo article {slug!r} retired (now a draft at {retired_slug!r}); "
                "the imported post has its address."
            )
        for warning in result.warnings:
            self.stderr.write(self.style.WARNING(warning))
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {result.created + result.updated} posts "
                f"({result.created} new, {result.updated} updated, {result.kept} "
                "kept as changed here, "
                f"{result.images} featured images, {result.body_images} images in "
                f"bodies, {len(result.redirects)} old addresses redirected); "
                f"skipped {result.skipped} pages or trashed items. Imported posts "
                "show no medical-review byline until a clinician's review is "
                "recorded (the review queue lists them)."
            )
        )
