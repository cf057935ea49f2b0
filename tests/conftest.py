"""Shared fixtures: a throwaway playbook root built from this repository's config and templates."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True, scope="session")
def _own_cache_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The compiled-template cache goes to a folder of the test run's own, not the user's ~/.cache."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
        yield


def copy_skeleton(target: Path, with_retros: bool = False) -> Path:
    """A playbook root with the shipped mkdocs.yml, site_config/ and templates/ (and optionally retros/)."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "mkdocs.yml", target / "mkdocs.yml")
    shutil.copytree(REPO / "site_config", target / "site_config")
    shutil.copytree(REPO / "templates", target / "templates")
    if with_retros:  # the sample playbook as shipped: its retros and its hand-written pages
        shutil.copytree(REPO / "retros", target / "retros")
        shutil.copytree(REPO / "pages", target / "pages")
    else:
        (target / "retros").mkdir()
    return target


VALID_RETRO = """\
---
title: "Won Osprey by writing POC success criteria down"
date: 2025-03-11
deal:
  codename: Osprey
  outcome: won
---

## Summary

A short deal.

## Lessons

### L1 Write POC success criteria down before kickoff

- stage: evaluation
- roles: sales-engineer
- objection: technical-fit
- result: worked

**What happened.** We wrote three criteria with the champion.

**Next time.** Do it again.
"""


@pytest.fixture
def playbook(tmp_path: Path) -> Path:
    """An empty playbook root (no retros yet)."""
    return copy_skeleton(tmp_path / "playbook")


@pytest.fixture
def write_retro(playbook: Path) -> Callable[..., Path]:
    """write_retro("name.md", text) writes a retro (dedented) under retros/ and returns its path."""

    def write(name: str, text: str = VALID_RETRO) -> Path:
        path = playbook / "retros" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write
