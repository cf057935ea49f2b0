"""Stable diagnostic codes: every diagnostic's rule name has a short code that never changes meaning.

The README's "Diagnostic codes" table lists them all (a test keeps the two in step).
"""

from __future__ import annotations

CODES: dict[str, tuple[str, str]] = {
    # Files and YAML
    "not-a-playbook": ("PB001", "the folder holds no mkdocs.yml and no retros/"),
    "no-retros-dir": ("PB002", "the retros/ folder is missing"),
    "unreadable": ("PB003", "a file or folder cannot be read"),
    "too-large": ("PB004", "a file is larger than max_file_size"),
    "binary": ("PB005", "a binary file (NUL bytes) or UTF-16 where a retro was expected"),
    "encoding": ("PB006", "not valid UTF-8"),
    "bad-name": ("PB007", "a file name that is not valid UTF-8 or holds control characters"),
    "symlink-refused": ("PB008", "a symlink that leaves the playbook root"),
    "symlink-not-followed": ("PB009", "a symlinked folder inside the root (not walked)"),
    "not-markdown": ("PB010", "a retro-like file that does not end in .md"),
    "no-front-matter": ("PB011", "no front matter, or front matter that is not closed"),
    "yaml": ("PB012", "front matter that is not valid YAML (or uses tags, aliases bombs, duplicate keys)"),
    "internal": ("PB013", "playbookgen failed on this file: a bug, please report it"),
    # Front matter
    "missing-field": ("PB101", "a required field is missing"),
    "wrong-type": ("PB102", "a value of the wrong type (a list for a word, a bad date, a negative value)"),
    "unknown-key": ("PB103", "an unknown key (a typo like outcom:); warning"),
    "unknown-outcome": ("PB104", "deal.outcome is not won, lost, no-decision or open"),
    "unknown-visibility": ("PB105", "visibility is not team, internal or public"),
    "unknown-retro-format": ("PB106", "retro.format is not a known retro format"),
    "unknown-competitor-result": ("PB107", "a competitor's result is not won, lost or also-ran"),
    "date-order": ("PB108", "deal.closed is before deal.opened"),
    "bad-id": ("PB109", "an id that is not a slug, is reserved, or is too long"),
    "duplicate-id": ("PB110", "two retros with the same id (or file names that make the same id)"),
    "account-alias": ("PB111", "the account is named by part of its name that no alias covers; warning"),
    # Taxonomy values
    "unknown-stage": ("PB201", "a stage that is not in the taxonomy"),
    "unknown-role": ("PB202", "a role that is not in the taxonomy"),
    "unknown-objection": ("PB203", "an objection type that is not in the taxonomy"),
    "ambiguous-alias": ("PB204", "an alias marked ambiguous in the taxonomy; warning"),
    # Lessons
    "no-lessons": ("PB301", "no '## Lessons' section with '### ' lessons"),
    "lesson-title": ("PB302", "a lesson heading without a title"),
    "missing-lesson-key": ("PB303", "a lesson without stage or roles"),
    "unknown-lesson-key": ("PB304", "an unknown lesson attribute; warning"),
    "duplicate-lesson-key": ("PB305", "a lesson attribute given twice"),
    "duplicate-lesson": ("PB306", "two lessons with the same id in one retro"),
    "unknown-result": ("PB307", "a result that is not worked, didnt-work or missed"),
    "unknown-evidence": ("PB308", "evidence that is not buyer-said, observed or inferred"),
    "unknown-confidence": ("PB309", "confidence that is not high, medium or low"),
    "bad-play": ("PB310", "a play id that is not a slug"),
    "empty-value": ("PB311", "an optional lesson attribute left empty; warning"),
    "placeholder": ("PB312", "an untouched placeholder (TODO) from playbookgen new"),
    "expired-play-title": (
        "PB313",
        "a play's best title comes from an expired or superseded lesson; warning",
    ),
    # Body
    "raw-html": ("PB401", "raw HTML that the sanitiser will remove; warning"),
    # Playbook configuration
    "config": ("PB501", "site_config/playbook.yml cannot be read or has a bad setting"),
    "taxonomy": ("PB502", "a malformed taxonomy entry"),
    "taxonomy-duplicate": ("PB503", "a duplicate slug, or an alias naming two values of one list"),
    "taxonomy-yaml": ("PB504", "site_config/taxonomy.yml is not valid YAML"),
    "template": ("PB505", "a page template that does not render"),
    "page-clash": ("PB506", "a hand-written page with the path of a generated one"),
    "invalid": ("PB999", "any other problem"),
}


def code_of(rule: str) -> str:
    return CODES.get(rule, CODES["invalid"])[0]
