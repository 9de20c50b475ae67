"""The result of one routing run: what it did, counted, and when it wants to run again."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class RouteResult:
    """What one engine run did, and when it wants to run again."""

    created: int = 0
    noted: int = 0
    parked: int = 0
    skipped: int = 0
    waiting: int = 0
    run_again_in: float | None = None

    def again(self, seconds: float) -> None:
        self.run_again_in = (
            seconds if self.run_again_in is None else min(self.run_again_in, seconds)
        )
