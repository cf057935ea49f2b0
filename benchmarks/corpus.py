"""Synthetic retro corpus for benchmarks: N realistic retros in the documented format (README, "The retro
format"), seeded and reproducible.

    python benchmarks/corpus.py DIR --retros 1000 [--seed 7]

writes a playbook root into DIR (mkdocs.yml, site_config/ and pages/ copied from this repository; the
packaged taxonomy and templates are used) with retros spread over years and folders, and a manifest
(DIR/../<name>.manifest.json, outside the root) that the runner uses: every retro's path, id, visibility
and lesson text size.

What the corpus looks like:
- 2-5 lessons per retro; stage, roles, objection and result drawn from the packaged taxonomy, written as
  slugs, display names or (non-ambiguous) aliases, so matching is exercised as in real retros;
- bodies of 2-5.5 KB (about 3.6 KB on average): summary, a section for the retro format, lessons (what happened / next time), actions;
- accounts with aliases (mentioned in the body, so redaction has work to do), teams of 2-6 people, competitors,
  values, dates, tags; visibility ~12% team, ~13% public, the rest internal (some by default);
- a README.md and a `_drafts/` folder that discovery must skip.

Leak-check safety (so `playbookgen build` passes at any N): accounts are invented words that appear nowhere
else, codenames are unique "<Bird> <n>" pairs (no codename is a word-bounded part of another), and the title
of a team-only retro is never a word-bounded part of any other title.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import shutil
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent

BIRDS = [
    "Albatross",
    "Auk",
    "Avocet",
    "Bittern",
    "Blackbird",
    "Bluebird",
    "Bunting",
    "Buzzard",
    "Canary",
    "Cardinal",
    "Chaffinch",
    "Condor",
    "Cormorant",
    "Crane",
    "Crossbill",
    "Cuckoo",
    "Curlew",
    "Dipper",
    "Dotterel",
    "Dove",
    "Dunlin",
    "Dunnock",
    "Eagle",
    "Egret",
    "Eider",
    "Falcon",
    "Finch",
    "Flamingo",
    "Fulmar",
    "Gannet",
    "Godwit",
    "Goldcrest",
    "Goshawk",
    "Grebe",
    "Grouse",
    "Guillemot",
    "Gull",
    "Harrier",
    "Hawk",
    "Heron",
    "Hobby",
    "Hoopoe",
    "Ibis",
    "Jackdaw",
    "Jay",
    "Kestrel",
    "Kingfisher",
    "Kite",
    "Kittiwake",
    "Knot",
    "Lapwing",
    "Lark",
    "Linnet",
    "Magpie",
    "Mallard",
    "Martin",
    "Merlin",
    "Nightjar",
    "Nuthatch",
    "Oriole",
    "Osprey",
    "Ouzel",
    "Owl",
    "Oystercatcher",
    "Partridge",
    "Pelican",
    "Peregrine",
    "Petrel",
    "Pheasant",
    "Pipit",
    "Plover",
    "Puffin",
    "Quail",
    "Raven",
    "Redstart",
    "Redwing",
    "Robin",
    "Rook",
    "Sanderling",
    "Sandpiper",
    "Shrike",
    "Siskin",
    "Skylark",
    "Snipe",
    "Sparrow",
    "Starling",
    "Stonechat",
    "Stork",
    "Swallow",
    "Swift",
    "Tern",
    "Thrush",
    "Turnstone",
    "Wagtail",
    "Warbler",
    "Waxwing",
    "Wheatear",
    "Whimbrel",
    "Woodcock",
    "Wren",
]

FIRST_NAMES = [
    "Priya",
    "Tomás",
    "Kwame",
    "Marta",
    "Aisha",
    "Jonas",
    "Björn",
    "Dmitri",
    "Zoë",
    "Hannah",
    "Mei-Ling",
    "Elena",
    "Grace",
    "Camille",
    "Chidi",
    "Arjun",
    "Sofia",
    "Lukas",
    "Amara",
    "Mateo",
    "Ingrid",
    "Kenji",
    "Fatima",
    "Oliver",
    "Nadia",
    "Rafael",
    "Yuki",
    "Samuel",
    "Leila",
    "Henrik",
    "Chloé",
    "Diego",
    "Anika",
    "Emeka",
    "Astrid",
    "Pablo",
    "Ruth",
    "Tariq",
    "Linnea",
    "Marcus",
    "Olga",
    "Ibrahim",
    "Freya",
    "Jun",
    "Beatriz",
    "Niall",
    "Sanna",
    "Ravi",
    "Lucía",
    "Kofi",
    "Helena",
    "Mikael",
    "Noor",
    "Viktor",
    "Ayesha",
    "Stefan",
    "Ines",
    "Tobias",
]
LAST_NAMES = [
    "Raman",
    "Ferreira",
    "Mensah",
    "Nowak",
    "Kamara",
    "Weber",
    "Aasen",
    "Volkov",
    "Lindqvist",
    "Okafor",
    "Zhao",
    "Petrova",
    "Whitfield",
    "Dubois",
    "Eze",
    "Mehta",
    "Rossi",
    "Brandt",
    "Diallo",
    "Herrera",
    "Solberg",
    "Tanaka",
    "Haddad",
    "Grant",
    "Karimi",
    "Oliveira",
    "Sato",
    "Adeyemi",
    "Farah",
    "Dahl",
    "Laurent",
    "Navarro",
    "Kapoor",
    "Obi",
    "Nilsson",
    "Castillo",
    "Levin",
    "Siddiqui",
    "Berg",
    "Fischer",
    "Kuznetsova",
    "Yilmaz",
    "Larsen",
    "Chen",
    "Costa",
    "Byrne",
    "Virtanen",
    "Iyer",
    "Ortega",
    "Asante",
    "Novak",
    "Holm",
    "Rahman",
    "Sokolov",
    "Malik",
    "Wagner",
    "Silva",
    "Lund",
]

COMPETITORS = ["Lumaroute", "Norvane", "Quillmark", "Trackwise", "Corvexa", "Halcyra", "Movidra", "Stratlane"]
PRODUCTS = ["beacon-platform", "beacon-insights", "beacon-edge", "beacon-connect", "beacon-mobile"]
SEGMENTS = ["smb", "mid-market", "enterprise", "public-sector"]
INDUSTRIES = [
    "logistics",
    "retail",
    "manufacturing",
    "pharma-logistics",
    "public-transit",
    "food-distribution",
    "ports",
    "automotive",
    "utilities",
    "healthcare",
    "ecommerce",
    "wholesale",
]
REGIONS = ["emea", "dach", "nordics", "uk", "na", "latam", "apac"]
ACCOUNT_SUFFIXES = [
    "Freight Group",
    "Logistics",
    "Retail",
    "Pharma Logistics",
    "Transit Authority",
    "Foods",
    "Distribution",
    "Port Authority",
    "Manufacturing",
    "Health",
    "Wholesale",
    "Group",
    "Holdings",
]
TAGS = [
    "poc",
    "procurement",
    "economic-buyer",
    "rfp",
    "security-review",
    "pricing",
    "champion",
    "multi-product",
    "board-approval",
    "status-quo",
    "business-case",
    "renewal",
    "expansion",
    "pilot",
    "close-plan",
    "gxp",
    "integration",
    "references",
    "discount",
    "legal",
    "handoff",
    "competitive",
    "public-sector",
    "smb",
]
PLAYS = [
    "eb-access-before-poc",
    "written-poc-success-criteria",
    "security-pack-early",
    "mutual-close-plan",
    "one-page-proposal",
    "quantify-status-quo",
    "multi-thread-early",
    "reference-call-early",
    "procurement-map",
    "handoff-doc-before-signature",
]
SYLLABLES = """kor val dine hal vor sen vin trel dusk fen mar quo zen bri tal osk rav mel tiv ard lum nix pra
sol dra keth vel orm bax gil tor sab wen ysk ul ebb ost rin jav quil"""

MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]

OUTCOMES = {
    "won": ["won", "won", "closed-won", "closed won", "win"],
    "lost": ["lost", "lost", "closed lost", "loss"],
    "no-decision": ["no-decision", "no decision", "stalled", "went dark"],
    "open": ["open"],
}
RESULTS = [
    "worked",
    "worked",
    "didnt-work",
    "missed",
    "missed",
    "went well",
    "keep",
    "continue",
    "didn't work",
    "stop",
    "start",
    "missing",
]
FORMATS = ["start-stop-continue", "4ls", "sailboat", "mad-sad-glad", "freeform"]

TITLE_TEMPLATES = {
    "won": [
        "Won {industry} deal against {competitor} by putting the buyer first",
        "{months} months to a {segment} win: what kept it on track",
        "A {weeks}-week win that started with the prospect's own data",
        "Won the technical evaluation and the business case in the same week",
        "Beat {competitor} on value, not on price",
        "Won a {industry} platform deal after a rescued pilot",
    ],
    "lost": [
        "Lost to {competitor} in procurement after a slipped POC",
        "Lost on price to {competitor} after {weeks} weeks",
        "Lost at the business case: our ROI was ours, not theirs",
        "Lost a {industry} tender in the paperwork, {months} months in",
        "Lost to an in-house build we never took seriously",
        "Lost a {segment} deal on a roadmap date we did not control",
    ],
    "no-decision": [
        "Stalled at the board: three options and no decision",
        "Went dark at proposal: the spreadsheet was good enough",
        "Technical win, then a reorganisation froze everything",
        "No decision after {months} months: the champion left",
        "A {industry} pilot that never became a project",
    ],
    "open": [
        "Still open after {months} months: what we learned so far",
        "Mid-deal retro: the {industry} evaluation at week {weeks}",
    ],
}

LESSON_TITLES = [
    "Trade the POC for access to the economic buyer",
    "Write POC success criteria down before kickoff",
    "Confirm the verbal commit with the person who signs",
    "Send the security pack before the security team asks",
    "Map the board approval calendar before proposing",
    "Quantify what the status quo costs before the first demo",
    "Lead every proposal with a page the champion can forward",
    "Ask for the compelling event on the first call",
    "Build the business case in the buyer's numbers",
    "Multi-thread before the champion changes jobs",
    "Agree a mutual close plan at the end of evaluation",
    "Bring delivery into scoping before the price is set",
    "Map procurement's steps when the deal is qualified",
    "Offer a reference call before the buyer asks for one",
    "Price the pilot so that it converts into the contract",
    "Write the handoff document before the contract is signed",
    "Name the competitor's weak spot in the buyer's words",
    "Keep the demo to the three workflows the buyer named",
    "Ask legal for the fallback positions before the first redline",
    "Treat a silent champion as a lost champion",
    "Check data residency requirements in discovery",
    "Tie every discount to a concession we need",
    "Give the executive sponsor a one-page brief before each call",
    "Ask who else must say yes, and whether they have",
    "Re-qualify when the project owner changes",
    "Show the implementation plan with the proposal",
    "Put customer dependencies into the POC plan with dates",
    "Share the roadmap only as commitments we control",
    "Hand the SDR's discovery notes to the AE in writing",
    "Run a pre-mortem before the final presentation",
    "Qualify out early when there is no budget owner",
    "Use the customer's own data in the demo",
    "Agree on the evaluation criteria before the bake-off",
    "Escalate non-standard terms to deal desk in week one",
    "Send a written recap after every executive meeting",
]

HAPPENED = [
    "We agreed to a {weeks}-week evaluation on the word of {account}'s operations director, who said the "
    "budget was his.",
    "On {day} {month} the champion told {person} that the decision had moved to a committee we had never met.",
    "{competitor} offered a quote roughly {pct}% below ours and a free first year of support.",
    "The POC slipped from {weeks} to {weeks2} weeks because {alias}'s data export arrived late.",
    "Nobody on our side asked who signs contracts above EUR {amount},000, and it turned out to be the CFO.",
    "{person} ran a daily status note during the pilot, and {alias}'s team called it the best-run evaluation "
    "they had seen.",
    "Two new requirements appeared along the way, a carrier scorecard and a German-language interface.",
    "Security review took {weeks} weeks because our questionnaire answers were scattered over three documents.",
    "Procurement asked for a vendor onboarding form that needed our audited accounts, which took finance "
    "eleven days to send.",
    "The proposal ran to {pages} pages, with the value argument on page {page2}.",
    "The buyer's IT team had a freeze from {month} until the end of the quarter that no one had mentioned.",
    "Our demo covered nine workflows; the buyer had asked about three of them.",
    "{alias} had been burned by a failed implementation two years earlier and said so in the first meeting.",
    "The economic buyer joined a call only once, in week {weeks}, and asked why we cost more than {competitor}.",
    "We never wrote down the success criteria, so at the end nobody could say which ones we had met.",
    "Legal sent back {pages} pages of redlines on liability and data processing two days before quarter end.",
    "Our champion moved to another business unit in {month}, and her successor restarted the evaluation.",
    "The implementation estimate came from delivery only after the price was agreed, and it was {pct}% higher "
    "than the number we had quoted.",
    "A reference customer in the same industry spoke to {alias} for an hour, and it changed the conversation.",
    "{person} built the business case with the finance team, using their own figures for late shipments.",
    "We discounted {pct}% in the last week of the quarter and got nothing in return.",
    "The steering committee met monthly, and each slip of the agenda cost us four weeks.",
]
NEXT_TIME = [
    "Before committing SE time to a POC, ask the champion for a meeting with the economic buyer.",
    "Write the success criteria down, with owners and an end date, and get written agreement before kickoff.",
    "Ask the champion who else needs to say yes, and whether they already have.",
    "Send the security pack in discovery, when the account is classed as critical infrastructure.",
    "Put every customer dependency into the plan with a date, and move the end date visibly when it slips.",
    "Lead with a one-page summary the champion can forward unchanged: problem, cost, price and the decision.",
    "Tie every discount to something we need: a reference, a longer term or a signature date.",
    "Bring delivery into scoping before the price is set, and show the implementation plan with the proposal.",
    "Keep the demo to the workflows the buyer named and use their data where we can.",
    "When the champion goes quiet for two weeks, re-qualify the deal instead of forecasting it.",
    "Agree a mutual close plan that includes procurement, legal and security steps, with dates.",
    "Escalate non-standard terms to deal desk in week one, not in the last week of the quarter.",
    "Offer our executive sponsor as the counterpart to theirs, and brief the sponsor before every call.",
    "Ask for the fallback positions from legal before the first redline arrives.",
    "If there is no compelling event, budget or owner, keep the account in nurture.",
    "Record the answers in the opportunity so the next person does not have to ask again.",
    "Review the plan in the weekly deal review and name one owner for each open step.",
]
SUMMARY = [
    "{account} wanted one view of shipment performance across {sites} sites.",
    "We ran a {weeks}-week evaluation against {competitor} and reached {stage_word} in {month}.",
    "The deal was worth EUR {amount},000 a year over three years.",
    "{alias}'s operations team was our champion from the first meeting.",
    "The CFO reopened the decision late, with a competing quote in hand.",
    "The project had an executive owner, a budget line and a go-live date tied to the peak season.",
    "Procurement added five weeks we had not planned for.",
    "It took {months} months from the first meeting to the decision.",
    "The technical evaluation went well; the commercial conversation did not.",
    "We learned more about {alias}'s approval process in the last month than in the first five.",
]
POINTS = [
    "Asking for the economic buyer meeting before agreeing to a POC.",
    "Running evaluations against criteria that only exist in a call recording.",
    "{person}'s daily status note during the POC.",
    "Involving deal desk early on multi-site pricing.",
    "Sending proposals longer than the buyer can read in one sitting.",
    "The reference call with a customer in the same industry.",
    "Discounting in the last week of the quarter without a concession.",
    "Security answers kept in one place and sent early.",
    "Weekly deal reviews with the whole team, not only the AE.",
    "Letting the champion carry the business case alone.",
    "A written recap after every executive meeting.",
    "Waiting for the customer to tell us about their approval calendar.",
]
ACTIONS = [
    "send a close-out note to the champion and ask for feedback",
    "add a 'late customer inputs' clause to the POC template",
    "add 'signer has confirmed' to the commit criteria in forecast reviews",
    "put the security pack on the shared drive and link it from the playbook",
    "add a one-page summary template to the proposal kit",
    "add the 'do nothing' question to the SDR handover form",
    "book a reference call with the account's peer in the same industry",
    "write the handoff document and review it with delivery",
    "share the procurement map with deal desk",
    "ask the customer for a debrief call in the next quarter",
    "update the competitive battlecard with what we heard",
]

FORMAT_SECTIONS = {
    "start-stop-continue": ("Start / Stop / Continue", ["Start", "Stop", "Continue"]),
    "4ls": ("Liked / Learned / Lacked / Longed for", ["Liked", "Learned", "Lacked", "Longed for"]),
    "sailboat": ("Sailboat", ["Wind", "Anchors", "Rocks", "Island"]),
    "mad-sad-glad": ("Mad / Sad / Glad", ["Mad", "Sad", "Glad"]),
    "freeform": ("Notes", []),
}


@dataclass
class RetroInfo:
    path: str  # relative to the root
    id: str
    visibility: str
    lessons: int
    lesson_bytes: int  # UTF-8 bytes of lesson titles and prose
    body_bytes: int  # UTF-8 bytes of the body (after the front matter)


def _taxonomy(repo: Path) -> dict:
    """The playbook's own taxonomy if the copied site_config has one, else the packaged default."""
    for path in (repo / "site_config" / "taxonomy.yml", repo / "playbookgen" / "defaults" / "taxonomy.yml"):
        if path.is_file():
            return yaml.safe_load(path.read_text(encoding="utf-8"))
    raise SystemExit(f"no taxonomy found in {repo}")


class _Words:
    """Invented words (accounts), unique across the corpus and unlike any other word in it."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.syllables = SYLLABLES.split()
        self.used: set[str] = {w.casefold() for w in COMPETITORS + BIRDS + FIRST_NAMES + LAST_NAMES}

    def new(self) -> str:
        while True:
            word = "".join(self.rng.choice(self.syllables) for _ in range(self.rng.choice((3, 3, 4))))
            if len(word) >= 7 and word not in self.used:
                self.used.add(word)
                return word.capitalize()


class Generator:
    def __init__(self, seed: int, repo: Path = REPO) -> None:
        self.rng = random.Random(seed)
        tax = _taxonomy(repo)
        ambiguous = {k for values in tax.get("ambiguous_aliases", {}).values() for k in values}
        self.terms = {
            key: [
                (t["slug"], t["name"], [a for a in t.get("aliases", []) if a.casefold() not in ambiguous])
                for t in tax[key]
            ]
            for key in ("stages", "roles", "objections")
        }
        self.words = _Words(self.rng)
        self.codename_counts: dict[str, int] = {}
        self.people = [f"{first} {last}" for first in FIRST_NAMES for last in LAST_NAMES]
        self.rng.shuffle(self.people)
        self.people = self.people[:160]  # a sales org: the same people show up in many retros

    # -- taxonomy values, written as real writers write them ---------------------------------------------
    def term(self, key: str, slug: str | None = None) -> tuple[str, str]:
        """(slug, how it is written): the slug, the display name or an alias."""
        slug_, name, aliases = (
            self.rng.choice(self.terms[key])
            if slug is None
            else next(t for t in self.terms[key] if t[0] == slug)
        )
        roll = self.rng.random()
        if roll < 0.5 or not aliases:
            written = slug_
        elif roll < 0.7:
            written = name
        else:
            written = self.rng.choice(aliases)
        if "," in written:  # a comma would split a roles list
            written = slug_
        return slug_, written

    def codename(self) -> str:
        bird = self.rng.choice(BIRDS)
        n = self.codename_counts.get(bird, 0) + 1
        self.codename_counts[bird] = n
        return f"{bird} {n}"  # unique, and never a word-bounded part of another codename

    # -- one retro ---------------------------------------------------------------------------------------
    def retro(self, index: int, n: int, start: dt.date, end: dt.date) -> dict:
        r = self.rng
        span = (end - start).days
        held = start + dt.timedelta(days=int(span * (index + r.random()) / n))
        outcome = r.choices(list(OUTCOMES), weights=[38, 40, 17, 5])[0]
        codename = self.codename()
        first = self.words.new()
        account = f"{first} {r.choice(ACCOUNT_SUFFIXES)}"
        visibility = r.choices(["team", "public", "internal", None], weights=[12, 13, 60, 15])[0]
        team_size = r.randint(2, 6)
        team_people = r.sample(self.people, team_size)
        team = [(p, self.term("roles")) for p in team_people]
        competitors = r.sample(COMPETITORS, r.randint(0, 3))
        months = r.randint(2, 18)
        closed = held - dt.timedelta(days=r.randint(0, 10))
        opened = closed - dt.timedelta(days=months * 30 + r.randint(0, 25))
        weeks = r.randint(3, 12)
        fill = {
            "account": account,
            "alias": first,
            "competitor": competitors[0] if competitors else "an in-house build",
            "weeks": weeks,
            "weeks2": weeks + r.randint(2, 5),
            "months": months,
            "sites": r.randint(3, 40),
            "month": r.choice(MONTHS),
            "day": r.randint(1, 28),
            "pct": r.choice([10, 15, 20, 25, 30, 40]),
            "amount": r.randint(5, 900),
            "pages": r.randint(8, 30),
            "page2": r.randint(6, 12),
            "industry": r.choice(INDUSTRIES),
            "segment": r.choice(SEGMENTS),
            "held": held,
            "person": team_people[0].split()[0],
            "stage_word": r.choice(["procurement", "negotiation", "proposal"]),
        }
        title = r.choice(TITLE_TEMPLATES[outcome]).format(**fill)
        title = title[0].upper() + title[1:]

        fm: list[str] = [
            "---",
            f"title: {json.dumps(title, ensure_ascii=False)}",
            f"date: {held.isoformat()}",
        ]
        if visibility:
            fm.append(f"visibility: {visibility}")
        if r.random() < 0.8:
            fm.append(f"tags: [{', '.join(r.sample(TAGS, r.randint(1, 4)))}]")
        fm += [
            "deal:",
            f"  codename: {codename}",
            f"  account: {account}",
            f"  account_aliases: [{first}]",
            f"  outcome: {r.choice(OUTCOMES[outcome])}",
        ]
        if outcome in ("lost", "no-decision") or r.random() < 0.15:
            fm.append(f"  primary_reason: {self.term('objections')[1]}")
        if outcome != "won":
            fm.append(f"  stage_reached: {self.term('stages')[1]}")
        value = r.randint(2, 250) * 5000
        if r.random() < 0.5:
            fm += [f"  value: {value}", f"  currency: {r.choice(['EUR', 'EUR', 'USD', 'GBP'])}"]
        else:
            fm.append(f"  value: {{amount: {value}, currency: {r.choice(['EUR', 'USD', 'GBP', 'SEK'])}}}")
        fm += [
            f"  opened: {opened.isoformat()}",
            f"  closed: {closed.isoformat()}",
            f"  segment: {fill['segment']}",
            f"  industry: {fill['industry']}",
            f"  region: {r.choice(REGIONS)}",
            f"  products: [{', '.join(r.sample(PRODUCTS, r.randint(1, 3)))}]",
        ]
        if competitors:
            items = [
                c if r.random() < 0.6 else f"{{name: {c}, result: {r.choice(['won', 'lost', 'also-ran'])}}}"
                for c in competitors
            ]
            fm.append(f"  competitors: [{', '.join(items)}]")
        fm.append("team:")
        fm += [f"  - {{name: {p}, role: {written}}}" for p, (_slug, written) in team]
        retro_format = r.choice(FORMATS)
        fm += ["retro:", f"  format: {retro_format}", f"  facilitator: {r.choice(self.people)}", "---", ""]

        body, lesson_bytes, lessons = self._body(retro_format, fill, team_people)
        return {
            "title": title,
            "held": held,
            "codename": codename,
            "visibility": visibility or "internal",
            "front": "\n".join(fm),
            "body": body,
            "lesson_bytes": lesson_bytes,
            "lessons": lessons,
        }

    def _sentences(self, pool: list[str], k: int, fill: dict) -> str:
        return " ".join(_capital(s.format(**fill)) for s in self.rng.sample(pool, k))

    def _body(self, retro_format: str, fill: dict, people: list[str]) -> tuple[str, int, int]:
        r = self.rng
        out = ["## Summary", "", self._sentences(SUMMARY, r.randint(3, 5), fill), ""]
        heading, parts = FORMAT_SECTIONS[retro_format]
        out += [f"## {heading}", ""]
        fill = {**fill, "person": r.choice(people).split()[0]}
        if parts:
            points = r.sample(POINTS, 2 * len(parts))
            for i, part in enumerate(parts):
                out += [f"### {part}", ""]
                out += [f"- {_capital(s.format(**fill))}" for s in points[2 * i : 2 * i + r.randint(1, 2)]]
                out.append("")
        else:
            out += [self._sentences(HAPPENED, 3, fill), ""]
        out += ["## Lessons", ""]
        count = r.randint(2, 5)
        lesson_bytes = 0
        for i, title in enumerate(r.sample(LESSON_TITLES, count), start=1):
            fill = {
                **fill,
                "person": r.choice(people).split()[0],
                "weeks": r.randint(3, 12),
                "pct": r.choice([10, 15, 20, 25, 30, 40]),
                "month": r.choice(MONTHS),
            }
            heading = f"### L{i} {title}" if r.random() < 0.9 else f"### {title}"
            roles = []
            for _ in range(r.choice((1, 2, 2, 3))):
                slug, written = self.term("roles")
                if slug not in [s for s, _ in roles]:
                    roles.append((slug, written))
            attrs = [f"- stage: {self.term('stages')[1]}", f"- roles: {', '.join(w for _, w in roles)}"]
            if r.random() < 0.85:
                attrs.append(f"- objection: {self.term('objections')[1]}")
            if r.random() < 0.85:
                attrs.append(f"- result: {r.choice(RESULTS)}")
            if r.random() < 0.5:
                attrs.append(f"- evidence: {r.choice(['buyer-said', 'observed', 'inferred'])}")
            if r.random() < 0.5:
                attrs.append(f"- confidence: {r.choice(['high', 'medium', 'low'])}")
            if r.random() < 0.2:
                attrs.append(f"- play: {r.choice(PLAYS)}")
            if r.random() < 0.15:
                attrs.append(f"- surfaced: {self.term('stages')[1]}")
            prose = [
                f"**What happened.** {self._sentences(HAPPENED, r.randint(2, 4), fill)}",
                f"**Next time.** {self._sentences(NEXT_TIME, r.randint(2, 3), fill)}",
            ]
            if r.random() < 0.25:
                prose.append(self._sentences(NEXT_TIME, 1, fill))
            text = "\n\n".join(prose)
            lesson_bytes += len(title.encode()) + len(text.encode())
            out += [heading, "", *attrs, "", text, ""]
        out += ["## Actions", ""]
        for action in r.sample(ACTIONS, r.randint(2, 4)):
            done = "x" if r.random() < 0.4 else " "
            due = (fill["held"] + dt.timedelta(days=r.randint(3, 40))).isoformat()
            out.append(f"- [{done}] {r.choice(people)}: {action} (due {due})")
        out.append("")
        return "\n".join(out), lesson_bytes, count


def _capital(sentence: str) -> str:
    return sentence[:1].upper() + sentence[1:]


def write_corpus(root: Path, n: int, seed: int = 7, repo: Path = REPO) -> list[RetroInfo]:
    """Create the playbook root `root` (must not exist) with `n` retros; returns the manifest.

    mkdocs.yml, site_config/ and pages/ are copied from `repo` (a playbookgen checkout)."""
    if root.exists():
        raise SystemExit(f"{root} exists; pick a new folder")
    root.mkdir(parents=True)
    shutil.copy2(repo / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(repo / "site_config", root / "site_config")
    if (repo / "pages").is_dir():
        shutil.copytree(repo / "pages", root / "pages")
    retros_dir = root / "retros"
    retros_dir.mkdir()
    if (repo / "retros" / "README.md").is_file():
        shutil.copy2(repo / "retros" / "README.md", retros_dir / "README.md")
    drafts = retros_dir / "_drafts"
    drafts.mkdir()
    (drafts / "half-written.md").write_text("---\ntitle: TODO\n---\n\nnot a retro yet\n", encoding="utf-8")

    gen = Generator(seed, repo)
    start, end = dt.date(2019, 1, 7), dt.date(2026, 6, 30)
    retros = [gen.retro(i, n, start, end) for i in range(n)]
    _unique_hidden_titles(retros)

    manifest: list[RetroInfo] = []
    for retro in retros:
        held: dt.date = retro["held"]
        slug = re.sub(r"[^a-z0-9]+", "-", retro["codename"].lower()).strip("-")
        folder = retros_dir / str(held.year)
        if gen.rng.random() < 0.2:
            folder = folder / f"q{(held.month - 1) // 3 + 1}"
        name = f"{held.isoformat()}-{slug}.md"
        if gen.rng.random() < 0.03:  # a file name that is not a slug: the id is slugified
            name = f"{held.isoformat()} {retro['codename']}.md"
        folder.mkdir(parents=True, exist_ok=True)
        text = retro["front"] + "\n" + retro["body"]
        path = folder / name
        path.write_text(text, encoding="utf-8")
        manifest.append(
            RetroInfo(
                path=path.relative_to(root).as_posix(),
                id=f"{held.isoformat()}-{slug}",
                visibility=retro["visibility"],
                lessons=retro["lessons"],
                lesson_bytes=retro["lesson_bytes"],
                body_bytes=len(retro["body"].encode()),
            )
        )
    return manifest


def _unique_hidden_titles(retros: list[dict]) -> None:
    """A team-only retro's title is forbidden in the internal build unless a published retro has the very
    same title; make sure it is never a word-bounded part of a longer title (which would be a leak)."""
    titles = {r["title"].casefold() for r in retros}
    for retro in retros:
        if retro["visibility"] != "team":
            continue
        mine = retro["title"].casefold()
        pattern = re.compile(rf"(?<!\w){re.escape(mine)}(?!\w)")
        if any(other != mine and pattern.search(other) for other in titles):
            retro["title"] = f"{retro['title']} ({retro['codename']})"
            lines = retro["front"].split("\n")  # line 0 is '---', line 1 the title
            lines[1] = f"title: {json.dumps(retro['title'], ensure_ascii=False)}"
            retro["front"] = "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root", type=Path, help="the playbook root to create (must not exist)")
    parser.add_argument("--retros", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repo", type=Path, default=REPO, help="the checkout to copy mkdocs.yml etc. from")
    args = parser.parse_args(argv)
    manifest = write_corpus(args.root, args.retros, args.seed, args.repo)
    out = args.root.parent / f"{args.root.name}.manifest.json"
    out.write_text(json.dumps([asdict(m) for m in manifest], indent=1), encoding="utf-8")
    lessons = sum(m.lessons for m in manifest)
    body = sum(m.body_bytes for m in manifest) / max(1, len(manifest))
    print(
        f"wrote {len(manifest)} retros ({lessons} lessons, mean body {body:.0f} B) into {args.root}; "
        f"manifest {out}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
