"""End-to-end tests on a second, independent corpus (tests/data/second_corpus/retros/).

The corpus is a different fictional vendor (Fernhollow Analytics) written with taxonomy aliases, nested
folders, lessons with and without `L<n>` prefixes, a skipped draft and a README. Every expectation here is
derived from the corpus files by the test itself (its own front matter parsing, lesson regex and a
hard-coded alias map), never from playbookgen's resolver, so a resolver or grouping bug shows up as a
mismatch instead of being reproduced.
"""

from __future__ import annotations

import hashlib
import html
import json
import posixpath
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from conftest import copy_skeleton

from playbookgen.cli import cli
from playbookgen.layout import DEFAULTS

CORPUS = Path(__file__).resolve().parent / "data" / "second_corpus" / "retros"

# Exactly the values the corpus uses for stages, roles and objections (aliases, plus three plain slugs),
# folded (lowercase; spaces, '_', '-', '/' alike) -> the taxonomy slug they must resolve to.
STAGES = {
    "poc": "evaluation",
    "demo": "evaluation",
    "procurement": "negotiation",
    "onboarding": "handoff",
    "needs analysis": "discovery",
    "qualification": "qualification",
    "proposal": "proposal",
    "closing": "closing",
}
ROLES = {
    "ae": "account-executive",
    "se": "sales-engineer",
    "solutions engineer": "sales-engineer",
    "bdr": "business-development",
    "sdr": "business-development",
    "csm": "customer-success",
    "exec sponsor": "executive-sponsor",
    "professional services": "delivery-consultant",
}
OBJECTIONS = {
    "budget": "price",
    "status quo": "no-need",
    "security": "security-compliance",
    "incumbent": "competitor",
    "integration": "technical-fit",
    "roi": "roi-value",
}

# One phrase per lesson, found in that lesson's first paragraph and nowhere else in the corpus.
PHRASES = {
    ("2022-03-15-alder", "l1"): "the churn-cooler temperature ledger",
    ("2022-03-15-alder", "l2"): "the forty-tanker collection sample",
    ("2022-03-15-alder", "l3"): "the nightly creamery extract",
    ("2022-10-04-birch", "ask-for-the-incumbent-s-renewal-date-in-the-first-call"): (
        "excavator telemetry renewal clause"
    ),
    ("2022-10-04-birch", "scope-the-poc-to-one-site-s-data-not-the-whole-estate"): (
        "the seventeen depot asset registers"
    ),
    ("2023-02-21-cedar", "l1"): "the dispensary audit trail questionnaire",
    ("2023-02-21-cedar", "l2"): "the regional pharmacists steering council",
    ("2023-02-21-cedar", "l3"): "the cold-storage backup snapshots",
    ("damson-grid-tender", "l1"): "the substation maintenance backlog",
    ("damson-grid-tender", "price-the-pilot-in-the-buyer-s-fiscal-year"): "the April capital freeze memo",
    ("damson-grid-tender", "l3"): "the three rotating presales handovers",
    ("2024-01-30-elm", "l1"): "the parcel scanner middleware diagram",
    ("2024-01-30-elm", "l2"): "the handheld courier app walkthrough",
    ("2024-01-30-elm", "l3"): "ninety-day depot rollout calendar",
    ("2024-01-30-elm", "l4"): "the misrouted parcel surcharge figures",
    ("2024-06-18-hazel", "l1"): "sovereign cloud hosting clause",
    ("2024-06-18-hazel", "l2"): "reservoir level dashboards pilot",
    ("2025-02-11-larch", "qualify-out-early-when-nobody-owns-the-budget"): "the loom downtime spreadsheet",
    ("2025-02-11-larch", "run-the-roi-workshop-on-site-with-the-plant-managers"): (
        "the dye house energy baseline"
    ),
    ("2025-02-11-larch", "hand-the-success-plan-to-professional-services-before-signature"): (
        "the spinning floor sensor retrofit"
    ),
    ("2025-08-27-rowan", "l1"): "the claims warehouse exit penalty",
    ("2025-08-27-rowan", "l2"): "the policy admin batch connector",
    ("2025-08-27-rowan", "l3"): "actuarial data masking review",
}

# Text that only the skipped files (retros/_drafts/wip.md, retros/README.md) contain.
SKIPPED_TEXT = (
    "Spindle",
    "Harrowgate Seed Merchants",
    "granary moisture sampling rota",
    "Invite the agronomy team to the renewal review",
    "This heading is not a lesson",
    "Fernhollow Analytics deal retros",
)

_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n(.*)\Z", re.S)
_LESSON = re.compile(
    r"^### (?P<heading>[^\n]+)\n\n(?P<attributes>(?:- [a-z]+: [^\n]+\n)+)\n(?P<prose>.*?)(?=^###? |\Z)",
    re.M | re.S,
)
_LINK = re.compile(r'<a href="(?P<href>[^"]*)">(?P<text>[^<]*)</a>')
_COUNTS = re.compile(r"(\d+) written, (\d+) unchanged, (\d+) removed")


def fold(value: str) -> str:
    return re.sub(r"[\s_\-/]+", " ", value.strip().lower()).strip()


def slug(value: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")


def squash(text: str) -> str:
    return " ".join(text.split())


@dataclass(frozen=True)
class ExpectedLesson:
    retro: str
    anchor: str
    title: str
    stage: str
    roles: tuple[str, ...]
    objection: str | None
    prose: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.retro, self.anchor)

    @property
    def phrase(self) -> str:
        return PHRASES[self.key]


@dataclass(frozen=True)
class ExpectedRetro:
    id: str
    path: Path  # relative to retros/
    title: str
    lessons: tuple[ExpectedLesson, ...]


def _published_files() -> list[Path]:
    return sorted(
        p
        for p in CORPUS.rglob("*.md")
        if p.name != "README.md"
        and not any(part.startswith(("_", ".")) for part in p.relative_to(CORPUS).parts)
    )


def _parse(path: Path) -> ExpectedRetro:
    match = _FRONT_MATTER.match(path.read_text(encoding="utf-8"))
    assert match, f"{path}: no front matter"
    meta = yaml.safe_load(match.group(1))
    retro_id = meta.get("id") or slug(path.stem)
    lessons_section = match.group(2).split("\n## Lessons\n", 1)[1]
    lessons_section = re.split(r"^## ", lessons_section, maxsplit=1, flags=re.M)[0]
    lessons = []
    for found in _LESSON.finditer(lessons_section):
        heading = found.group("heading").strip()
        numbered = re.match(r"L(\d+) (.+)", heading)
        title = numbered.group(2) if numbered else heading
        anchor = f"l{int(numbered.group(1))}" if numbered else slug(title)
        attributes = dict(
            line[2:].split(": ", 1) for line in found.group("attributes").splitlines() if line.strip()
        )
        roles = tuple(dict.fromkeys(ROLES[fold(r)] for r in attributes["roles"].split(",")))
        objection = attributes.get("objection")
        lessons.append(
            ExpectedLesson(
                retro=retro_id,
                anchor=anchor,
                title=title,
                stage=STAGES[fold(attributes["stage"])],
                roles=roles,
                objection=OBJECTIONS[fold(objection)] if objection else None,
                prose=found.group("prose"),
            )
        )
    assert lessons_section.count("\n### ") + lessons_section.startswith("### ") == len(lessons), path
    return ExpectedRetro(retro_id, path.relative_to(CORPUS), meta["title"], tuple(lessons))


RETROS = [_parse(p) for p in _published_files()]
LESSONS = [lesson for retro in RETROS for lesson in retro.lessons]


def _lesson_id(lesson: ExpectedLesson) -> str:
    return f"{lesson.retro}#{lesson.anchor}"


def invoke(root: Path, *args: str):
    return CliRunner().invoke(cli, ["-C", str(root), *args])


def make_root(base: Path) -> Path:
    root = copy_skeleton(base / "playbook", with_retros=False)
    shutil.copytree(CORPUS, root / "retros", dirs_exist_ok=True)
    return root


def docs_dir(root: Path) -> Path:
    # mkdocs.yml carries !!python/name tags that a safe loader refuses, so read the one key by pattern.
    found = re.search(r"^docs_dir:\s*(\S+)", (root / "mkdocs.yml").read_text(encoding="utf-8"), re.M)
    return root / (found.group(1) if found else "docs")


def hashes(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def counts(output: str) -> tuple[int, int, int]:
    found = _COUNTS.search(output)
    assert found, f"no 'N written, N unchanged, N removed' line in:\n{output}"
    written, unchanged, removed = (int(n) for n in found.groups())
    return written, unchanged, removed


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The corpus checked and built once for the module; returns the playbook root."""
    root = make_root(tmp_path_factory.mktemp("second_corpus"))
    result = invoke(root, "build")
    assert result.exit_code == 0, result.output
    return root


def _read(path: Path) -> str:
    assert path.is_file(), f"missing {path}"
    return path.read_text(encoding="utf-8")


def _lesson_links(site: Path, page: Path) -> dict[str, set[str]]:
    """Links on a group page that point at a lesson: {'<retro>#<anchor>': {link texts}}.

    Each link is resolved against the page's folder and must land on an existing retro page that
    carries the anchor.
    """
    links: dict[str, set[str]] = {}
    here = page.parent.relative_to(site).as_posix()
    for match in _LINK.finditer(_read(page)):
        href = match.group("href")
        path, _, anchor = href.partition("#")
        if not anchor or "retros/" not in path:
            continue
        target = posixpath.normpath(posixpath.join(here, path))
        target_file = site / target / "index.html" if href.split("#")[0].endswith("/") else site / target
        assert target_file.is_file(), f"{page.relative_to(site)}: link {href!r} resolves to no file"
        assert f'id="{anchor}"' in _read(target_file), f"{page.relative_to(site)}: {href!r} has no target"
        retro = posixpath.basename(target.rstrip("/"))
        links.setdefault(f"{retro}#{anchor}", set()).add(html.unescape(match.group("text")))
    return links


# --- the corpus itself (so the expectations below mean what they say) -------------------------------------


def test_corpus_shape():
    assert len(RETROS) == 8
    assert all(2 <= len(r.lessons) <= 4 for r in RETROS)
    assert len({r.id for r in RETROS}) == len(RETROS)
    assert {p.parts[0] for p in (r.path for r in RETROS)} >= {"emea", "apac", "2022"}
    assert (CORPUS / "_drafts" / "wip.md").is_file()
    assert (CORPUS / "README.md").is_file()
    assert any(not re.match(r"l\d+$", lesson.anchor) for lesson in LESSONS)
    assert any(re.match(r"l\d+$", lesson.anchor) for lesson in LESSONS)
    for retro in RETROS:
        assert len({lesson.anchor for lesson in retro.lessons}) == len(retro.lessons), retro.id
    assert {_lesson_id(lesson) for lesson in LESSONS} == {f"{r}#{a}" for r, a in PHRASES}


def test_corpus_uses_every_requested_alias():
    used = {"stage": set(), "roles": set(), "objection": set()}
    for path in _published_files():
        for key, value in re.findall(r"^- (stage|roles|objection): (.+)$", path.read_text("utf-8"), re.M):
            used[key].update(fold(v) for v in value.split(","))
    assert {"poc", "demo", "procurement", "onboarding", "needs analysis"} <= used["stage"]
    assert set(ROLES) == used["roles"]
    assert set(OBJECTIONS) == used["objection"]
    assert not re.search(r"\b(SA|AM|BD)\b", "".join(p.read_text("utf-8") for p in _published_files()))


@pytest.mark.parametrize("lesson", LESSONS, ids=_lesson_id)
def test_corpus_phrase_is_unique_and_in_the_excerpt(lesson: ExpectedLesson):
    first_paragraph = squash(lesson.prose.strip().split("\n\n", 1)[0])
    assert lesson.phrase in first_paragraph
    everything = squash(" ".join(p.read_text("utf-8") for p in CORPUS.rglob("*.md")))
    assert everything.count(lesson.phrase) == 1


# --- check and build --------------------------------------------------------------------------------------


def test_check_strict_is_clean(tmp_path: Path):
    root = make_root(tmp_path)
    result = invoke(root, "check", "--strict")
    assert result.exit_code == 0, result.output
    assert not re.search(r": (warning|error): ", result.output), result.output
    assert re.search(rf"\b{len(RETROS)} retro", result.output), result.output
    assert re.search(rf"\b{len(LESSONS)} lessons?\b", result.output), result.output


def test_build_writes_one_page_per_retro_and_none_for_skipped_files(built: Path):
    docs = docs_dir(built)
    assert sorted(p.name for p in (docs / "retros").glob("*.md")) == sorted(
        ["index.md", *(f"{r.id}.md" for r in RETROS)]
    )
    site = built / "site"
    for retro in RETROS:
        assert (site / "retros" / retro.id / "index.html").is_file()
    assert not (site / "retros" / "wip").exists()
    assert not (site / "retros" / "readme").exists()
    assert not (site / "retros" / "README").exists()


def test_skipped_files_leave_no_trace(built: Path):
    files = [
        p
        for folder in (built / "site", docs_dir(built))
        for p in folder.rglob("*")
        if p.is_file() and p.suffix in {".html", ".json", ".xml", ".md"}
    ]
    assert files
    for path in files:
        text = squash(path.read_text(encoding="utf-8"))
        for needle in SKIPPED_TEXT:
            assert needle not in text, f"{needle!r} from a skipped file appears in {path.relative_to(built)}"


@pytest.mark.parametrize("lesson", LESSONS, ids=_lesson_id)
def test_lesson_on_its_retro_page(built: Path, lesson: ExpectedLesson):
    page = _read(built / "site" / "retros" / lesson.retro / "index.html")
    heading = re.search(rf'<h3 id="{re.escape(lesson.anchor)}">(.*?)</h3>', page, re.S)
    assert heading, f'no <h3 id="{lesson.anchor}"> on the page of {lesson.retro}'
    text = html.unescape(re.sub(r"<[^>]+>", "", heading.group(1))).replace("¶", "")
    assert squash(text) == lesson.title
    assert lesson.phrase in squash(html.unescape(page))


@pytest.mark.parametrize("lesson", LESSONS, ids=_lesson_id)
def test_lesson_linked_from_every_group_page(built: Path, lesson: ExpectedLesson):
    site = built / "site"
    pages = [site / "stages" / lesson.stage / "index.html"]
    pages += [site / "roles" / role / "index.html" for role in lesson.roles]
    if lesson.objection:
        pages.append(site / "objections" / lesson.objection / "index.html")
    for page in pages:
        links = _lesson_links(site, page)
        assert links.get(_lesson_id(lesson)) == {lesson.title}, (
            f"{page.relative_to(site)}: link to {_lesson_id(lesson)} has texts "
            f"{links.get(_lesson_id(lesson))}, expected {{{lesson.title!r}}}"
        )


@pytest.mark.parametrize(
    ("section", "of"),
    [
        ("stages", lambda lesson: {lesson.stage}),
        ("roles", lambda lesson: set(lesson.roles)),
        ("objections", lambda lesson: {lesson.objection} - {None}),
    ],
    ids=["stages", "roles", "objections"],
)
def test_group_pages_list_exactly_their_lessons(built: Path, section: str, of):
    """No lesson is missing from its group page, and none turns up on a group it was not filed under."""
    site = built / "site"
    taxonomy = yaml.safe_load((DEFAULTS / "taxonomy.yml").read_text(encoding="utf-8"))
    slugs = [term["slug"] for term in taxonomy[section]]
    assert {group for lesson in LESSONS for group in of(lesson)} <= set(slugs)
    for group in slugs:
        expected = {_lesson_id(lesson) for lesson in LESSONS if group in of(lesson)}
        found = set(_lesson_links(site, site / section / group / "index.html"))
        assert found == expected, (
            f"{section}/{group}: missing {sorted(expected - found)}, unexpected {sorted(found - expected)}"
        )


# --- search -----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def search_index(built: Path) -> list[dict]:
    return json.loads(_read(built / "site" / "search" / "search_index.json"))["docs"]


@pytest.mark.parametrize("lesson", LESSONS, ids=_lesson_id)
def test_lesson_indexed_once_with_its_phrase(search_index: list[dict], lesson: ExpectedLesson):
    location = f"retros/{lesson.retro}/#{lesson.anchor}"
    entries = [e for e in search_index if e["location"] == location]
    assert len(entries) == 1, f"{len(entries)} search entries at {location}"
    assert html.unescape(entries[0]["title"]) == lesson.title
    holders = [e["location"] for e in search_index if lesson.phrase in squash(html.unescape(e["text"]))]
    assert holders == [location], f"{lesson.phrase!r} is indexed at {holders}, expected only {location}"


# --- generate: determinism and stale pages ----------------------------------------------------------------


def test_generate_is_deterministic(tmp_path: Path):
    root = make_root(tmp_path / "a")
    first = invoke(root, "generate")
    assert first.exit_code == 0, first.output
    docs = docs_dir(root)
    before = hashes(docs)
    pages = [name for name in before if not name.startswith(".")]  # the pages and the stylesheet
    assert len([name for name in pages if name.endswith(".md")]) > len(RETROS)
    assert counts(first.stderr) == (len(pages), 0, 0)

    second = invoke(root, "generate")
    assert second.exit_code == 0, second.output
    assert counts(second.stderr) == (0, len(pages), 0)
    assert hashes(docs) == before

    other = make_root(tmp_path / "b")  # a different folder produces the same pages
    assert invoke(other, "generate").exit_code == 0  # (its run cache records other files' times)
    assert {k: v for k, v in hashes(docs_dir(other)).items() if not k.startswith(".")} == {
        k: v for k, v in before.items() if not k.startswith(".")
    }


@pytest.mark.parametrize(
    "retro",
    [r for r in RETROS if r.id in {"2025-08-27-rowan", "2022-10-04-birch"}],  # nested; non-slug file name
    ids=lambda r: r.id,
)
def test_generate_removes_the_page_of_a_deleted_retro(tmp_path: Path, retro: ExpectedRetro):
    root = make_root(tmp_path)
    assert invoke(root, "generate").exit_code == 0
    docs = docs_dir(root)
    page = docs / "retros" / f"{retro.id}.md"
    assert page.is_file()
    before = set(hashes(docs))

    (root / "retros" / retro.path).unlink()
    result = invoke(root, "generate")
    assert result.exit_code == 0, result.output
    after = set(hashes(docs))
    assert not page.exists()
    removed = before - after
    # Its own page goes; so do pages that existed only for it (a competitor no other deal names).
    assert f"retros/{retro.id}.md" in removed
    assert all(p == f"retros/{retro.id}.md" or p.startswith(("competitors/", "plays/")) for p in removed), removed
    assert counts(result.stderr)[2] == len(removed)
    for path in docs.rglob("*.md"):
        text = path.read_text(encoding="utf-8")
        assert retro.title not in text, path
        for lesson in retro.lessons:
            assert lesson.title not in text, f"{lesson.title!r} still in {path.relative_to(docs)}"
