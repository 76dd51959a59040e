from collections import Counter
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import transaction

from booking.models import Treatment
from medspa.demo import fingerprint, may_update

NEUROMODULATOR_FACTS = (
    "It is a neuromodulator: a purified protein that blocks the release of "
    "acetylcholine at the neuromuscular junction, so the treated muscle relaxes "
    "and the lines it creases soften.\n\n"
    "A session takes 15 to 30 minutes and involves a few small injections. "
    "Effects usually start to show in 3 to 7 days and last about 3 to 6 months, "
    "after which the muscle gradually works again.\n\n"
    "Common side effects are bruising, swelling and redness where the needle "
    "went in. Before treatment a licensed clinician reviews your health history "
    "and medicines; tell us if you are pregnant, breastfeeding or have a nerve "
    "or muscle condition. Contact us or your doctor at once if you "
    "notice drooping eyelids, trouble swallowing, speaking or breathing, or "
    "vision changes after treatment.\n\n"
    "Dosing and product choice are individual. The FDA prescribing information "
    "for {product} lists its approved uses, warnings and side effects."
)

TREATMENTS = [
    {
        "slug": "botox",
        "name": "Botox Cosmetic",
        "category": Treatment.Category.INJECTABLES,
        "duration_minutes": 30,
        "summary": (
            "Softens frown lines, forehead lines and crow's feet by relaxing "
            "the muscles that cause them."
        ),
        "description": (
            "Botox Cosmetic (onabotulinumtoxinA) is the best-known treatment "
            "for expression lines.\n\n"
            + NEUROMODULATOR_FACTS.format(product="Botox Cosmetic")
        ),
        "areas_treated": "Frown lines, forehead lines, crow's feet",
        "results_appear": "In 3–7 days",
        "results_last": "About 3–6 months",
        "price_from": Decimal("250"),
        "is_featured": True,
        "order": 10,
    },
    {
        "slug": "dysport",
        "name": "Dysport",
        "category": Treatment.Category.INJECTABLES,
        "duration_minutes": 30,
        "summary": (
            "A neuromodulator for frown lines between the brows, an alternative "
            "to Botox with a similar way of working."
        ),
        "description": (
            "Dysport (abobotulinumtoxinA) works in the same way as Botox; units "
            "are not interchangeable between the products, so your clinician "
            "doses it on its own scale.\n\n"
            + NEUROMODULATOR_FACTS.format(product="Dysport")
        ),
        "areas_treated": "Frown lines between the eyebrows",
        "results_appear": "In 3–7 days",
        "results_last": "About 3–6 months",
        "price_from": Decimal("220"),
        "is_featured": False,
        "order": 20,
    },
    {
        "slug": "xeomin",
        "name": "Xeomin",
        "category": Treatment.Category.INJECTABLES,
        "duration_minutes": 30,
        "summary": (
            "A neuromodulator without accessory proteins, used for frown lines "
            "between the brows."
        ),
        "description": (
            "Xeomin (incobotulinumtoxinA) contains the active protein without "
            "the accessory proteins found in some other products.\n\n"
            + NEUROMODULATOR_FACTS.format(product="Xeomin")
        ),
        "areas_treated": "Frown lines between the eyebrows",
        "results_appear": "In 3–7 days",
        "results_last": "About 3–6 months",
        "price_from": Decimal("220"),
        "is_featured": False,
        "order": 30,
    },
    {
        "slug": "dermal-fillers",
        "name": "Dermal fillers",
        "category": Treatment.Category.INJECTABLES,
        "duration_minutes": 45,
        "summary": (
            "Gel injections that restore volume to lips, cheeks and folds, "
            "with results you see straight away."
        ),
        "description": (
            "Dermal fillers are gels, most often made of hyaluronic acid, that "
            "are injected under the skin to add volume or smooth a fold. Unlike "
            "neuromodulators they do not act on muscles; they fill.\n\n"
            "You see the change at the end of the visit, although swelling can "
            "hide the final result for a week or two. How long a filler lasts "
            "depends on the product and the area; your clinician will tell you "
            "what to expect for yours.\n\n"
            "Common side effects are swelling, bruising, tenderness and redness "
            "at the injection sites. Rarely a filler can block a blood vessel, "
            "which needs urgent treatment: contact us straight away if you "
            "notice severe pain, skin turning white or dusky, or any change in "
            "your vision. A licensed clinician reviews your health history "
            "first and only treats when it is appropriate."
        ),
        "areas_treated": "Lips, cheeks, smile lines, chin, under-eye hollows",
        "results_appear": "Immediately; settled after 1–2 weeks",
        "results_last": "Depends on the product and area",
        "price_from": Decimal("600"),
        "is_featured": True,
        "order": 40,
    },
    {
        "slug": "chemical-peels",
        "name": "Chemical peels",
        "category": Treatment.Category.SKIN,
        "duration_minutes": 45,
        "summary": (
            "A solution applied to the skin to remove its outer layers, for "
            "a smoother, more even-looking surface."
        ),
        "description": (
            "A chemical peel uses an acid solution to loosen and remove the "
            "outermost layers of skin. Light peels can brighten dull skin and "
            "even out tone with little downtime; deeper peels do more and need "
            "more recovery.\n\n"
            "Expect tightness, redness and flaking for a few days after a light "
            "peel. Daily sunscreen matters afterwards, because new skin burns "
            "easily. Peels are not right for everyone: tell us about cold sores, "
            "recent isotretinoin, skin conditions or darker skin types that "
            "scar or pigment easily, so the clinician can choose safely or "
            "suggest something else. See a doctor for any changing mole or "
            "skin lesion; a peel is not a treatment for it."
        ),
        "areas_treated": "Face, neck, chest, hands",
        "results_appear": "After peeling, usually within a week",
        "results_last": "Varies; a series is often recommended",
        "price_from": Decimal("150"),
        "is_featured": False,
        "order": 50,
    },
    {
        "slug": "microneedling",
        "name": "Microneedling",
        "category": Treatment.Category.SKIN,
        "duration_minutes": 60,
        "summary": (
            "Fine needles make controlled micro-injuries that prompt the skin "
            "to repair itself, used for texture and some acne scars."
        ),
        "description": (
            "Microneedling passes a device with very fine needles over the "
            "skin after a numbing cream. The tiny channels it makes set off "
            "the skin's own repair process.\n\n"
            "Skin is usually red, like a mild sunburn, for one to three days. "
            "Changes build gradually, and most people need a series of "
            "sessions a few weeks apart. We do not treat over active acne, "
            "infections or open wounds; tell us about any skin condition, "
            "blood thinners or a tendency to keloid scars."
        ),
        "areas_treated": "Face, neck, acne scars, enlarged pores",
        "results_appear": "Gradually over several weeks",
        "results_last": "Varies; a series of sessions is usual",
        "price_from": Decimal("300"),
        "is_featured": True,
        "order": 60,
    },
    {
        "slug": "hyperhidrosis",
        "name": "Hyperhidrosis (excessive sweating) treatment",
        "category": Treatment.Category.MEDICAL,
        "duration_minutes": 45,
        "summary": (
            "Injections that reduce heavy underarm sweating by blocking the "
            "nerve signals that switch sweat glands on."
        ),
        "description": (
            "Hyperhidrosis means sweating much more than the body needs to "
            "keep cool. For severe underarm sweating, a neuromodulator can be "
            "injected into the skin, where it blocks the release of "
            "acetylcholine, the signal that tells sweat glands to work.\n\n"
            "Treatment takes about 30 to 45 minutes. The effect builds over "
            "the following days and wears off over months, when treatment can "
            "be repeated; your clinician will explain what to expect for you. "
            "Common side effects are bruising, swelling and redness at the "
            "injection sites.\n\n"
            "Sweating that starts suddenly, happens at night or comes with "
            "fever or weight loss can have a medical cause: please see your "
            "doctor about it first."
        ),
        "areas_treated": "Underarms",
        "results_appear": "Builds over the following days",
        "results_last": "Months; then it can be repeated",
        "price_from": Decimal("700"),
        "is_featured": False,
        "order": 70,
    },
    {
        "slug": "consultation",
        "name": "Free consultation",
        "category": Treatment.Category.CONSULTATION,
        "duration_minutes": 30,
        "summary": (
            "Talk through your goals with a licensed clinician and get an "
            "honest view of what can help, with no obligation."
        ),
        "description": (
            "Not sure where to start? In a consultation a licensed clinician "
            "listens to what you would like to change, reviews your health "
            "history and medicines, and explains which options are suitable, "
            "what results are realistic, the risks and the costs.\n\n"
            "Sometimes the honest answer is that a treatment will not help, or "
            "that a question belongs with your doctor or a dermatologist; we "
            "will tell you. There is no charge and no obligation to book."
        ),
        "areas_treated": "",
        "results_appear": "",
        "results_last": "",
        "price_from": Decimal("0"),
        "is_featured": False,
        "order": 5,
    },
]


class Command(BaseCommand):
    help = (
        "Load the demo treatment catalog. Creates what is missing and updates "
        "only demo treatments nobody has changed since; the clinic's own and "
        "edited ones keep every field."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        counts = Counter()
        for values in TREATMENTS:
            counts[self.load_treatment(dict(values))] += 1
        self.stdout.write(
            "Demo treatments: {created} created, {updated} updated, {unchanged} "
            "unchanged, {kept} kept as the clinic has them.".format_map(counts)
        )

    def load_treatment(self, values: dict) -> str:
        slug = values.pop("slug")
        treatment = Treatment.objects.filter(slug=slug).first()
        outcome = "updated"
        if treatment is None:
            treatment, outcome = Treatment(slug=slug, is_demo=True), "created"
        else:
            current = stored_values(treatment, values)
            if not may_update(treatment, current):
                return "kept"
            if current == values:
                return "unchanged"
        for name, value in values.items():
            setattr(treatment, name, value)
        treatment.save()
        # Fingerprinted as stored (a price reads back as 350.00, not 350).
        treatment.demo_fingerprint = fingerprint(stored_values(treatment, values))
        treatment.save(update_fields=["demo_fingerprint"])
        return outcome


def stored_values(treatment: Treatment, values: dict) -> dict:
    treatment.refresh_from_db(fields=list(values))
    return {name: getattr(treatment, name) for name in values}
