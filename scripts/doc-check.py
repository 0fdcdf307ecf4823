#!/usr/bin/env python3
"""Checks that `cargo doc` shows each public item of a crate once (issue #35): no module page
re-exports an item of the crate itself (which would then be reachable, and listed, at two
paths: its public module's and the re-export's), and no type's page repeats another type's
methods through `Deref`. Re-exports of other crates (`pub use half;`) are fine: the item is
theirs. Reads target/doc/CRATE/; run after `cargo doc`.

Usage: scripts/doc-check.py CRATE [CRATE ...]   (crate names with underscores)
"""
import pathlib
import re
import sys

# rustdoc's "Re-exports" section of a module page, up to the next section.
REEXPORTS = re.compile(r'id="reexports".*?(?=<h2 |</section>|$)', re.S)
LINK = re.compile(r'href="([^"]+)"')


def check(crate: str) -> list[str]:
    root = pathlib.Path("target/doc") / crate
    if not (root / "all.html").exists():
        return [f"{root}/all.html missing: run cargo doc first"]
    problems = []
    pages = sorted(root.rglob("*.html"))
    for page in pages:
        text = page.read_text()
        name = page.relative_to(root)
        for section in REEXPORTS.findall(text):
            own = [h for h in LINK.findall(section)
                   if not h.startswith(("http", "#")) and not h.startswith("../" * (len(name.parts)))]
            if own:
                problems.append(f"{crate}/{name} re-exports its own items: {', '.join(own)}")
        if "Methods from Deref" in text:
            problems.append(f"{crate}/{name} repeats another type's methods (Deref)")
    if not problems:
        print(f"doc-check: {crate}: {len(pages)} pages, each public item at one path")
    return problems


if __name__ == "__main__":
    found = [p for crate in sys.argv[1:] for p in check(crate)]
    for problem in found:
        print(f"doc-check: {problem}", file=sys.stderr)
    sys.exit(1 if found else 0)
