"""Fill the bench database with a scaled data set, fast (bulk_create).

Only for the throwaway bench database that bench/run.py creates; never run it
against development data.
"""

import os

from _django import setup

setup()

from django.db import connection  # noqa: E402

from booking.models import Treatment  # noqa: E402

TREATMENTS = int(os.environ.get("BENCH_TREATMENTS", "50"))


def treatments() -> None:
    categories = [c for c, _ in Treatment.Category.choices]
    Treatment.objects.bulk_create(
        Treatment(
            name=f"Treatment {n:02d}",
            slug=f"treatment-{n:02d}",
            category=categories[n % len(categories)],
            duration_minutes=30,
            summary="A representative treatment summary of about one sentence.",
            description="A representative description. " * 60,
            areas_treated="Forehead, frown lines, crow's feet",
            results_appear="3–7 days",
            results_last="3–6 months",
            price_from=100 + n,
            order=n,
        )
        for n in range(TREATMENTS)
    )


def main() -> None:
    assert connection.settings_dict["NAME"] != "medspa", "refusing the dev database"
    treatments()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


if __name__ == "__main__":
    main()
