"""Write one benchmark's section of bench/RESULTS.md (keeping the others), and its header facts."""

from __future__ import annotations

import datetime
import os
import platform
import sqlite3
import sys
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


def machine_facts() -> str:
    """Return the machine a benchmark ran on, with the load average before it started."""
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"nproc {os.cpu_count()}, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, {platform.system()} {platform.release()}, "
        f"load average before the run {load}"
    )


def command_line(script: str, argv: list[str] | None) -> str:
    """Return the command that re-runs a benchmark with the arguments it was given."""
    given = sys.argv[1:] if argv is None else argv
    return " ".join([f".venv/bin/python bench/{script}", *given])


def section(title: str, description: str, command: str, machine: str, body: str) -> str:
    """Return a RESULTS.md section: what it measures, the command, the machine, the results."""
    day = datetime.date.today().isoformat()
    return f"""{title}

{description}

Command:

```
{command}
```

Machine: {machine}. {day}.

{body}
"""
