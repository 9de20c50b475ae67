"""REST API of billing: each company's counted month, the exact writes of a push, and the push
itself, which must name the fingerprint of the writes it confirms (R7.4, R3.8)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.errors import HttpError

from psabridge.connectors.errors import ConnectorError
from psabridge.domain.usage import Month
from psabridge.server.billing import collection, confirmation
from psabridge.server.billing.models import BillingRun
from psabridge.server.billing.usage_report import month_report
from psabridge.server.mappings.services import psa_system

router = Router(tags=["billing"])


class UsageOut(Schema):
    company_id: str
    company_name: str
    month: str
    quantities: dict[str, int]
    final: bool
    evidence_count: int
    evidence_unknown: int
    evidence_partial: str | None
    not_billed: str | None
    disagreement: str | None
    change: dict[str, Any]


class WriteOut(Schema):
    client: str
    document: str
    action: str
    description: str
    before: float | None
    after: float | None


class PreviewOut(Schema):
    system: str
    month: str
    writes: list[WriteOut]
    problems: list[str]
    fingerprint: str


class PushIn(Schema):
    month: str
    fingerprint: str


class PushOut(Schema):
    run_id: int | None
    month: str
    writes: int
    problems: list[str]


def _month(text: str | None, system: str | None) -> Month:
    if not text:
        return collection.month_to_bill(system)
    try:
        return Month.parse(text)
    except ValueError as exc:
        raise HttpError(400, str(exc)) from None


def _system() -> str:
    system = psa_system()
    if system is None:
        raise HttpError(409, "no PSA is connected")
    return system


@router.get("/usage", response=list[UsageOut], summary="Each company's counted month")
def usage(request: HttpRequest, month: str | None = None) -> list[dict[str, Any]]:
    return [row.as_json() for row in month_report(_month(month, psa_system()))]


@router.get("/preview", response=PreviewOut, summary="Every write a push would make; none made")
def preview(request: HttpRequest, month: str | None = None) -> dict[str, Any]:
    system = _system()
    try:
        shown = confirmation.review(system, _month(month, system))
    except confirmation.NotPushableError as exc:
        raise HttpError(409, str(exc)) from None
    except ConnectorError as exc:
        raise HttpError(502, str(exc)) from None
    return shown.as_json()


@router.post("/push", response=PushOut, summary="Make the writes of a preview, once confirmed")
def push(request: HttpRequest, body: PushIn) -> dict[str, Any]:
    system = _system()
    try:
        done = confirmation.apply(system, _month(body.month, system), body.fingerprint)
    except confirmation.NotPushableError as exc:
        raise HttpError(409, str(exc)) from None
    except ConnectorError as exc:
        raise HttpError(502, f"the push stopped: {exc} (pushing again resumes it)") from None
    return done


class RunOut(Schema):
    id: int
    system: str
    month: str
    push: bool
    started_at: datetime
    finished_at: datetime | None
    writes: int
    problems: list[str]


class EntryOut(Schema):
    company_id: str
    company_name: str
    document: str
    action: str
    record: str
    description: str
    before: float | None
    after: float | None
    answer: str
    state: str


class RunDetailOut(RunOut):
    entries: list[EntryOut]


class CollectIn(Schema):
    month: str | None = None  # default: the last finished month (the page's Recalculate)


@router.post("/collect", response=dict[str, str], summary="Collect a month's usage now")
def collect(request: HttpRequest, body: CollectIn) -> dict[str, str]:
    from psabridge.server.billing.tasks import collect_usage_now

    month = _month(body.month, None) if body.month else collection.last_finished_month()
    collect_usage_now(str(month))
    return {"month": str(month), "result": "collecting from GravityZone in the background"}


@router.get("/runs", response=list[RunOut], summary="Pushes and syncs, newest first")
def runs(request: HttpRequest) -> Any:
    return BillingRun.objects.order_by("-started_at")[:200]


@router.get("/runs/{run_id}", response=RunDetailOut, summary="One run with its ledger")
def run(request: HttpRequest, run_id: int) -> dict[str, Any]:
    found = get_object_or_404(BillingRun, pk=run_id)
    fields = ("id", "system", "month", "push", "started_at", "finished_at", "writes", "problems")
    entries = [
        {
            "company_id": e.company_id,
            "company_name": e.company_name,
            "document": e.invoice_id,
            "action": e.action,
            "record": e.marker,
            "description": e.description,
            "before": e.before,
            "after": e.after,
            "answer": e.answer,
            "state": e.state,
        }
        for e in found.entries.all()
    ]
    return {**{name: getattr(found, name) for name in fields}, "entries": entries}
