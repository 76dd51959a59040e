from django.db import migrations

# The demo catalog's slugs and names since the first demo loader. Treatments an
# earlier loader made (before demo rows were marked) still carry them: they are
# flagged as demo content, so `check --deploy` warns about them (booking.W001).
# They get no fingerprint, so the loader never overwrites them; a clinic that
# kept them rewrites them and uses "Mark as the clinic's own".
DEMO_TREATMENTS = {
    "botox": "Botox Cosmetic",
    "dysport": "Dysport",
    "xeomin": "Xeomin",
    "dermal-fillers": "Dermal fillers",
    "chemical-peels": "Chemical peels",
    "microneedling": "Microneedling",
    "hyperhidrosis": "Hyperhidrosis (excessive sweating) treatment",
    "consultation": "Free consultation",
}


def flag(apps, schema_editor):
    Treatment = apps.get_model("booking", "Treatment")
    for slug, name in DEMO_TREATMENTS.items():
        Treatment.objects.filter(slug=slug, name=name, demo_fingerprint="").update(
            is_demo=True
        )


class Migration(migrations.Migration):
    dependencies = [("booking", "0017_treatment_demo_fingerprint")]

    operations = [migrations.RunPython(flag, migrations.RunPython.noop)]
