from collections import Counter
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import transaction

from booking.models import Treatment
from medspa.demo import fingerprint, may_update

# Prescribing information for each prescription product, linked from its page.
BOTOX_COSMETIC_PI_URL = "https://www.rxabbvie.com/pdf/botox-cosmetic_pi.pdf"
BOTOX_PI_URL = "https://www.rxabbvie.com/pdf/botox_pi.pdf"
DAILYMED_SEARCH = (
    "https://dailymed.nlm.nih.gov/dailymed/search.cfm?labeltype=all&query="
)
FDA_FILLERS_URL = (
    "https://www.fda.gov/medical-devices/aesthetic-cosmetic-devices/"
    "dermal-fillers-soft-tissue-fillers"
)

# Shared by every botulinum toxin entry, the hyperhidrosis one included: who must
# tell us what, and the boxed warning's emergency advice.
NEUROMODULATOR_SAFETY = (
    "Before treatment a licensed clinician reviews your health history and "
    "medicines. Tell us if you are pregnant or breastfeeding; have a nerve or "
    "muscle condition such as myasthenia gravis; already have trouble swallowing "
    "or breathing; have had an allergic reaction to any botulinum toxin product; "
    "or have an infection where the injections would go. We do not treat anyone "
    "under 18.\n\n"
    "Rarely the effect spreads beyond the treated area, and symptoms can start "
    "hours to weeks after treatment. Call 911 if you have trouble breathing or "
    "swallowing. Contact us or your doctor at once if you notice drooping "
    "eyelids, double or blurred vision, a hoarse or changed voice, trouble "
    "speaking, or weakness away from the treated area. If you feel weak or dizzy "
    "or have problems with your vision, do not drive or operate machinery."
)

NEUROMODULATOR_FACTS = (
    "It is a botulinum toxin type A injection, which clinics often call a "
    "neuromodulator: a prescription medicine that stops nerve endings releasing "
    "acetylcholine at the neuromuscular junction, so the treated muscle relaxes "
    "and the lines it creases soften.\n\n"
    "A session takes 15 to 30 minutes and involves a few small injections. "
    "Effects usually start to show in 3 to 7 days and last about 3 to 4 months, "
    "sometimes longer; it varies with the product, dose, area and person. Then "
    "the muscle gradually works again.\n\n"
    "Common side effects are headache, and pain, bruising, swelling or redness "
    "where the needle went in. Less often a nearby muscle is affected, causing a "
    "drooping eyelid or brow; this wears off, but tell us.\n\n"
    + NEUROMODULATOR_SAFETY
    + "\n\nDosing and product choice are individual. The FDA prescribing "
    "information for {product} lists its approved uses, warnings and side "
    "effects: {label_url}"
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
            "Botox Cosmetic (onabotulinumtoxinA) was the first botulinum toxin "
            "the FDA approved for frown lines between the brows, in 2002. It is "
            "also approved for forehead lines, crow's feet and vertical neck "
            "(platysma) bands.\n\n"
            + NEUROMODULATOR_FACTS.format(
                product="Botox Cosmetic", label_url=BOTOX_COSMETIC_PI_URL
            )
        ),
        "areas_treated": "Frown lines, forehead lines, crow's feet",
        "results_appear": "In 3–7 days",
        "results_last": "About 3–4 months (varies)",
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
            "A botulinum toxin injection for frown lines between the brows, an "
            "alternative to Botox with a similar way of working."
        ),
        "description": (
            "Dysport (abobotulinumtoxinA) works in the same way as Botox "
            "Cosmetic. It is FDA-approved for frown lines between the brows in "
            "adults under 65. Units are not interchangeable between the "
            "products, so your clinician doses it on its own scale.\n\n"
            "Dysport is not for anyone allergic to cow's milk protein: tell us "
            "if you have a milk allergy.\n\n"
            + NEUROMODULATOR_FACTS.format(
                product="Dysport", label_url=DAILYMED_SEARCH + "DYSPORT"
            )
        ),
        "areas_treated": "Frown lines between the eyebrows",
        "results_appear": "In 3–7 days",
        "results_last": "About 3–4 months (varies)",
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
            "A botulinum toxin injection without accessory proteins, for frown "
            "lines, forehead lines and crow's feet."
        ),
        "description": (
            "Xeomin (incobotulinumtoxinA) contains the active protein without "
            "the accessory proteins found in some other products. It is "
            "FDA-approved for frown lines between the brows and, since July "
            "2024, also for forehead lines and crow's feet.\n\n"
            + NEUROMODULATOR_FACTS.format(
                product="Xeomin", label_url=DAILYMED_SEARCH + "XEOMIN"
            )
        ),
        "areas_treated": "Frown lines, forehead lines, crow's feet",
        "results_appear": "In 3–7 days",
        "results_last": "About 3–4 months (varies)",
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
            "Gel injections that restore volume to lips, cheeks and folds; with "
            "hyaluronic-acid fillers the change usually shows by the end of the "
            "visit."
        ),
        "description": (
            "Dermal fillers are gels, most often made of hyaluronic acid, that "
            "are injected under the skin to add volume or smooth a fold. Unlike "
            "botulinum toxin injections they do not act on muscles; they fill. "
            "We use a filler that is FDA-approved for the area being treated.\n\n"
            "With hyaluronic-acid fillers the change is usually visible at the "
            "end of the visit, although swelling can hide the final result for a "
            "week or two; some other filler types work gradually. How long a "
            "filler lasts depends on the product and the area; your clinician "
            "will tell you what to expect for yours. If a problem arises, a "
            "hyaluronic-acid filler can be broken down with an enzyme, "
            "hyaluronidase (an off-label use of that medicine).\n\n"
            "A licensed clinician reviews your health history first and only "
            "treats when it is appropriate. Please tell us, and expect to wait or "
            "choose something else, if you have had a severe allergic reaction "
            "or anaphylaxis; are allergic to lidocaine or to Gram-positive "
            "bacterial proteins; have a bleeding disorder or take blood thinners; "
            "have an infection or cold sore where the filler would go; or are "
            "pregnant or breastfeeding (fillers have not been studied then).\n\n"
            "Common side effects are swelling, bruising, tenderness and redness "
            "at the injection sites. Rarely a filler blocks a blood vessel; the "
            "FDA warns that this can damage the skin and cause vision loss, "
            "blindness or a stroke. The area between the brows, the nose, the "
            "forehead and the area around the eyes carry a higher risk.\n\n"
            "Call 911 at once if you notice any change in your vision or signs "
            "of a stroke (face drooping, weakness in an arm or leg, trouble "
            "speaking). Call the clinic at once if you have severe or increasing "
            "pain, or skin that turns pale, white, blotchy or dusky; if you "
            "cannot reach us straight away, go to an emergency department. Call "
            "us too about lumps, swelling, redness or warmth that appear days or "
            "weeks later, or a fever.\n\n"
            "The FDA explains approved uses and risks of dermal fillers: "
            + FDA_FILLERS_URL
        ),
        "areas_treated": (
            "Lips, cheeks, smile lines, chin, under-eye hollows (a higher-risk area)"
        ),
        "results_appear": "Usually at the end of the visit; settled after 1–2 weeks",
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
            "outermost layers of skin. We offer light (superficial) peels, which "
            "can brighten dull skin and even out tone with little downtime. "
            "Deeper peels do more but need more recovery and carry more risk; "
            "ask us for a referral to a dermatologist or plastic surgeon.\n\n"
            "Expect tightness, redness and flaking for a few days. Daily "
            "sunscreen matters afterwards, because new skin burns easily. Skin on "
            "the neck, chest and hands heals more slowly and scars more easily "
            "than the face, so it only ever gets a light peel.\n\n"
            "Peels are not right for everyone. Tell us if you get cold sores; "
            "have taken isotretinoin recently or use a retinoid; have a skin "
            "condition; are pregnant or breastfeeding; have had waxing, laser "
            "treatment or sunburn on the area recently; are allergic to aspirin "
            "(salicylic acid peels are related to it); or have a darker skin tone "
            "or have had dark marks or raised scars after a skin injury, which "
            "raises the risk of pigment changes. The clinician can then choose "
            "safely or suggest something else.\n\n"
            "Call us if you get blisters, crusting, spreading redness, pus, a "
            "fever or a cold-sore outbreak after a peel. See a doctor for any "
            "changing mole or skin lesion; a peel is not a treatment for it."
        ),
        "areas_treated": "Face; neck, chest and hands (light peels only)",
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
            "the skin's own repair process. A microneedling device has been "
            "FDA-cleared to improve the appearance of facial acne scars in adults "
            "aged 22 and older; the evidence for other uses is weaker.\n\n"
            "Skin is usually red, like a mild sunburn, for one to three days. "
            "Changes build gradually, and most people need a series of "
            "sessions a few weeks apart.\n\n"
            "We do not treat over active acne, infections, cold sores or open "
            "wounds. Tell us about any skin condition, blood thinners, a tendency "
            "to keloid scars, recent isotretinoin, pregnancy, a history of cold "
            "sores or a weakened immune system. Call us if the area becomes hot, "
            "swollen or oozing, or you get a fever."
        ),
        "areas_treated": "Face: acne scars, skin texture",
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
            "BOTOX injections that reduce severe underarm sweating when "
            "prescription antiperspirants have not helped enough."
        ),
        "description": (
            "Hyperhidrosis means sweating much more than the body needs to "
            "keep cool. The first step is usually a prescription-strength "
            "antiperspirant; we will ask what you have tried.\n\n"
            "If severe underarm sweating is not controlled well enough that way, "
            "we use BOTOX (onabotulinumtoxinA), the therapeutic product, not "
            "Botox Cosmetic. It is the only botulinum toxin FDA-approved for "
            "this: severe primary axillary (underarm) hyperhidrosis that is "
            "inadequately managed with topical agents, in adults. Injected into "
            "the skin, it blocks the release of acetylcholine, the signal that "
            "tells sweat glands to work.\n\n"
            "Treatment takes about 30 to 45 minutes. The effect builds over "
            "the following days and wears off over months, when treatment can "
            "be repeated; your clinician will explain what to expect for you. "
            "Common side effects are pain or bruising where the needle went in, "
            "and some people notice more sweating elsewhere on the body.\n\n"
            + NEUROMODULATOR_SAFETY
            + "\n\nSweating that starts suddenly, happens at night or comes with "
            "fever or weight loss can have a medical cause: please see your "
            "doctor about it first.\n\n"
            "The FDA prescribing information for BOTOX lists its approved uses, "
            "warnings and side effects: " + BOTOX_PI_URL
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
