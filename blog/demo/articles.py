"""Demo articles for a fictional clinic, written for this project.

Medical statements stay within well-established facts, and each reference is
cited only for what it says: visit length, check-ins and aftercare are clinic
practice, not label facts. Every article tells readers when to see a doctor or
call 911. Bodies are the same simple HTML the admin editor produces.
"""

# Obviously fictional, never a real person's name: the demo's reviews are
# placeholders (`manage.py check --deploy` warns while they are published).
REVIEWER_NAME = "Example Reviewer"
REVIEWER_CREDENTIAL = "MD — demo"
REVIEWER_BIO = (
    "A fictional placeholder for the demo content, not a real clinician. "
    "Before going live, add your clinic's reviewers and record their reviews."
)
AUTHOR = "Willow Aesthetics clinical team"

# References, one per line as "Title | URL". Each names what it is cited for;
# a prescribing information (PI) is never cited for clinic practice.
BOTOX_COSMETIC_PI = (
    "BOTOX Cosmetic (onabotulinumtoxinA) Prescribing Information, AbbVie, "
    "rev. 10/2024: approved uses, boxed warning, contraindications, side effects "
    "| https://www.rxabbvie.com/pdf/botox-cosmetic_pi.pdf"
)
DYSPORT_PI = (
    "DYSPORT (abobotulinumtoxinA) Prescribing Information, current label found by "
    "searching DailyMed (revision date on the label): approved "
    "uses, boxed warning, contraindications (including cow's milk protein "
    "allergy), side effects "
    "| https://dailymed.nlm.nih.gov/dailymed/search.cfm?labeltype=all&query=DYSPORT"
)
XEOMIN_PI = (
    "XEOMIN (incobotulinumtoxinA) Prescribing Information, current label found by "
    "searching DailyMed (revision date on the label): approved "
    "uses, boxed warning, contraindications, side effects "
    "| https://dailymed.nlm.nih.gov/dailymed/search.cfm?labeltype=all&query=XEOMIN"
)
FDA_REFS = "\n".join((BOTOX_COSMETIC_PI, DYSPORT_PI, XEOMIN_PI))
FILLER_REFS = "\n".join(
    (
        # Cited by title: the communication's own page address is not pinned here.
        "FDA Safety Communication (May 2015): Unintentional injection of soft "
        "tissue filler into blood vessels in the face: warning signs and possible "
        "outcomes",
        "Dermal Fillers (Soft Tissue Fillers), U.S. Food and Drug Administration: "
        "approved uses and risks "
        "| https://www.fda.gov/medical-devices/aesthetic-cosmetic-devices/"
        "dermal-fillers-soft-tissue-fillers",
    )
)
SUN_REFS = "\n".join(
    (
        "Sunscreen FAQs, American Academy of Dermatology: choosing a sunscreen, "
        "how much to apply and when to reapply "
        "| https://www.aad.org/public/everyday-care/sun-protection/"
        "sunscreen-patients/sunscreen-faqs",
        "Sunscreen: How to Help Protect Your Skin from the Sun, U.S. Food and Drug "
        "Administration: sun-safety tips and reading the label "
        "| https://www.fda.gov/drugs/understanding-over-counter-medicines/"
        "sunscreen-how-help-protect-your-skin-sun",
    )
)

CATEGORIES = [
    {
        "slug": "injectables",
        "name": "Injectables",
        "description": "How botulinum toxin injections and fillers work, what "
        "they can and cannot do, and how to decide.",
    },
    {
        "slug": "your-visit",
        "name": "Your visit",
        "description": "What happens before, during and after an appointment.",
    },
    {
        "slug": "safety",
        "name": "Safety",
        "description": "Side effects, who should wait or avoid a treatment, and "
        "when to call a doctor or 911.",
    },
    {
        "slug": "skin-care",
        "name": "Skin care",
        "description": "Everyday habits that support healthy-looking skin.",
    },
]

# What clinics usually do, said as such wherever a visit's length or follow-up
# comes up, so nobody reads it as a label fact.
CLINIC_PRACTICE = (
    "<p><em>Visit length, follow-up visits and aftercare described here are common "
    "clinic practice, not statements from the prescribing information; the "
    "references below are cited for approved uses, warnings and side "
    "effects.</em></p>"
)

ARTICLES = [
    {
        "slug": "neurotransmitters-vs-neuromodulators",
        "title": "Neurotransmitters vs neuromodulators: how injections soften "
        "expression lines",
        "summary": "Your nerves tell facial muscles to move with a chemical "
        "messenger. Here is how Botox, Dysport and Xeomin quiet that message, "
        "and what that means for your visit, results and safety.",
        "categories": ["injectables", "safety"],
        "treatment": "botox",
        "days_ago": 10,
        "color": (47, 93, 80),
        "alt": "Abstract illustration of soft green waves suggesting relaxed "
        "facial muscles",
        "references": FDA_REFS,
        "body": """
<p>Frown lines between the brows, forehead lines and crow's feet have
something in common: they are <strong>expression lines</strong>. They form
where muscles under the skin contract again and again, folding the skin each
time. Botulinum toxin injections soften these lines by letting those muscles
relax. To see how, it helps to separate two words that sound alike.</p>
<h2>What a neurotransmitter does</h2>
<p>A <strong>neurotransmitter</strong> is a chemical messenger that a nerve
cell releases to pass a signal to the next cell. Where a nerve meets a muscle,
at the <em>neuromuscular junction</em>, the messenger is
<strong>acetylcholine</strong>. When the nerve releases acetylcholine, the
muscle receives the signal and contracts. Every frown, squint and raised
eyebrow starts this way.</p>
<h2>What "neuromodulator" means</h2>
<p>The word has two meanings, and it helps to keep them apart. In
neuroscience, <strong>neuromodulators</strong> are the body's own messengers,
such as serotonin, dopamine and some neuropeptides, that tune how nerve cells
signal to each other.</p>
<p>Clinics also use the word, loosely, for <strong>botulinum toxin type
A</strong> injections. These are prescription medicines made from a protein
produced by bacteria; their FDA labels describe them as acetylcholine release
inhibitors and neuromuscular blocking agents. Botox Cosmetic, Dysport and
Xeomin are three of several FDA-approved brands; others include Jeuveau,
Daxxify and Letybo. Injected in tiny, measured doses into a specific muscle,
they <strong>stop the nerve endings there from releasing
acetylcholine</strong>. The muscle receives a weaker signal, so it contracts
less, and the skin above it folds less. Lines that are caused by movement
soften; the face can still move, just less forcefully when the dose is
right.</p>
<p>These injections do not fill lines and do not change skin texture. Lines
that are visible when your face is completely at rest, or that come from
volume loss or sun damage, may respond only partly. A clinician can tell you
honestly which of your lines are likely to improve.</p>
<h2>What a visit looks like</h2>
<ol>
<li>A clinician reviews your health history and medicines and asks about
your goals.</li>
<li>You make a few expressions so the clinician can see which muscles create
each line.</li>
<li>The skin is cleaned, and a few small injections are placed with a very
fine needle.</li>
<li>In most clinics the appointment takes <strong>15 to 30 minutes</strong>,
and most people return to everyday activities the same day.</li>
</ol>
<h2>When results show and how long they last</h2>
<p>The effect is not immediate. Most people notice a change within
<strong>3 to 7 days</strong>, and the full effect can take about two weeks.
Results usually last <strong>about 3 to 4 months</strong>, sometimes longer;
it varies with the product, the dose, the area and the person. Then nerve
signalling gradually recovers and movement returns. Keeping the effect means
repeat treatments, which your clinician will space out for you.</p>
<h2>Side effects</h2>
<p>Common side effects are usually mild and short-lived:</p>
<ul>
<li>headache;</li>
<li>pain, bruising, swelling or redness where the needle went in.</li>
</ul>
<p>Less often, a nearby muscle is affected, causing for example a drooping
eyelid or brow. This wears off, but tell your clinician.</p>
<p>The prescribing information for each product warns that, rarely, the
effect can spread beyond the injection area, with symptoms such as trouble
swallowing, speaking or breathing, double or blurred vision, drooping
eyelids or muscle weakness. These can start <strong>hours to weeks</strong>
after a treatment. <strong>If you have trouble breathing or swallowing, call
911.</strong> For any of the other symptoms, get medical help right away. If
you feel weak or dizzy or have problems with your vision, do not drive or
operate machinery.</p>
<h2>Who should not have them</h2>
<p>These injections are not suitable for everyone. Tell your clinician if
you:</p>
<ul>
<li>are pregnant, trying to become pregnant or breastfeeding;</li>
<li>have an infection or skin problem where the injections would go;</li>
<li>have had an allergic reaction to any botulinum toxin product or its
ingredients;</li>
<li>are allergic to cow's milk protein: Dysport must not be used then;</li>
<li>have a condition that affects nerves and muscles, such as myasthenia
gravis, Lambert-Eaton syndrome or ALS, or already have trouble swallowing
or breathing;</li>
<li>take medicines that can interact, including some antibiotics,
anticholinergic medicines and muscle relaxants, or blood thinners that make
bruising more likely;</li>
<li>are under 18: these products are not approved for cosmetic use in
young people.</li>
</ul>
<p>If any of these apply, or you are unsure, talk to your doctor before
booking. A good clinic will tell you when a treatment is not right for
you.</p>
"""
        + CLINIC_PRACTICE,
    },
    {
        "slug": "botox-dysport-xeomin-compared",
        "title": "Botox, Dysport and Xeomin: what they share and how they differ",
        "summary": "Three brands of the same kind of medicine. What is the same, "
        "what is different, and why the choice is one to make with your "
        "clinician.",
        "categories": ["injectables"],
        "treatment": "dysport",
        "days_ago": 24,
        "color": (86, 110, 140),
        "alt": "Abstract illustration of three overlapping blue circles",
        "references": FDA_REFS,
        "body": """
<p>Patients often ask which brand is "best". The honest answer is that Botox
Cosmetic, Dysport and Xeomin are more alike than different, and the right one
depends on you and on your clinician's experience.</p>
<h2>What they have in common</h2>
<ul>
<li>All three are forms of <strong>botulinum toxin type A</strong>, approved
by the FDA for temporarily improving certain facial lines.</li>
<li>All three work the same way: they block the release of acetylcholine at
the neuromuscular junction, so the treated muscle contracts less.</li>
<li>Results usually appear within 3 to 7 days and last about 3 to 4 months,
sometimes longer; it varies with the product, the dose, the area and the
person. In most clinics a treatment takes 15 to 30 minutes.</li>
<li>Their common side effects are similar but not identical. Headache and
pain, bruising or swelling where the needle went in are common with several
products, and any of them can cause a drooping eyelid or brow. Each
product's prescribing information lists its own.</li>
</ul>
<h2>How they differ</h2>
<p><strong>Approved areas.</strong> All three are approved for frown lines
between the brows (Dysport for adults under 65). Botox Cosmetic is also
approved for forehead lines, crow's feet and vertical neck (platysma) bands.
Xeomin has also been approved for forehead lines and crow's feet since July
2024.</p>
<p><strong>Units.</strong> Each product is made and formulated differently
by its manufacturer, and <strong>the units are not interchangeable</strong>.
A "unit" of one brand is not the same amount of effect as a unit of another,
which the prescribing information for each product states. Comparing prices
per unit between brands therefore says little on its own.</p>
<p><strong>Ingredients.</strong> Dysport must not be used by anyone who is
allergic to cow's milk protein. Products also differ in how they are stored
and prepared, and some people respond a little differently to different
products. Claims that one brand always works faster or lasts longer should be
treated with caution.</p>
<h2>How to choose</h2>
<p>Choose a qualified clinician first and the brand second. Tell them which
products you have had before and how you responded. If you had an allergic
reaction to any botulinum toxin product, tell them, and do not have another
treatment until a doctor has assessed you.</p>
<h2>Serious effects are rare: know the signs</h2>
<p>Every one of these products carries the same boxed warning: rarely, the
effect spreads beyond the injection area and causes trouble swallowing,
speaking or breathing, or weakness elsewhere, hours to weeks after a
treatment. <strong>If you have trouble breathing or swallowing, call
911.</strong> Our article on
<a href="/articles/side-effects-after-injections/">side effects after
injections</a> lists what is normal and when to get medical help.</p>
"""
        + CLINIC_PRACTICE,
    },
    {
        "slug": "your-first-neuromodulator-appointment",
        "title": "Your first neuromodulator appointment, step by step",
        "summary": "From the health questions to the last injection: what happens "
        "at a first treatment, how long it takes, and what to do afterwards.",
        "categories": ["your-visit", "injectables"],
        "treatment": "xeomin",
        "days_ago": 38,
        "color": (150, 110, 70),
        "alt": "Abstract illustration of warm amber light through a window",
        "references": FDA_REFS,
        "body": """
<p>Knowing what will happen makes a first appointment easier. Here is how a
visit for frown lines, forehead lines or crow's feet usually goes.</p>
<h2>Before you come</h2>
<ul>
<li>Write down the medicines and supplements you take, including blood
thinners, because they can make bruising more likely.</li>
<li>Think about which lines bother you most; photos of your expressions can
help.</li>
<li>If you are pregnant, breastfeeding, unwell, or have a skin infection on
your face, call us first: the appointment should wait.</li>
<li>Tell us before the day if you have a nerve or muscle condition (such as
myasthenia gravis, Lambert-Eaton syndrome or ALS), have ever reacted to a
botulinum toxin product, or are allergic to cow's milk protein, which rules
out Dysport.</li>
</ul>
<h2>During the appointment</h2>
<ol>
<li><strong>Consultation.</strong> A clinician asks about your health,
previous treatments and goals, and explains what is realistic.</li>
<li><strong>Assessment.</strong> You frown, smile and raise your brows so the
clinician can map the muscles involved.</li>
<li><strong>Treatment.</strong> After cleaning the skin, the clinician places
several small injections with a fine needle. Most people describe a brief
pinch.</li>
</ol>
<p>In most clinics the treatment itself takes 15 to 30 minutes.</p>
<h2>Afterwards</h2>
<p>Most people go straight back to their day. Small bumps, redness or a
bruise at the injection points are common and usually settle on their own;
some people get a headache. Follow the aftercare advice your clinician gives
you.</p>
<p>You will probably start to notice softer lines within 3 to 7 days. Many
clinics offer a check-in around two weeks after a first treatment to see how
you responded.</p>
<h2>When to call</h2>
<p>Call the clinic if a side effect worries you, for example a drooping
eyelid or brow. <strong>Call 911 if you have trouble breathing or
swallowing.</strong> Get medical help right away for trouble speaking,
double or blurred vision, or new muscle weakness away from the treated area.
These can start hours, days or even weeks after the treatment. If you feel
weak or dizzy or your vision is affected, do not drive.</p>
"""
        + CLINIC_PRACTICE,
    },
    {
        "slug": "side-effects-after-injections",
        "title": "Side effects after neuromodulator injections: what is normal "
        "and when to call",
        "summary": "Most reactions are small and fade within days. A few signs "
        "mean you should call the clinic, get medical help or call 911.",
        "categories": ["safety"],
        "treatment": "botox",
        "days_ago": 52,
        "color": (160, 70, 80),
        "alt": "Abstract illustration of soft rose-coloured shapes",
        "references": FDA_REFS,
        "body": """
<p>Any injection can cause a reaction where the needle went in, and the
medicine itself can cause a few more. Knowing what is expected helps you stay
calm about small things and act quickly on the rare serious ones.</p>
<h2>Common and usually mild</h2>
<ul>
<li><strong>Headache</strong>, which is among the most common reactions
listed for several products;</li>
<li><strong>pain or bruising</strong> at one or more injection points;</li>
<li><strong>swelling</strong> or small bumps that usually flatten within
hours;</li>
<li><strong>redness</strong> around the injection sites.</li>
</ul>
<p>These effects usually fade on their own. The exact list differs a little
from product to product; each prescribing information gives its own.</p>
<h2>Less common</h2>
<p>Occasionally the medicine affects a nearby muscle, causing for example a
heavy or drooping eyelid or brow, or an uneven look, near the treated area.
On its own this is a local effect: it is temporary, but tell your clinician,
who will want to see you. If it comes with any of the signs below, it is not
just local: get help as they say.</p>
<h2>Get medical help right away if you notice</h2>
<ul>
<li>trouble swallowing, speaking or breathing;</li>
<li>a hoarse, changed or lost voice;</li>
<li>new weakness in muscles away from the treated area, or weakness all
over;</li>
<li>double or blurred vision;</li>
<li>loss of bladder control;</li>
<li>signs of an allergic reaction such as hives, swelling of the lips or
tongue, or wheezing.</li>
</ul>
<p>The prescribing information for Botox Cosmetic, Dysport and Xeomin warns
that the effect can, rarely, spread beyond the injection area, and that these
symptoms can appear hours to weeks after a treatment. <strong>Trouble
breathing or swallowing is an emergency: call 911.</strong> If you feel weak
or dizzy or have problems with your vision, do not drive, operate machinery
or do anything else that could be dangerous.</p>
""",
    },
    {
        "slug": "who-should-not-have-neuromodulators",
        "title": "Who should wait or avoid neuromodulator injections",
        "summary": "Pregnancy, some nerve and muscle conditions, infections, "
        "allergies and certain medicines are reasons to pause. Here is the list "
        "to go through with your clinician.",
        "categories": ["safety", "injectables"],
        "treatment": "",
        "days_ago": 66,
        "color": (90, 90, 120),
        "alt": "Abstract illustration of a calm violet horizon",
        "references": FDA_REFS,
        "body": """
<p>A careful clinic will sometimes say "not now" or "not for you". These are
the situations where a botulinum toxin treatment should wait, or where a
doctor needs to decide first.</p>
<h2>Reasons to wait</h2>
<ul>
<li>You are <strong>pregnant, trying to conceive or breastfeeding</strong>.
There is not enough safety information for these times, so cosmetic
treatment is postponed.</li>
<li>You have an <strong>infection, cold sore or rash</strong> where the
injections would go.</li>
<li>You are unwell with a fever or infection.</li>
<li>You are <strong>under 18</strong>: these products are not approved for
cosmetic use in young people.</li>
</ul>
<h2>Reasons not to have a product, or to talk to a doctor first</h2>
<ul>
<li>A previous <strong>allergic reaction</strong> to any botulinum toxin
product or its ingredients.</li>
<li>An <strong>allergy to cow's milk protein</strong>: Dysport must not be
used.</li>
<li>A condition that affects nerves and muscles, such as
<strong>myasthenia gravis, Lambert-Eaton syndrome or ALS</strong>.</li>
<li>Problems with swallowing or breathing.</li>
<li>Medicines that can interact, such as some antibiotics given by injection
(aminoglycosides), anticholinergic medicines, muscle relaxants, or another
botulinum toxin treatment in recent months.</li>
<li>Blood thinners, which can make bruising more likely.</li>
</ul>
<h2>Be open at your consultation</h2>
<p>Bring a list of your medicines, allergies and conditions. It is never a
bother to ask whether something matters; if you are unsure, ask your own
doctor before booking.</p>
<p>After any treatment, <strong>trouble breathing or swallowing is an
emergency: call 911.</strong> Our article on
<a href="/articles/side-effects-after-injections/">side effects after
injections</a> lists the other warning signs.</p>
""",
    },
    {
        "slug": "preparing-for-your-consultation",
        "title": "Preparing for your consultation: questions worth asking",
        "summary": "A consultation is for you to decide. These questions help "
        "you understand the treatment, the clinician and the costs before you "
        "agree to anything.",
        "categories": ["your-visit"],
        "treatment": "consultation",
        "days_ago": 80,
        "color": (70, 120, 110),
        "alt": "Abstract illustration of teal paper shapes on a light background",
        "references": "",
        "body": """
<p>A good consultation leaves you knowing what a treatment can do, what it
cannot, and what it will cost, with no pressure to decide on the spot.</p>
<h2>About the clinician</h2>
<ul>
<li>Who will do the treatment, and what is their training and licence?</li>
<li>How often do they perform this treatment?</li>
<li>Is a physician supervising, and how can you reach the clinic afterwards,
including out of hours?</li>
</ul>
<h2>About the treatment</h2>
<ul>
<li>Which of my concerns is this likely to help, and which not?</li>
<li>Which product do you recommend for me, and why? Is it FDA-approved for
the area you plan to treat?</li>
<li>When should I expect to see a change, and how long will it last?</li>
<li>What side effects are common, and what would be a reason to call?</li>
</ul>
<h2>About costs and follow-up</h2>
<ul>
<li>What is the total price, and is a follow-up visit included?</li>
<li>How often would I need repeat treatments to keep the result?</li>
</ul>
<h2>What to bring</h2>
<p>Bring a list of your medicines and supplements, your allergies, and the
names and dates of any previous cosmetic treatments. If you have a medical
condition or are pregnant or breastfeeding, say so at the start.</p>
<p>A cosmetic consultation is not a medical check-up. If you have a new or
worrying symptom, see your own doctor rather than waiting for an aesthetic
appointment.</p>
""",
    },
    {
        "slug": "everyday-sun-protection",
        "title": "Everyday sun protection for healthier-looking skin",
        "summary": "Sun protection is the simplest habit for skin that looks "
        "healthy. What to look for on a sunscreen label and how to use it.",
        "categories": ["skin-care"],
        "treatment": "",
        "days_ago": 94,
        "color": (200, 150, 60),
        "alt": "Abstract illustration of a warm golden sun over soft hills",
        "references": SUN_REFS,
        "body": """
<p>Sunlight plays a large part in how skin ages, and sunburn raises the risk
of skin cancer. Protecting your skin every day is simple and inexpensive.</p>
<h2>Reading the label</h2>
<ul>
<li><strong>Broad spectrum</strong> means the product protects against both
UVA and UVB light.</li>
<li><strong>SPF</strong> measures protection from the burning (UVB) rays.
The American Academy of Dermatology recommends a broad-spectrum, water-resistant
sunscreen with SPF 30 or higher.</li>
<li><strong>Water resistant</strong> sunscreens stay effective for a limited
time in water or sweat, 40 or 80 minutes as the label states, and still need
reapplying after swimming or sweating.</li>
</ul>
<h2>Using it well</h2>
<ol>
<li>Apply enough to cover all exposed skin, including ears and neck. Most
adults need about 1 ounce, roughly a shot glass full, to cover the body.</li>
<li>Reapply at least every 2 hours outdoors, and after swimming or
sweating.</li>
<li>Add shade, a hat and sunglasses when the sun is strong.</li>
<li>Babies under 6 months: keep them out of direct sun, and ask a doctor
before using sunscreen on them, as sunscreen labels say.</li>
</ol>
<h2>When to see a doctor</h2>
<p>See a doctor or dermatologist about any mole or spot that is new,
changing, bleeding or different from the others. Do not wait for your next
cosmetic appointment to ask. Severe sunburn with blistering, fever or
feeling unwell also needs a doctor.</p>
""",
    },
    {
        "slug": "skin-care-after-a-treatment",
        "title": "Looking after your skin in the days after a treatment",
        "summary": "Simple, gentle habits for the first days after an injection "
        "appointment, and the signs that mean you should call the clinic or 911.",
        "categories": ["skin-care", "your-visit"],
        "treatment": "",
        "days_ago": 108,
        "color": (120, 140, 90),
        "alt": "Abstract illustration of soft sage-green leaves",
        "references": FILLER_REFS + "\n" + FDA_REFS,
        "body": """
<p>Your clinician will give you aftercare advice for your specific
treatment, and theirs comes first. These general habits, common clinic
practice rather than label instructions, help most people through the first
days.</p>
<h2>On the day</h2>
<ul>
<li>Avoid rubbing or massaging the treated area unless you were told to.</li>
<li>Skip makeup on the injection points for a few hours if you can.</li>
<li>A cool pack wrapped in a cloth can ease swelling; do not put ice directly
on the skin.</li>
</ul>
<h2>The next few days</h2>
<ul>
<li>Use a gentle cleanser and moisturiser, and protect your skin from the
sun.</li>
<li>Bruises usually fade over several days; some people find that makeup
covers them well once the skin has settled.</li>
<li>Give botulinum toxin injections time: changes usually show within 3 to 7
days.</li>
</ul>
<h2>After a filler: act at once on these signs</h2>
<p>Rarely, filler blocks a blood vessel. The FDA warns that this can damage
the skin and can cause vision loss, blindness or a stroke.</p>
<ul>
<li><strong>Any change in your vision, or signs of a stroke</strong> (face
drooping, weakness in an arm or leg, trouble speaking):
<strong>call 911 now</strong>.</li>
<li><strong>Severe or increasing pain, or skin that turns pale, white,
blotchy or dusky</strong>: call the clinic at once. If you cannot reach us
straight away, go to an emergency department.</li>
</ul>
<h2>Call us or a doctor if</h2>
<ul>
<li>swelling, redness or pain is getting worse rather than better;</li>
<li>the area becomes hot, or you have a fever;</li>
<li>lumps or swelling appear days or weeks after a filler;</li>
<li>you notice a drooping eyelid or brow, or weakness, after a botulinum
toxin injection.</li>
</ul>
<p><strong>Trouble breathing or swallowing is an emergency: call 911.</strong>
For trouble speaking, or weakness away from the treated area, get medical
help right away.</p>
""",
    },
]
