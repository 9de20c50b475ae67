"""The line merge of HaloBilling as a table: our changes applied, every other line kept."""

from __future__ import annotations

from typing import Any

import pytest

from psabridge.connectors.errors import ConfigError
from psabridge.connectors.halopsa import models
from psabridge.connectors.halopsa.lines import creates_lines, merge, verify
from psabridge.connectors.ports import LineChange

FOREIGN = {"id": 1, "_itemid": 4, "qty_order": 20.0, "item_code": "MS", "comment_2": "theirs"}
OURS = {
    "id": 2,
    "_itemid": 1,
    "qty_order": 5.0,
    "item_code": "GZ-BS",
    "unit_price": 4.5,
    "comment_1": "pb:a",
}
CURRENT = [FOREIGN, OURS]

CASES: list[tuple[str, list[LineChange], list[dict[str, Any]]]] = [
    ("nothing", [], CURRENT),
    (
        "update by id",
        [LineChange.update(line_id="2", quantity=6)],
        [FOREIGN, {**OURS, "qty_order": 6}],
    ),
    (
        "update by marker",
        [LineChange.update(marker="pb:a", quantity=6)],
        [FOREIGN, {**OURS, "qty_order": 6}],
    ),
    ("same value", [LineChange.update(marker="pb:a", quantity=5)], CURRENT),
    ("remove", [LineChange.remove(marker="pb:a")], [FOREIGN]),
    ("remove missing", [LineChange.remove(line_id="9")], CURRENT),
    (
        "remove a gone duplicate by id only",
        [LineChange.remove(line_id="9", marker="pb:a")],
        CURRENT,
    ),
    ("remove by id", [LineChange.remove(line_id="2", marker="pb:a")], [FOREIGN]),
    (
        "update a gone id by marker",
        [LineChange.update(line_id="9", marker="pb:a", quantity=1)],
        [FOREIGN, {**OURS, "qty_order": 1}],
    ),
    (
        "create",
        [LineChange.create("2", 3, "pb:b", description="EDR", unit_price=2)],
        [
            *CURRENT,
            {
                "_itemid": 2,
                "qty_order": 3,
                "item_shortdescription": "EDR",
                "unit_price": 2,
                "comment_1": "pb:b",
            },
        ],
    ),
    (
        "create existing marker",
        [LineChange.create("1", 7, "pb:a")],
        [FOREIGN, {**OURS, "qty_order": 7}],
    ),
    (
        "item changed",
        [LineChange.update(marker="pb:a", item_id="3")],
        [FOREIGN, {"id": 2, "_itemid": 3, "qty_order": 5.0, "comment_1": "pb:a"}],
    ),
    (
        "adopt a foreign line",
        [LineChange.update(line_id="1", marker="pb:c")],
        [{**FOREIGN, "comment_1": "pb:c"}, OURS],
    ),
    (
        "remove then create",
        [LineChange.remove(marker="pb:a"), LineChange.create("1", 1, "pb:a")],
        [FOREIGN, {"_itemid": 1, "qty_order": 1, "comment_1": "pb:a"}],
    ),
]


@pytest.mark.parametrize(("name", "changes", "expected"), CASES, ids=[c[0] for c in CASES])
def test_merge(name: str, changes: list[LineChange], expected: list[dict[str, Any]]) -> None:
    before = [dict(x) for x in CURRENT]
    assert merge(CURRENT, changes) == expected
    assert before == CURRENT  # the lines read are not mutated


def test_creates_lines() -> None:
    assert not creates_lines(CURRENT)
    assert creates_lines([*CURRENT, {"_itemid": 1}])
    assert creates_lines([{"id": 0}])


def line(**values: Any) -> models.InvoiceLine:
    return models.InvoiceLine.model_validate(values)


def test_verify_accepts_the_lines_sent() -> None:
    sent = [FOREIGN, {"_itemid": 1, "comment_1": "pb:new"}]
    verify([line(id=1), line(id=3, comment_1="pb:new")], sent, 5)


@pytest.mark.parametrize(
    "answered",
    [
        [line(id=1)],  # the new line was not added
        [line(id=1), line(id=2), line(id=3, comment_1="pb:new")],  # a line left out was kept
        [line(id=4), line(id=3, comment_1="pb:new")],  # the kept line was replaced
        [line(id=1), line(id=3, comment_1="")],  # the marker was not stored
    ],
)
def test_verify_refuses_other_lines(answered: list[models.InvoiceLine]) -> None:
    with pytest.raises(ConfigError, match="did not keep the lines of recurring invoice 5"):
        verify(answered, [FOREIGN, {"_itemid": 1, "comment_1": "pb:new"}], 5)
