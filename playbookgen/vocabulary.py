"""Fixed vocabularies of the retro format (not team-editable), matched like taxonomy values."""

from __future__ import annotations

from playbookgen.taxonomy import Dimension, Term

OUTCOMES = Dimension(
    "outcomes",
    "outcome",
    (
        Term("won", "Won", "The deal closed won.", ("closed won", "win")),
        Term("lost", "Lost", "The deal closed lost.", ("closed lost", "loss")),
        Term(
            "no-decision", "No decision", "The buyer did not decide.", ("no decision", "stalled", "went dark")
        ),
        Term("open", "Open", "The deal is still open (a mid-deal retro).", ()),
    ),
)

RESULTS = Dimension(
    "results",
    "result",
    (
        Term("worked", "Worked", "We did it and it helped.", ("went well", "keep", "continue")),
        Term("didnt-work", "Didn't work", "We did it and it hurt or did not help.", ("didn't work", "stop")),
        Term("missed", "Missed", "We did not do it and should have.", ("start", "missing")),
    ),
)

EVIDENCE = Dimension(
    "evidence",
    "evidence",
    (
        Term("buyer-said", "Buyer said", "The buyer told us."),
        Term("observed", "Observed", "We saw it happen."),
        Term("inferred", "Inferred", "Our reading of events."),
    ),
)

CONFIDENCE = Dimension(
    "confidence",
    "confidence",
    (
        Term("high", "High"),
        Term("medium", "Medium"),
        Term("low", "Low"),
    ),
)

VISIBILITY = Dimension(
    "visibilities",
    "visibility",
    (
        Term("team", "Team", "Only the deal team's build shows it."),
        Term("internal", "Internal", "The whole company; account names replaced by the codename."),
        Term("public", "Public", "Anyone; no account, no value, people named by role."),
    ),
)
VISIBILITIES = tuple(VISIBILITY.slugs)

RETRO_FORMATS = Dimension(
    "formats",
    "retro format",
    (
        Term("start-stop-continue", "Start, stop, continue", aliases=("ssc",)),
        Term("4ls", "4Ls", aliases=("four ls", "liked learned lacked longed for")),
        Term("sailboat", "Sailboat", aliases=("speedboat",)),
        Term("mad-sad-glad", "Mad, sad, glad"),
        Term("freeform", "Freeform", aliases=("free form", "free-form")),
    ),
)

COMPETITOR_RESULTS = Dimension(
    "competitor-results",
    "competitor result",
    (
        Term("won", "Competitor won"),
        Term("lost", "Competitor lost"),
        Term("also-ran", "Also ran"),
    ),
)
