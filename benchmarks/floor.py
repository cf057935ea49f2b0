"""The benchmark's floor: read every retro and parse its front matter with python-frontmatter, nothing else.

    python benchmarks/floor.py ROOT     # prints {"parsed": N, "inner_s": seconds} as one JSON line

run.py starts it in a fresh interpreter. It is a script of its own so that it imports only what it needs:
run as a child of run.py, it paid for run.py's imports too (about 0.03 s of CPU, 12% of the floor at
1,000 retros), which made playbookgen's share of the floor look larger than it is.
"""

from __future__ import annotations

import json
import os
import sys
import time


def retro_files(retros: str) -> list[str]:
    """The files playbookgen's discovery reads: *.md below retros/, not README.md, not _ or . names."""
    found = []
    for folder, folders, files in os.walk(retros):
        folders[:] = sorted(f for f in folders if not f.startswith(("_", ".")))
        found += [
            os.path.join(folder, f)
            for f in files
            if f.endswith(".md") and f != "README.md" and not f.startswith(("_", "."))
        ]
    return sorted(found)


def main(root: str) -> dict[str, float]:
    started = time.perf_counter()
    import frontmatter

    parsed = 0
    for path in retro_files(os.path.join(root, "retros")):
        with open(path, encoding="utf-8") as handle:
            post = frontmatter.loads(handle.read())
        parsed += bool(post.metadata)
    return {"parsed": parsed, "inner_s": time.perf_counter() - started}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])))
