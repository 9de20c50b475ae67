"""The PSA's billing records meet our plans in the domain: lines in, changes out, agreements."""

from __future__ import annotations

from datetime import date

from psabridge.domain.agreements import agreement_of, id_number
from psabridge.domain.billing import CurrentLine, DesiredLine, plan
from psabridge.domain.psa_billing import AgreementInfo, UsageLine, current_line, line_changes

MARKER = "psabridge:c1:endpoint:7"


def test_an_invoice_line_becomes_the_line_the_plan_compares() -> None:
    line = UsageLine("42", "7", 12.0, "Endpoints", line_id="3", marker=MARKER, invoice_id="9")
    assert current_line(line) == CurrentLine(3, 7, 12.0, "Endpoints", MARKER)
    text = UsageLine("42", "", 0.0, "A note line", line_id="4")
    assert current_line(text) == CurrentLine(4, 0, 0.0, "A note line", None)


def test_a_plan_becomes_the_changes_of_one_invoice_write() -> None:
    current = [
        CurrentLine(3, 7, 12.0, "Endpoints", MARKER),
        CurrentLine(5, 8, 2.0, "Servers", "psabridge:c1:server:8"),
    ]
    desired = [
        DesiredLine(7, 15.0, "Endpoints", MARKER),
        DesiredLine(9, 1.0, "EDR", "psabridge:c1:edr:9"),
    ]
    changes = line_changes(plan(desired, current, remove_stale={"psabridge:c1:server:8"}))
    by_action = {c.action: c for c in changes}
    assert by_action["create"].item_id == "9" and by_action["create"].marker.endswith(":edr:9")
    assert by_action["update"].line_id == "3" and by_action["update"].quantity == 15.0
    assert by_action["remove"].line_id == "5"


def test_an_agreement_record_becomes_the_agreement_the_rules_take() -> None:
    info = AgreementInfo(
        "12", "c1", "Managed", "3", "Managed Security", "Active", start=date(2026, 1, 1)
    )
    agreement = agreement_of(info)
    assert (agreement.id, agreement.type_id, agreement.status) == (12, 3, "Active")
    assert agreement.start == date(2026, 1, 1) and id_number("x") == -1
