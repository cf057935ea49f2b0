"""The console entry point (`playbookgen`, `python -m playbookgen`).

`playbookgen generate` on an unchanged playbook is answered here, before click is imported: click and
cli.py would add about 13 ms to a warm run of about 38 ms (perf stat, 100 retros). Only the plain forms are
recognised (`[-C DIR] generate [--strict] [--audience NAME]`); anything else, and every case the build
cache does not settle, goes to the click commands in cli.py, which behave the same.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def _plain_generate(argv: list[str]) -> tuple[str, bool, str | None] | None:
    """(root, strict, audience) when argv is a plain `generate` command, else None."""
    root, strict, audience = ".", False, None
    rest = list(argv)
    if rest[:1] in (["-C"], ["--root"]) and len(rest) > 1:
        root, rest = rest[1], rest[2:]
    elif rest[:1] and rest[0].startswith("--root="):
        root, rest = rest[0].split("=", 1)[1], rest[1:]
    if rest[:1] != ["generate"]:
        return None
    options = rest[1:]
    seen: set[str] = set()
    while options:
        option = options.pop(0)
        name, given, value = option.partition("=")
        if name in seen:
            return None
        seen.add(name)
        if option == "--strict":
            strict = True
        elif name == "--audience" and (given or options):
            # An audience click would refuse never matches a cache (the fingerprint holds the name), so
            # it reaches click, which names the allowed values; but an empty one reads as no audience.
            audience = value if given else options.pop(0)
            if not audience:
                return None
        else:
            return None
    return (root, strict, audience) if root else None


def generate_if_unchanged(argv: list[str], hand_over: bool = False) -> int | None:
    """The exit code of a warm `generate` when argv is a plain one and no input changed; None otherwise
    (nothing has been printed then). With `hand_over`, a fingerprint computed for nothing is kept for
    click's generate, which runs next in this process."""
    parsed = _plain_generate(argv)
    if parsed is None or not os.path.isdir(parsed[0]):
        return None
    from playbookgen import buildcache, warm
    from playbookgen.clock import today
    from playbookgen.layout import Layout

    root, strict, audience = parsed
    layout = Layout(Path(root).resolve())
    guess = layout.docs_dir_guess()
    if guess is None:
        return None
    day = today()
    key = buildcache.fingerprint(layout, audience, day)
    hit = buildcache.load(layout, guess, key)
    if hit is None:
        if hand_over:
            buildcache.hand_over(layout, audience, day, key)
        return None
    return 1 if warm.announce(layout, hit, strict, guess) else 0


def main() -> None:
    code = generate_if_unchanged(sys.argv[1:], hand_over=True)
    if code is None:
        from playbookgen.cli import main as run_click_command

        run_click_command()  # exits
    sys.exit(code)
