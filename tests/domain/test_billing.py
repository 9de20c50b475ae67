"""The billing write plan as tables, plus idempotence and resume as hypothesis properties."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from psabridge.domain.billing import (
    CurrentLine,
    DesiredLine,
    Plan,
    Remove,
    Update,
    is_ours,
    marker_for,
    plan,
)

SEATS, EDR, ATS = (marker_for("c1", key, 1) for key in ("seats", "edr", "ats"))
OLD = marker_for("c0", "seats", 1)  # a line from an earlier mapping (R3.6)
LEGACY = "psabridge:c1:seats"  # written before the item was part of the marker


def want(marker: str, quantity: float = 10, item: int = 1, text: str = "Seats") -> DesiredLine:
    return DesiredLine(item, quantity, text, marker)


def line(
    line_id: int, marker: str | None, quantity: float = 10, item: int = 1, text: str = "Seats"
) -> CurrentLine:
    return CurrentLine(line_id, item, quantity, text, marker)


HANDMADE = line(7, None, 3, item=1, text="Consulting")  # same item, not ours
FOREIGN = line(8, "othertool:c1:seats", 5)  # someone else's marker: not ours either


def test_marker_shape():
    assert SEATS == "psabridge:c1:seats:1"
    assert is_ours(SEATS) and not is_ours(None) and not is_ours("othertool:x")


@pytest.mark.parametrize(
    ("company", "key", "item"),
    [("", "seats", 1), ("c:1", "seats", 1), ("c1", "", 1), ("c1", "x", "")],
)
def test_marker_parts_are_checked(company, key, item):
    with pytest.raises(ValueError, match="marker parts"):
        marker_for(company, key, item)


def test_desired_lines_need_our_marker():
    with pytest.raises(ValueError, match="our marker"):
        DesiredLine(1, 1, "x", "othertool:c1:seats")


def test_desired_markers_are_unique():
    with pytest.raises(ValueError, match="share the marker"):
        plan([want(SEATS), want(SEATS, 3)], [])


CASES = [
    # (name, desired, current, remove_stale, expected plan)
    ("nothing anywhere: no-op", [], [], (), Plan()),
    (
        "new month on an empty invoice: create",
        [want(SEATS), want(EDR, 2, 2, "EDR")],
        [],
        (),
        Plan(creates=(want(SEATS), want(EDR, 2, 2, "EDR"))),
    ),
    (
        "same quantity: unchanged",
        [want(SEATS)],
        [line(1, SEATS)],
        (),
        Plan(unchanged=(line(1, SEATS),)),
    ),
    (
        "integer vs double quantity: unchanged",
        [want(SEATS, 10)],
        [line(1, SEATS, 10.0)],
        (),
        Plan(unchanged=(line(1, SEATS, 10.0),)),
    ),
    (
        "quantity changed: update in place",
        [want(SEATS, 12)],
        [line(1, SEATS, 10)],
        (),
        Plan(updates=(Update(1, line(1, SEATS, 10), want(SEATS, 12)),)),
    ),
    (
        "item remapped: a new line, the old one stale, never rewritten in place (R3.6)",
        [want(marker_for("c1", "seats", 9), item=9)],
        [line(1, SEATS)],
        (),
        Plan(creates=(want(marker_for("c1", "seats", 9), item=9),), stale=(line(1, SEATS),)),
    ),
    (
        "a marker written before items were in it is the same line: the marker is rewritten",
        [want(SEATS)],
        [line(1, LEGACY)],
        (),
        Plan(updates=(Update(1, line(1, LEGACY), want(SEATS)),)),
    ),
    (
        "a marker written before items were in it, on another item: stale",
        [want(marker_for("c1", "seats", 9), item=9)],
        [line(1, LEGACY)],
        (),
        Plan(creates=(want(marker_for("c1", "seats", 9), item=9),), stale=(line(1, LEGACY),)),
    ),
    (
        "description changed: update",
        [want(SEATS, text="Seats (MSP Secure)")],
        [line(1, SEATS)],
        (),
        Plan(updates=(Update(1, line(1, SEATS), want(SEATS, text="Seats (MSP Secure)")),)),
    ),
    (
        "other lines untouched, even on the same item",
        [want(SEATS)],
        [HANDMADE, FOREIGN],
        (),
        Plan(creates=(want(SEATS),), others=(HANDMADE, FOREIGN)),
    ),
    (
        "other lines untouched when nothing is desired",
        [],
        [HANDMADE, FOREIGN],
        (),
        Plan(others=(HANDMADE, FOREIGN)),
    ),
    (
        "no longer desired: listed as stale, not removed",
        [want(SEATS)],
        [line(1, SEATS), line(2, OLD)],
        (),
        Plan(unchanged=(line(1, SEATS),), stale=(line(2, OLD),)),
    ),
    (
        "stale removed when asked",
        [want(SEATS)],
        [line(1, SEATS), line(2, OLD)],
        (OLD,),
        Plan(
            unchanged=(line(1, SEATS),),
            removes=(Remove(line(2, OLD), "stale line removed on request"),),
        ),
    ),
    (
        "remove_stale never removes a desired line",
        [want(SEATS)],
        [line(1, SEATS)],
        (SEATS,),
        Plan(unchanged=(line(1, SEATS),)),
    ),
    (
        "remove_stale never touches other lines",
        [],
        [HANDMADE],
        ("othertool:c1:seats", ""),
        Plan(others=(HANDMADE,)),
    ),
    (
        "only the stale lines asked for are removed",
        [],
        [line(1, OLD), line(2, EDR)],
        (OLD,),
        Plan(
            removes=(Remove(line(1, OLD), "stale line removed on request"),), stale=(line(2, EDR),)
        ),
    ),
    (
        "duplicates after a crash: keep the right one",
        [want(SEATS)],
        [line(4, SEATS, 3), line(5, SEATS)],
        (),
        Plan(
            unchanged=(line(5, SEATS),),
            removes=(Remove(line(4, SEATS, 3), "duplicate of line 5 (psabridge:c1:seats:1)"),),
        ),
    ),
    (
        "duplicates all wrong: keep the lowest id, update it",
        [want(SEATS)],
        [line(6, SEATS, 3), line(4, SEATS, 2), line(5, SEATS, 3)],
        (),
        Plan(
            updates=(Update(4, line(4, SEATS, 2), want(SEATS)),),
            removes=(
                Remove(line(5, SEATS, 3), "duplicate of line 4 (psabridge:c1:seats:1)"),
                Remove(line(6, SEATS, 3), "duplicate of line 4 (psabridge:c1:seats:1)"),
            ),
        ),
    ),
    (
        "stale duplicates are all listed",
        [],
        [line(2, OLD), line(1, OLD)],
        (),
        Plan(stale=(line(1, OLD), line(2, OLD))),
    ),
    (
        "negative Halo ids are ids like any other (6.2)",
        [want(SEATS)],
        [line(-94, SEATS), line(-3, SEATS)],
        (),
        Plan(
            unchanged=(line(-94, SEATS),),
            removes=(Remove(line(-3, SEATS), "duplicate of line -94 (psabridge:c1:seats:1)"),),
        ),
    ),
]


@pytest.mark.parametrize(
    ("name", "desired", "current", "remove_stale", "expected"), CASES, ids=[c[0] for c in CASES]
)
def test_plan_table(name, desired, current, remove_stale, expected):
    assert plan(desired, current, remove_stale=remove_stale) == expected


ADOPTION = [
    # (name, desired, current, expected)
    (
        "the unmarked line of the item is taken over, not doubled",
        [want(SEATS, 33)],
        [line(1, None, 20), line(2, None, 20, item=4)],
        Plan(
            updates=(Update(1, line(1, None, 20), want(SEATS, 33), adopted=True),),
            others=(line(2, None, 20, item=4),),
        ),
    ),
    (
        "the lowest of two unmarked lines of the item; the other stays someone else's",
        [want(SEATS, 33)],
        [line(5, None, 2), line(3, None, 20)],
        Plan(
            updates=(Update(3, line(3, None, 20), want(SEATS, 33), adopted=True),),
            others=(line(5, None, 2),),
        ),
    ),
    (
        "our own line wins over an unmarked one",
        [want(SEATS, 33)],
        [line(1, None, 20), line(2, SEATS, 30)],
        Plan(
            updates=(Update(2, line(2, SEATS, 30), want(SEATS, 33)),), others=(line(1, None, 20),)
        ),
    ),
    (
        "another tool's marked line is never taken",
        [want(SEATS)],
        [FOREIGN],
        Plan(creates=(want(SEATS),), others=(FOREIGN,)),
    ),
]


@pytest.mark.parametrize(
    ("name", "desired", "current", "expected"), ADOPTION, ids=[c[0] for c in ADOPTION]
)
def test_adopting_an_existing_invoice(name, desired, current, expected):
    assert plan(desired, current, adopt_items=True) == expected


def test_without_adoption_unmarked_lines_are_never_taken():
    assert plan([want(SEATS)], [line(1, None)]).creates == (want(SEATS),)


def test_writes_and_noop():
    result = plan([want(SEATS, 12), want(EDR)], [line(1, SEATS), line(2, SEATS), line(3, OLD)])
    assert (len(result.creates), len(result.updates), len(result.removes)) == (1, 1, 1)
    assert result.writes == 3 and not result.is_noop
    assert plan([want(SEATS)], [line(1, SEATS), line(3, OLD)]).is_noop  # stale alone writes nothing


# --- a PSA stand-in: apply a plan's writes, in order, possibly only the first k ------------------


def writes_of(p: Plan) -> list[tuple[str, object]]:
    return [
        *(("create", c) for c in p.creates),
        *(("update", u) for u in p.updates),
        *(("remove", r) for r in p.removes),
    ]


def apply(current: list[CurrentLine], writes: list[tuple[str, object]]) -> list[CurrentLine]:
    lines = {existing.line_id: existing for existing in current}
    next_id = max((existing.line_id for existing in current), default=0) + 1
    for kind, write in writes:
        if isinstance(write, Remove):
            del lines[write.line.line_id]
        elif isinstance(write, Update):
            after = write.after
            lines[write.line_id] = line(
                write.line_id, after.marker, after.quantity, after.item_id, after.description
            )
        else:
            assert kind == "create" and isinstance(write, DesiredLine)
            lines[next_id] = line(
                next_id, write.marker, write.quantity, write.item_id, write.description
            )
            next_id += 1
    return list(lines.values())


def contents(lines: list[CurrentLine]) -> Counter[tuple[object, ...]]:
    return Counter((x.item_id, x.quantity, x.description, x.marker) for x in lines)


POOL = [marker_for(company, key, 1) for company in ("c1", "c2") for key in ("seats", "edr", "ats")]
texts = st.sampled_from(["Seats", "EDR", ""])
current_lines = st.lists(
    st.tuples(
        st.sampled_from([*POOL, None, "othertool:c1:seats"]),
        st.integers(1, 3),
        st.integers(0, 3),
        texts,
    ),
    max_size=12,
).map(lambda rows: [line(i + 1, m, q, it, t) for i, (m, it, q, t) in enumerate(rows)])
desired_lines = st.dictionaries(
    st.sampled_from(POOL), st.tuples(st.integers(1, 3), st.integers(0, 3), texts)
).map(lambda rows: [want(m, q, it, t) for m, (it, q, t) in rows.items()])
stale_choice = st.sets(st.sampled_from(POOL))


@given(desired=desired_lines, current=current_lines, remove_stale=stale_choice)
def test_applying_a_plan_then_planning_again_writes_nothing(desired, current, remove_stale):
    first = plan(desired, current, remove_stale=remove_stale)
    after = apply(current, writes_of(first))
    again = plan(desired, after, remove_stale=remove_stale)
    assert again.is_noop, again
    # Each desired line exactly once; other lines and unremoved stale lines exactly as they were.
    wanted = {d.marker for d in desired}
    result = [x for x in after if x.marker in wanted]
    assert contents(result) == Counter(
        (d.item_id, d.quantity, d.description, d.marker) for d in desired
    )
    untouched = [x for x in current if not is_ours(x.marker)]
    assert [x for x in after if not is_ours(x.marker)] == untouched
    kept_stale = [x for x in current if x.marker not in wanted]
    kept_stale = [x for x in kept_stale if is_ours(x.marker) and x.marker not in remove_stale]
    assert set(again.stale) == set(kept_stale) and set(first.stale) == set(kept_stale)


@given(desired=desired_lines, current=current_lines, data=st.data())
def test_a_crash_after_k_writes_resumes_to_the_same_lines(desired, current, data):
    first = plan(desired, current)
    writes = writes_of(first)
    k = data.draw(st.integers(0, len(writes)))
    crashed = apply(current, writes[:k])
    resumed = apply(crashed, writes_of(plan(desired, crashed)))
    assert contents(resumed) == contents(apply(current, writes))
    assert plan(desired, resumed).is_noop


def test_a_create_sent_twice_collapses_to_one_line():
    # The PSA took the create, the answer was lost, the create was retried: two lines of ours.
    doubled = apply([HANDMADE], [("create", want(SEATS)), ("create", want(SEATS))])
    repair = plan([want(SEATS)], doubled)
    assert repair.writes == 1 and len(repair.removes) == 1
    assert contents(apply(doubled, writes_of(repair))) == contents([HANDMADE, line(0, SEATS)])


@given(desired=desired_lines, current=current_lines)
def test_adopting_then_planning_again_writes_nothing(desired, current):
    first = plan(desired, current, adopt_items=True)
    after = apply(current, writes_of(first))
    assert plan(desired, after, adopt_items=True).is_noop
    assert Counter(x.marker for x in after if x.marker in {d.marker for d in desired}) == Counter(
        d.marker for d in desired
    ), "each desired line exactly once"
    assert len(after) == len(current) + len(first.creates) - len(first.removes)
