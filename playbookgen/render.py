"""Render the playbook into Markdown pages from Jinja2 templates (pure: no file writes).

A template in the playbook's templates/ wins over the packaged default of the same name.
"""

from __future__ import annotations

import functools
import hashlib
import html
import json
import posixpath
import sys
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import (
    BytecodeCache,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
    Undefined,
)

from playbookgen.actions import roll_up
from playbookgen.charts import objections_by_quarter, outcomes_by_stage, win_rate_by_segment
from playbookgen.evidence import Evidence, Outcomes, build_evidence
from playbookgen.group import RESULT_BUCKETS, Entry, Playbook
from playbookgen.model import Money
from playbookgen.template_context import PlaybookContext
from playbookgen.vocabulary import CONFIDENCE, EVIDENCE, OUTCOMES, RESULTS


class TemplateProblem(Exception):
    """A team-edited template that does not render: reported as a diagnostic, never a traceback."""

    def __init__(self, template: str, line: int | None, message: str) -> None:
        super().__init__(message)
        self.template, self.line, self.message = template, line, message


SECTIONS = (
    ("stages", "Stages", "stage"),
    ("roles", "Roles", "role"),
    ("objections", "Objections", "objection"),
)


_OPTIONS: dict[str, Any] = {
    "undefined": StrictUndefined,
    "keep_trailing_newline": True,
    "trim_blocks": True,
    "lstrip_blocks": True,
    "autoescape": False,  # the output is Markdown; MkDocs escapes when it renders HTML
}


def environment(templates: list[Path], code_cache: BytecodeCache | None = None) -> Environment:
    env = Environment(
        loader=FileSystemLoader([str(folder) for folder in templates]), bytecode_cache=code_cache, **_OPTIONS
    )
    env.context_class = PlaybookContext
    env.filters["by_title"] = _by_title
    env.filters["result_counts"] = _result_counts
    env.filters.update(yaml=yaml_scalar, cell=_cell, link_text=_link_text, money=_money, oneline=_oneline)
    return env


def code_cache_key() -> str:
    """What compiled template code depends on besides the template's own source (which Jinja checks): the
    Jinja version, the environment's options, playbookgen's code (how a filter is called, and constant
    expressions with filters, are compiled in) and the Python bytecode format. Names the entries of a
    template code cache, so that no change to any of them runs code compiled for another."""
    from importlib.util import MAGIC_NUMBER

    options = sorted((name, getattr(value, "__name__", value)) for name, value in _OPTIONS.items())
    digest = hashlib.sha256(repr((jinja2.__version__, options, sys.implementation.cache_tag)).encode())
    digest.update(MAGIC_NUMBER)
    package = Path(__file__).parent
    for source in sorted(package.glob("*.py")):  # about 50 files: 1 ms
        digest.update(source.name.encode() + b"\0" + source.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def render_pages(
    playbook: Playbook,
    templates: list[Path],
    audience: str = "team",
    today: date | None = None,
    evidence: Evidence | None = None,
    code_cache: BytecodeCache | None = None,
) -> dict[str, bytes]:
    """Every generated page as {path in docs dir: UTF-8 Markdown}, for the given audience.

    `today` dates freshness and overdue actions (default: the newest retro's date, for stable output);
    `evidence` is computed from the playbook unless the caller already has it; `code_cache` keeps compiled
    templates between runs (the caller's: this module writes nothing).
    """
    env = environment(templates, code_cache)
    taxonomy = playbook.taxonomy
    today = (
        evidence.today
        if evidence
        else today or (playbook.retros[0].date if playbook.retros else date(1970, 1, 1))
    )
    evidence = evidence or build_evidence(playbook, today, playbook.config.stale_after_months)
    names = _Names(
        stages={t.slug: t.name for t in taxonomy.stages.terms},
        roles={t.slug: t.name for t in taxonomy.roles.terms},
        objections={t.slug: t.name for t in taxonomy.objections.terms},
        outcomes={t.slug: t.name for t in OUTCOMES.terms},
        results={**{t.slug: t.name for t in RESULTS.terms}, "unlabelled": "Not labelled"},
        evidence={t.slug: t.name for t in EVIDENCE.terms},
        confidence={t.slug: t.name for t in CONFIDENCE.terms},
    )
    common: dict[str, Any] = {
        "playbook": playbook,
        "config": playbook.config,
        "taxonomy": taxonomy,
        "names": names,
        "result_buckets": RESULT_BUCKETS,
        "audience": audience,
        "sections": SECTIONS,
        "evidence": evidence,
        "overall": Outcomes.of(playbook.retros),
        "today": today,
    }
    pages: dict[str, bytes] = {}

    def page(path: str, template: str, **context: Any) -> None:
        try:
            # Encoded at once: holding every page twice (text and bytes) would double peak memory.
            here = _folder(path)
            links = functools.partial(_term_link, names, here)
            pages[path] = (
                env.get_template(template)
                .render(
                    common, page_path=path, url=functools.partial(_url, here), link_to_term=links, **context
                )
                .encode("utf-8")
            )
        except TemplateNotFound as exc:
            raise TemplateProblem(template, None, f"template not found: {exc.name}") from None
        except TemplateSyntaxError as exc:
            raise TemplateProblem(exc.name or template, exc.lineno, exc.message or str(exc)) from None
        except (TemplateError, TypeError, ValueError, AttributeError, KeyError) as exc:
            name, line = _template_frame(exc, template)
            raise TemplateProblem(name, line, f"{type(exc).__name__}: {exc} (rendering {path})") from None

    page("index.md", "home.md.j2")
    for key, _title, kind in SECTIONS:
        dimension = taxonomy.dimension(key)
        page(f"{key}/index.md", f"{key}.md.j2", dimension=dimension)
        terms = dimension.terms
        for i, term in enumerate(terms):
            page(
                f"{key}/{term.slug}.md",
                f"{kind}.md.j2",
                term=term,
                previous=terms[i - 1] if i else None,
                next=terms[i + 1] if i + 1 < len(terms) else None,
            )
    page("retros/index.md", "retros.md.j2")
    page("tags.md", "tags.md.j2")
    page("plays/index.md", "plays.md.j2")
    for play in evidence.plays:
        page(f"plays/{play.id}.md", "play.md.j2", play=play)
    page("competitors/index.md", "competitors.md.j2")
    for competitor in evidence.competitors:
        page(f"competitors/{competitor.slug}.md", "competitor.md.j2", competitor=competitor)
    page(
        "insights.md",
        "insights.md.j2",
        charts=[outcomes_by_stage(playbook), objections_by_quarter(playbook), win_rate_by_segment(playbook)],
        outcomes_by_stage_reached=_outcomes_by_stage_reached(playbook),
    )
    page("actions.md", "actions.md.j2", actions=roll_up(playbook.retros, today))
    for retro in playbook.retros:
        page(f"retros/{retro.id}.md", "retro.md.j2", retro=retro)
    return pages


def _outcomes_by_stage_reached(playbook: Playbook) -> dict[str, Counter[str]]:
    """How many deals ended with each outcome, by the stage they reached (a Counter for every stage)."""
    counts: dict[str, Counter[str]] = {slug: Counter() for slug in playbook.taxonomy.stages.slugs}
    for retro in playbook.retros:
        if retro.deal.stage_reached in counts:
            counts[retro.deal.stage_reached][retro.deal.outcome] += 1
    return counts


class _Names(dict[str, dict[str, str]]):
    """Display names by group and slug. `names.results` in a template finds the group as an attribute: for a
    plain dict Jinja first tries getattr and catches its AttributeError, 160,000 times at 5,000 retros."""

    def __init__(self, **groups: dict[str, str]) -> None:
        super().__init__(groups)
        self.__dict__.update(groups)

    def _read_only(self, *args: object, **kwargs: object) -> None:
        """Read-only, so that a group found as an item and as an attribute is always the same."""
        raise TypeError("names is read-only; copy it first: {% set mine = dict(names) %}")

    __setitem__ = __delitem__ = __ior__ = update = pop = popitem = clear = setdefault = _read_only


def navigation(playbook: Playbook) -> list[dict[str, Any]]:
    """The site navigation as MkDocs `nav` data: groups are listed, single retros are not."""
    nav: list[dict[str, Any]] = [{"Home": "index.md"}]
    for key, title, _kind in SECTIONS:
        terms = playbook.taxonomy.dimension(key).terms
        nav.append({title: [f"{key}/index.md", *({t.name: f"{key}/{t.slug}.md"} for t in terms)]})
    nav.append({"Plays": "plays/index.md"})
    nav.append({"Competitors": "competitors/index.md"})
    nav.append({"Insights": "insights.md"})
    nav.append({"Actions": "actions.md"})
    nav.append({"Retros": "retros/index.md"})
    return nav


def _url(here: str, target: str) -> str:
    """`url(target)` in the templates: a relative link from the page being rendered (in folder `here`) to
    `target`, a docs-dir path with an optional #anchor."""
    return _link(target, here)


def _term_link(names: dict[str, dict[str, str]], here: str, key: str, slug: str) -> str:
    """A Markdown link to a taxonomy term's page: `m.term_link` in the templates. A function, not a
    macro: it is called about 100,000 times at 5,000 retros, and a macro call costs three times as much."""
    terms = names.get(key) if key in ("stages", "roles", "objections") else None
    if terms is None or slug not in terms:
        known = "stages, roles, objections" if terms is None else ", ".join(terms)
        raise ValueError(f"term_link({key!r}, {slug!r}): not a term of the taxonomy; known: {known}")
    return f"[{_link_text(terms[slug])}]({_link(f'{key}/{slug}.md', here)})"


@functools.lru_cache(maxsize=4096)
def _folder(page_path: str) -> str:
    return posixpath.dirname(page_path)


@functools.lru_cache(maxsize=65536)
def _link(target: str, here: str) -> str:
    path, _, anchor = target.partition("#")
    relative = _relative(path, here)
    return f"{relative}#{anchor}" if anchor else relative


@functools.lru_cache(maxsize=65536)
def _relative(path: str, here: str) -> str:
    """posixpath.relpath without its os.getcwd() calls: both paths are relative to the docs folder."""
    target, base = path.split("/"), [part for part in here.split("/") if part]
    common = 0
    while common < min(len(target) - 1, len(base)) and target[common] == base[common]:
        common += 1
    return "/".join([".."] * (len(base) - common) + target[common:])


def yaml_scalar(value: object) -> str:
    """A YAML scalar for page front matter (JSON strings are valid YAML)."""
    if isinstance(value, Undefined):
        str(value)  # StrictUndefined raises the helpful "has no attribute" error
    if isinstance(value, str):
        # Themes print front matter titles and tags without escaping: keep markup out of them.
        value = html.escape(value, quote=False)
    return json.dumps(value, ensure_ascii=False)


def _by_title(entries: list[Entry]) -> list[tuple[str, list[Entry]]]:
    """Lessons grouped by title, in first-seen order (the same play written up in several retros)."""
    groups: dict[str, list[Entry]] = {}
    for entry in entries:
        groups.setdefault(entry.lesson.title, []).append(entry)
    return list(groups.items())


def _result_counts(entries: list[Entry]) -> list[tuple[str, int]]:
    """How many lessons had each result, in bucket order, leaving out results nobody had."""
    counts = Counter(entry.lesson.result or "unlabelled" for entry in entries)
    return [(bucket, counts[bucket]) for bucket in RESULT_BUCKETS if counts[bucket]]


def _cell(value: object) -> str:
    return _oneline(value).replace("|", "\\|")


def _oneline(value: object) -> str:
    return " ".join(str(value).split())


@functools.lru_cache(maxsize=8192, typed=True)  # mostly the same names: stages, roles, objections
def _link_text(value: object) -> str:
    return _oneline(value).replace("[", "\\[").replace("]", "\\]")


def _money(value: Money) -> str:
    amount = f"{value.amount:,.0f}" if value.amount == int(value.amount) else f"{value.amount:,.2f}"
    return f"{amount} {value.currency}"


def _template_frame(exc: BaseException, fallback: str) -> tuple[str, int | None]:
    """The innermost template file and line in the traceback (Jinja maps frames back to templates)."""
    found: tuple[str, int | None] = (fallback, None)
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".j2"):
            found = (Path(filename).name, tb.tb_lineno)
        tb = tb.tb_next
    return found
