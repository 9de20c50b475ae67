"""Desired usage lines vs the PSA's current lines -> an idempotent write plan (SPEC R3.6, R3.8)."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

MARKER_PREFIX = "psabridge:"


def marker_for(company_id: str, product_key: str, item_id: int | str) -> str:
    """The marker of the line psabridge owns for a company's product billed as one item:
    psabridge:<company>:<product>:<item>. Another item is another line (R3.6)."""
    for part in (company_id, product_key, str(item_id)):
        if not part or ":" in part:
            raise ValueError(f"marker parts must be non-empty and free of ':', got {part!r}")
    return f"{MARKER_PREFIX}{company_id}:{product_key}:{item_id}"


def line_key(marker: str, item_id: int) -> str:
    """The identity of one of our lines: its marker; a marker written before the item was part
    of it (psabridge:<company>:<product>) is completed with the line's own item."""
    if marker.count(":") == 2:
        return f"{marker}:{item_id}"
    return marker


def is_ours(marker: str | None) -> bool:
    """Lines without our marker belong to someone else and are never touched (R3.8)."""
    return marker is not None and marker.startswith(MARKER_PREFIX)


@dataclass(frozen=True)
class DesiredLine:
    """A line psabridge wants on the invoice or agreement (Halo `_itemid`/`qty_order`, 6.3)."""

    item_id: int
    quantity: float
    description: str
    marker: str

    def __post_init__(self) -> None:
        if not is_ours(self.marker):
            raise ValueError(f"a desired line needs our marker, got {self.marker!r}")


@dataclass(frozen=True)
class CurrentLine:
    """A line the PSA holds now; `marker` is None when it is not ours."""

    line_id: int
    item_id: int
    quantity: float
    description: str
    marker: str | None = None


@dataclass(frozen=True)
class Update:
    """Change line `line_id` in place from `before` to `after`.

    `adopted`: a line of an existing invoice without our marker, of the item psabridge bills,
    taken over (our marker set on it) instead of adding a second line of that item (R4.7).
    """

    line_id: int
    before: CurrentLine
    after: DesiredLine
    adopted: bool = False


@dataclass(frozen=True)
class Remove:
    """Remove one of our lines, and why (a duplicate, or a stale line the user chose to remove)."""

    line: CurrentLine
    reason: str


@dataclass(frozen=True)
class Plan:
    """The writes that turn the current lines into the desired ones; `stale` lines are kept."""

    creates: tuple[DesiredLine, ...] = ()
    updates: tuple[Update, ...] = ()
    removes: tuple[Remove, ...] = ()
    unchanged: tuple[CurrentLine, ...] = ()
    stale: tuple[CurrentLine, ...] = ()  # ours, no longer desired, left in place (R3.6)
    others: tuple[CurrentLine, ...] = ()  # not ours: never written (R3.8)

    @property
    def writes(self) -> int:
        return len(self.creates) + len(self.updates) + len(self.removes)

    @property
    def is_noop(self) -> bool:
        return self.writes == 0


def plan(
    desired: Iterable[DesiredLine],
    current: Iterable[CurrentLine],
    *,
    remove_stale: Collection[str] = (),
    adopt_items: bool = False,
) -> Plan:
    """Diff desired against current lines, matching them by marker (`line_key`).

    - a desired marker with no current line is created; with one it is updated when the item,
      quantity, description or marker text differ, else unchanged;
    - with `adopt_items` (an existing invoice the admin chose to adopt), a desired line with no
      line of ours takes over the lowest unmarked line of its item instead of a create;
    - several current lines with one of our markers (a crash mid-push, R3.8) collapse to one:
      the line already right (else the lowest id) is kept, the others are removed;
    - our lines no longer desired are stale: listed, and removed only when their marker is in
      `remove_stale` (R3.6 choice: the explicit "Remove stale lines" action);
    - lines without our marker are never touched.
    Applying the plan and planning again gives a plan with no writes.
    """
    wanted = _by_marker(desired)
    ours, others = _split(current)
    builder = _Builder(others=others)
    for marker, line in wanted.items():
        found = ours.pop(marker, [])
        if not found and adopt_items and builder.adopt(line):
            continue
        builder.reconcile(line, found)
    for lines in ours.values():
        remove = any(line.marker in remove_stale for line in lines)
        builder.stale_lines(lines, remove=remove)
    return builder.build()


def _by_marker(desired: Iterable[DesiredLine]) -> dict[str, DesiredLine]:
    wanted: dict[str, DesiredLine] = {}
    for line in desired:
        if line.marker in wanted:
            raise ValueError(f"two desired lines share the marker {line.marker!r}")
        wanted[line.marker] = line
    return wanted


def _split(
    current: Iterable[CurrentLine],
) -> tuple[dict[str, list[CurrentLine]], list[CurrentLine]]:
    ours: dict[str, list[CurrentLine]] = {}
    others: list[CurrentLine] = []
    for line in current:
        if line.marker is not None and is_ours(line.marker):
            ours.setdefault(line_key(line.marker, line.item_id), []).append(line)
        else:
            others.append(line)
    return ours, others


def _same(current: CurrentLine, desired: DesiredLine) -> bool:
    return (
        current.item_id == desired.item_id
        and current.quantity == desired.quantity
        and current.description == desired.description
        and current.marker == desired.marker
    )


class _Builder:
    """Collects a plan's parts while the diff walks the markers."""

    def __init__(self, others: list[CurrentLine]) -> None:
        self.others = others
        self.creates: list[DesiredLine] = []
        self.updates: list[Update] = []
        self.removes: list[Remove] = []
        self.unchanged: list[CurrentLine] = []
        self.stale: list[CurrentLine] = []

    def reconcile(self, desired: DesiredLine, lines: list[CurrentLine]) -> None:
        if not lines:
            self.creates.append(desired)
            return
        ordered = sorted(lines, key=lambda line: (not _same(line, desired), line.line_id))
        keep, duplicates = ordered[0], ordered[1:]
        for duplicate in sorted(duplicates, key=lambda line: line.line_id):
            reason = f"duplicate of line {keep.line_id} ({desired.marker})"
            self.removes.append(Remove(duplicate, reason))
        if _same(keep, desired):
            self.unchanged.append(keep)
        else:
            self.updates.append(Update(keep.line_id, keep, desired))

    def adopt(self, desired: DesiredLine) -> bool:
        """Take over the lowest unmarked line of the desired item, if there is one."""
        candidates = [x for x in self.others if x.marker is None and x.item_id == desired.item_id]
        if not candidates:
            return False
        line = min(candidates, key=lambda x: x.line_id)
        self.others.remove(line)
        self.updates.append(Update(line.line_id, line, desired, adopted=True))
        return True

    def stale_lines(self, lines: list[CurrentLine], *, remove: bool) -> None:
        for line in sorted(lines, key=lambda line: line.line_id):
            if remove:
                self.removes.append(Remove(line, "stale line removed on request"))
            else:
                self.stale.append(line)

    def build(self) -> Plan:
        return Plan(
            creates=tuple(self.creates),
            updates=tuple(self.updates),
            removes=tuple(self.removes),
            unchanged=tuple(self.unchanged),
            stale=tuple(self.stale),
            others=tuple(self.others),
        )
