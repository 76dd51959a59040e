"""Demo articles for a fictional clinic, written for this project.

Medical statements stay within well-established facts (see the FDA prescribing
information cited in each article); every article tells readers when to see a
doctor. Bodies are the same simple HTML the admin editor produces.
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

FDA_REFS = (
    "FDA prescribing information: BOTOX Cosmetic (onabotulinumtoxinA)\n"
    "FDA prescribing information: DYSPORT (abobotulinumtoxinA)\n"
    "FDA prescribing information: XEOMIN (incobotulinumtoxinA)"
)

CATEGORIES = [
    {
        "slug": "injectables",
        "name": "Injectables",
        "description": "How neuromodulator injections work, what they can and "
        "cannot do, and how to decide.",
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
        "when to call a doctor.",
    },
    {
        "slug": "skin-care",
        "name": "Skin care",
        "description": "Everyday habits that support healthy-looking skin.",
    },
]

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
time. Neuromodulator injections soften these lines by letting those muscles
relax. To see how, it helps to separate two words that sound alike.</p>
<h2>What a neurotransmitter does</h2>
<p>A <strong>neurotransmitter</strong> is a chemical messenger that a nerve
cell releases to pass a signal to the next cell. Where a nerve meets a muscle,
at the <em>neuromuscular junction</em>, the messenger is
<strong>acetylcholine</strong>. When the nerve releases acetylcholine, the
muscle receives the signal and contracts. Every frown, squint and raised
eyebrow starts this way.</p>
<h2>What a neuromodulator does</h2>
<p>A <strong>neuromodulator</strong> changes how strongly that signal gets
through. In aesthetic medicine, the word usually means a purified form of
botulinum toxin type A. Botox Cosmetic, Dysport and Xeomin are three brands.
Injected in tiny, measured doses into a specific muscle, they
<strong>block the release of acetylcholine at the neuromuscular
junction</strong>. The muscle receives a weaker signal, so it contracts less,
and the skin above it folds less. Lines that are caused by movement soften;
the face can still move, just less forcefully when the dose is right.</p>
<p>Neuromodulators do not fill lines and do not change skin texture. Lines
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
<li>The appointment usually takes <strong>15 to 30 minutes</strong>, and most
people return to everyday activities the same day.</li>
</ol>
<h2>When results show and how long they last</h2>
<p>The effect is not immediate. Most people notice a change within
<strong>3 to 7 days</strong>. Results usually last <strong>about 3 to 6
months</strong>, after which nerve signalling gradually recovers and movement
returns. Keeping the effect means repeat treatments, which your clinician
will space out for you.</p>
<h2>Side effects</h2>
<p>The most common side effects are mild and short-lived at the injection
sites:</p>
<ul>
<li>bruising,</li>
<li>swelling,</li>
<li>redness.</li>
</ul>
<p>Less often, a nearby muscle can be affected, for example a drooping
eyelid or brow. The prescribing information for each product describes rare
but serious effects if the toxin spreads beyond the injection area, such as
trouble swallowing, speaking or breathing. <strong>Get medical help right
away</strong> if you notice any of these after a treatment.</p>
<h2>Who should not have them</h2>
<p>Neuromodulators are not suitable for everyone. Tell your clinician if you:</p>
<ul>
<li>are pregnant, trying to become pregnant or breastfeeding;</li>
<li>have an infection or skin problem where the injections would go;</li>
<li>have had an allergic reaction to a botulinum toxin product or its
ingredients;</li>
<li>have a condition that affects nerves and muscles, such as myasthenia
gravis or Lambert-Eaton syndrome;</li>
<li>take medicines that can interact, including some antibiotics and muscle
relaxants, or blood thinners that make bruising more likely.</li>
</ul>
<p>If any of these apply, or you are unsure, talk to your doctor before
booking. A good clinic will tell you when a treatment is not right for
you.</p>
""",
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
<li>A typical treatment takes 15 to 30 minutes; results appear within 3 to 7
days and usually last about 3 to 6 months.</li>
<li>The common side effects are the same kind: bruising, swelling and redness
where the needle went in.</li>
</ul>
<h2>How they differ</h2>
<p>Each product is made and formulated differently by its manufacturer. One
practical consequence matters a lot: <strong>the units are not
interchangeable</strong>. A "unit" of one brand is not the same amount of
effect as a unit of another, which the prescribing information for each
product states. Comparing prices per unit between brands therefore says
little on its own.</p>
<p>Products may also differ in how they are stored and prepared, and some
people find one spreads or feels slightly different from another. Claims that
one brand always works faster or lasts longer should be treated with caution.</p>
<h2>How to choose</h2>
<p>Choose a qualified clinician first and the brand second. Tell them which
products you have had before and how you responded. If you had an allergic
reaction to any botulinum toxin product, tell them, and do not have another
treatment until a doctor has assessed you.</p>
""",
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
<p>The treatment itself usually takes 15 to 30 minutes.</p>
<h2>Afterwards</h2>
<p>Most people go straight back to their day. Small bumps, redness or a
bruise at the injection points are common and usually settle on their own.
Follow the aftercare advice your clinician gives you.</p>
<p>You will probably start to notice softer lines within 3 to 7 days. Many
clinics offer a check-in around two weeks after a first treatment to see how
you responded.</p>
<h2>When to call</h2>
<p>Call the clinic if a side effect worries you. Seek urgent medical help if
you have trouble swallowing, speaking or breathing, or new muscle weakness
away from the treated area.</p>
""",
    },
    {
        "slug": "side-effects-after-injections",
        "title": "Side effects after neuromodulator injections: what is normal "
        "and when to call",
        "summary": "Most reactions are small and fade within days. A few signs "
        "mean you should call the clinic or get medical help.",
        "categories": ["safety"],
        "treatment": "botox",
        "days_ago": 52,
        "color": (160, 70, 80),
        "alt": "Abstract illustration of soft rose-coloured shapes",
        "references": FDA_REFS,
        "body": """
<p>Any injection can cause a reaction where the needle went in. Knowing what
is expected helps you stay calm about small things and act quickly on the
rare serious ones.</p>
<h2>Common and usually mild</h2>
<ul>
<li><strong>Bruising</strong> at one or more injection points;</li>
<li><strong>swelling</strong> or small bumps that usually flatten within
hours;</li>
<li><strong>redness</strong> around the injection sites.</li>
</ul>
<p>Some people also have a mild headache. These effects usually fade on their
own.</p>
<h2>Less common</h2>
<p>Occasionally the medicine affects a nearby muscle, causing for example a
heavy or drooping eyelid or brow, or an uneven look. This is temporary, but
tell your clinician: they will want to see you.</p>
<h2>Get medical help right away if you notice</h2>
<ul>
<li>trouble swallowing, speaking or breathing;</li>
<li>new weakness in muscles away from the treated area;</li>
<li>double or blurred vision;</li>
<li>signs of an allergic reaction such as hives, swelling of the lips or
tongue, or wheezing.</li>
</ul>
<p>The prescribing information for Botox Cosmetic, Dysport and Xeomin warns
that the effect can, rarely, spread beyond the injection area, and that these
symptoms can appear hours to weeks after a treatment. Call 911 in an
emergency.</p>
""",
    },
    {
        "slug": "who-should-not-have-neuromodulators",
        "title": "Who should wait or avoid neuromodulator injections",
        "summary": "Pregnancy, some nerve and muscle conditions, infections and "
        "certain medicines are reasons to pause. Here is the list to go through "
        "with your clinician.",
        "categories": ["safety", "injectables"],
        "treatment": "",
        "days_ago": 66,
        "color": (90, 90, 120),
        "alt": "Abstract illustration of a calm violet horizon",
        "references": FDA_REFS,
        "body": """
<p>A careful clinic will sometimes say "not now" or "not for you". These are
the situations where a neuromodulator treatment should wait, or where a
doctor needs to decide first.</p>
<h2>Reasons to wait</h2>
<ul>
<li>You are <strong>pregnant, trying to conceive or breastfeeding</strong>;
these products are not recommended for cosmetic use then.</li>
<li>You have an <strong>infection, cold sore or rash</strong> where the
injections would go.</li>
<li>You are unwell with a fever or infection.</li>
</ul>
<h2>Reasons to talk to a doctor first</h2>
<ul>
<li>A previous <strong>allergic reaction</strong> to any botulinum toxin
product or its ingredients.</li>
<li>A condition that affects nerves and muscles, such as
<strong>myasthenia gravis, Lambert-Eaton syndrome or ALS</strong>.</li>
<li>Problems with swallowing or breathing.</li>
<li>Medicines that can interact, such as some antibiotics given by injection
(aminoglycosides), muscle relaxants, or another botulinum toxin treatment in
recent months.</li>
<li>Blood thinners, which can make bruising more likely.</li>
</ul>
<h2>Be open at your consultation</h2>
<p>Bring a list of your medicines and conditions. It is never a bother to
ask whether something matters; if you are unsure, ask your own doctor before
booking.</p>
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
<li>Is a physician supervising, and how can you reach the clinic afterwards?</li>
</ul>
<h2>About the treatment</h2>
<ul>
<li>Which of my concerns is this likely to help, and which not?</li>
<li>Which product do you recommend for me, and why?</li>
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
        "references": "",
        "body": """
<p>Sunlight plays a large part in how skin ages, and sunburn raises the risk
of skin cancer. Protecting your skin every day is simple and inexpensive.</p>
<h2>Reading the label</h2>
<ul>
<li><strong>Broad spectrum</strong> means the product protects against both
UVA and UVB light.</li>
<li><strong>SPF</strong> measures protection from the burning (UVB) rays;
many dermatology organisations suggest SPF 30 or higher for everyday use.</li>
<li><strong>Water resistant</strong> sunscreens still need reapplying after
swimming or sweating.</li>
</ul>
<h2>Using it well</h2>
<ol>
<li>Apply enough to cover all exposed skin, including ears and neck.</li>
<li>Reapply during long periods outdoors, and after swimming or
sweating, as the label directs.</li>
<li>Add shade, a hat and sunglasses when the sun is strong.</li>
</ol>
<h2>When to see a doctor</h2>
<p>See a doctor or dermatologist about any mole or spot that is new,
changing, bleeding or different from the others. Do not wait for your next
cosmetic appointment to ask.</p>
""",
    },
    {
        "slug": "skin-care-after-a-treatment",
        "title": "Looking after your skin in the days after a treatment",
        "summary": "Simple, gentle habits for the first days after an injection "
        "appointment, and the signs that mean you should call.",
        "categories": ["skin-care", "your-visit"],
        "treatment": "",
        "days_ago": 108,
        "color": (120, 140, 90),
        "alt": "Abstract illustration of soft sage-green leaves",
        "references": "",
        "body": """
<p>Your clinician will give you aftercare advice for your specific
treatment, and theirs comes first. These general habits help most people
through the first days.</p>
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
<li>Give neuromodulators time: changes usually show within 3 to 7 days.</li>
</ul>
<h2>Call us or a doctor if</h2>
<ul>
<li>swelling, redness or pain is getting worse rather than better;</li>
<li>the area becomes hot, or you have a fever;</li>
<li>you notice drooping, weakness, or trouble swallowing, speaking or
breathing: seek medical help right away.</li>
</ul>
""",
    },
]
