"""Write one benchmark's section of bench/RESULTS.md, keeping the other sections."""

from __future__ import annotations

from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
FINDINGS = "### Findings"


def record(section_title: str, text: str) -> None:
    """Replace the section titled `section_title` (or append it), keeping the others.

    A hand-written `### Findings` part at the end of the old section is kept.
    """
    current = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    start = current.find(section_title)
    if start < 0:
        updated = current.rstrip("\n") + "\n\n" + text
    else:
        following = current.find("\n## ", start + len(section_title))
        old = current[start:following] if following >= 0 else current[start:]
        findings = old.find(FINDINGS)
        if findings >= 0:
            text = text.rstrip("\n") + "\n\n" + old[findings:].rstrip("\n") + "\n"
        rest = current[following + 1 :] if following >= 0 else ""
        updated = current[:start] + text + ("\n" + rest if rest else "")
    RESULTS.write_text(updated.rstrip("\n") + "\n")
