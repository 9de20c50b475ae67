"""The queued alerts of one aggregation key, under its lease: create, note, close or wait."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings as django_settings
from django.db import transaction

from psabridge.connectors.errors import (
    AuthError,
    CompanyBlockedError,
    ConfigError,
    ConnectorError,
    NotFoundError,
    RateLimitedError,
    TransientError,
)
from psabridge.connectors.ports import NewTicket, TicketDesk
from psabridge.domain.aggregation import AddNote, CreateTicket, NeedTicketState, Policy, decide
from psabridge.server.alerts.models import Alert, AlertState
from psabridge.server.core import events as event_service
from psabridge.server.mappings.models import Mapping
from psabridge.server.ticketing import blocking, closing, fields, leases, routing, texts
from psabridge.server.ticketing.models import (
    AggregationKey,
    ThreadState,
    TicketingSettings,
    TicketThread,
)
from psabridge.server.ticketing.route_result import RouteResult
from psabridge.server.ticketing.ticket_states import last_ticket

log = logging.getLogger(__name__)
AMBIGUOUS_GRACE = timedelta(seconds=90)  # how long a lost create may take to show up
# Within the grace the reference is looked up again this often: a create that commits late is
# adopted seconds after it lands, not at the end of the grace (one read each time).
LOOK_AGAIN = timedelta(seconds=15)


def note_window() -> timedelta:
    """Return how long notes of one key are coalesced (R5.10)."""
    return timedelta(seconds=float(getattr(django_settings, "NOTE_COALESCE_SECONDS", 60)))


class RetryLaterError(Exception):
    """A PSA call failed in a way worth retrying; the alerts stay queued."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry in {seconds:.0f} s")
        self.seconds = seconds


def _set(alerts: list[Alert], state: str, reason: str, ticket_id: str = "") -> int:
    ids = [a.pk for a in alerts]
    update: dict[str, Any] = {"state": state, "state_reason": reason[:300]}
    if ticket_id:
        update["psa_ticket_id"] = ticket_id
    Alert.objects.filter(pk__in=ids).update(**update)
    return len(ids)


@dataclass
class KeyWork:
    """The queued alerts of one aggregation key (company, endpoint, kind), under its lease."""

    system: str
    settings: TicketingSettings
    mapping: Mapping
    endpoint: str
    kind: str
    desk: TicketDesk
    now: datetime
    result: RouteResult
    alerts: list[Alert] = field(init=False, default_factory=list)
    key: AggregationKey = field(init=False)

    def run(self) -> None:
        self.key, _ = AggregationKey.objects.get_or_create(
            system=self.system,
            company_id=self.mapping.company_id,
            endpoint_id=self.endpoint,
            kind=self.kind,
        )
        if self.key.retry_at is not None and self.now < self.key.retry_at:
            self.result.waiting += 1  # a passing failure: not before its retry time
            self.result.again((self.key.retry_at - self.now).total_seconds())
            return
        if not leases.take(self.key, self.now):
            self.result.waiting += 1
            self.result.again(5)
            return
        try:
            # Read under the lease: every queued alert of the key, whatever batch it came in.
            self.alerts = list(self._queued().order_by("id"))
            if self.alerts:
                self._work()
            self._retry_at(None)
        except RetryLaterError as retry:
            self.result.waiting += len(self.alerts)
            self.result.again(retry.seconds)
            self._retry_at(self.now + timedelta(seconds=retry.seconds))
        finally:
            leases.release(self.key)

    def _retry_at(self, moment: datetime | None) -> None:
        if self.key.retry_at != moment:
            AggregationKey.objects.filter(pk=self.key.pk).update(retry_at=moment)

    def _queued(self) -> Any:
        alerts = Alert.objects.filter(
            state=AlertState.QUEUED, company_id=self.mapping.company_id, kind=self.kind
        )
        by_id = alerts.filter(endpoint_id=self.endpoint)
        return by_id | alerts.filter(endpoint_id="", endpoint_name=self.endpoint)

    def _work(self) -> None:
        self.key.refresh_from_db()
        thread = self._last_thread()
        if thread is not None and thread.state == ThreadState.INTENT:
            adopted = self._resolve_intent(thread)
            if adopted is not None:  # the first alert's create did land: it is ticketed now
                self._defer_or_note(self.alerts[1:], adopted)
                return
        if thread is not None and thread.state == ThreadState.OPEN and self._in_window():
            # Inside the note window nothing is sent, so nothing needs asking either (R5.10).
            self._defer_or_note(self.alerts, thread)
            return
        decision = self._decide(thread)
        if isinstance(decision, CreateTicket):
            self._create(self.alerts[0], decision.close_after, thread)
            if len(self.alerts) > 1:
                self._defer_or_note(self.alerts[1:], self._last_thread())
        elif isinstance(decision, AddNote):
            target = TicketThread.objects.get(key=self.key, psa_ticket_id=decision.ticket_id)
            self._defer_or_note(self.alerts, target)

    def _in_window(self) -> bool:
        return self.key.next_note_at is not None and self.now < self.key.next_note_at

    def _last_thread(self) -> TicketThread | None:
        threads = TicketThread.objects.filter(key=self.key, is_test=False).exclude(
            state=ThreadState.FAILED
        )
        return threads.order_by("-created_at", "-id").first()

    def _decide(self, thread: TicketThread | None) -> CreateTicket | AddNote:
        first = self.alerts[0]
        incident = last_ticket(self._incident_thread(first), self.now)
        policy = Policy(auto_close_blocked=self.settings.auto_close_blocked)
        blocked = first.outcome == "blocked"
        decision = decide(blocked, last_ticket(thread, self.now), self.now, policy, incident)
        if isinstance(decision, NeedTicketState) and thread is not None:
            self._ask_state(thread)  # the thread's state is fresh now: decide again with it
            decision = decide(blocked, last_ticket(thread, self.now), self.now, policy, incident)
        assert not isinstance(decision, NeedTicketState)
        return decision

    def _incident_thread(self, alert: Alert) -> TicketThread | None:
        if not alert.incident_id:
            return None
        threads = TicketThread.objects.filter(key=self.key, incident_id=alert.incident_id)
        return threads.exclude(psa_ticket_id="").order_by("-created_at").first()

    def _resolve_intent(self, thread: TicketThread) -> TicketThread | None:
        """A create whose answer was lost: adopt the ticket if the PSA has it, else create again."""
        found = self._call(self.desk.find_ticket_by_reference, thread.reference)
        if found is None:
            sent = thread.attempted_at or thread.created_at
            if self.now - sent < AMBIGUOUS_GRACE:
                # A timed-out create may still be committing on the PSA side: look again later
                # rather than risk a second ticket. Counted from the last create sent, not
                # from the intent: a create that waited out an outage is as fresh as any.
                remaining = sent + AMBIGUOUS_GRACE - self.now
                raise RetryLaterError(min(remaining, LOOK_AGAIN).total_seconds())
            return None  # the intent's reference is reused by the next create
        self._opened(thread, found.id, self.alerts[0])
        log.info("adopted ticket %s created by an earlier attempt (%s)", found.id, thread.reference)
        return thread

    def _ask_state(self, thread: TicketThread) -> None:
        try:
            state = self._call(self.desk.get_ticket_state, thread.psa_ticket_id)
            closed = state.closed
        except NotFoundError:
            closed = True  # a deleted ticket cannot take notes: a new one is opened
        thread.state = ThreadState.CLOSED if closed else ThreadState.OPEN
        thread.status_checked_at = self.now
        thread.save(update_fields=["state", "status_checked_at"])

    def _create(self, alert: Alert, close_after: bool, last: TicketThread | None) -> None:
        thread = self._intent(alert, last)
        client_id = self.mapping.psa_client_id
        assets = fields.matched_assets(self.desk, self.settings, client_id, alert)
        route = routing.routes_of(self.settings)[alert.kind]
        ticket = NewTicket(
            thread.reference,
            client_id,
            texts.ticket_summary(alert),
            texts.ticket_details(alert),
            fields.ticket_fields(self.settings, route, client_id, assets),
        )
        thread.attempted_at = self.now
        thread.save(update_fields=["attempted_at"])  # committed before the call
        try:
            created = self._call(self.desk.create_ticket, ticket)
        except CompanyBlockedError as refused:
            # One company's status refuses saving: park its alerts, not every company's.
            thread.state = ThreadState.FAILED
            thread.save(update_fields=["state"])
            self.result.parked += blocking.block_company(
                self.system, self.mapping, self.alerts, str(refused)
            )
            return
        except ConfigError as refused:
            self._refused(thread, str(refused))
            return
        self._opened(thread, created.id, alert)
        if close_after:
            self._close(thread)

    def _opened(self, thread: TicketThread, ticket_id: str, alert: Alert) -> None:
        """Record the ticket and its alert together: a crash between the two would otherwise
        leave an open thread whose own alert the next run lists in a note."""
        thread.psa_ticket_id, thread.state = ticket_id, ThreadState.OPEN
        thread.status_checked_at = self.now
        with transaction.atomic():
            thread.save(update_fields=["psa_ticket_id", "state", "status_checked_at"])
            self._ticketed(alert, thread)

    def _ticketed(self, alert: Alert, thread: TicketThread) -> None:
        self.result.created += _set(
            [alert], AlertState.TICKETED, "ticket created", thread.psa_ticket_id
        )
        self.key.next_note_at = self.now + note_window()
        self.key.save(update_fields=["next_note_at"])

    def _intent(self, alert: Alert, last: TicketThread | None) -> TicketThread:
        # Written and committed before the create call, so a lost answer is looked up, not redone.
        if last is not None and last.state == ThreadState.INTENT:
            return last
        with transaction.atomic():
            return TicketThread.objects.create(
                key=self.key,
                reference=f"psabridge:{self.key.pk}-{uuid.uuid4().hex[:12]}",
                incident_id=alert.incident_id,
                created_at=self.now,
                last_update=self.now,
            )

    def _refused(self, thread: TicketThread, problem: str) -> None:
        thread.state = ThreadState.FAILED
        thread.save(update_fields=["state"])
        routing.mark_invalid(self.system, f"The PSA refused a ticket: {problem}")
        self.result.parked += _set(self.alerts, AlertState.PARKED_CONFIG, problem)

    def _close(self, thread: TicketThread) -> None:
        closing.close_thread(self.system, self.settings, self.desk, thread)

    def _defer_or_note(self, alerts: list[Alert], thread: TicketThread | None) -> None:
        due = self.key.next_note_at
        if thread is None or not alerts:
            return
        if due is not None and self.now < due:
            # Storm coalescing (R5.10): one note per key per window lists every alert since.
            self.result.waiting += len(alerts)
            self.result.again((due - self.now).total_seconds())
            return
        self._note(alerts, thread)

    def _note(self, alerts: list[Alert], thread: TicketThread) -> None:
        if thread.note_reference:  # an earlier note's answer was lost: find it before resending
            alerts = self._pending_note(alerts, thread)
            if not alerts:
                return
        else:
            thread.note_reference = f"psabridge-note:{thread.pk}-{uuid.uuid4().hex[:12]}"
            thread.note_alert_ids = [a.pk for a in alerts]
            thread.save(update_fields=["note_reference", "note_alert_ids"])  # before the call
        private = not self.settings.updates_visible
        text = texts.note_text(alerts, thread.note_reference)
        try:
            self._call(self.desk.add_note, thread.psa_ticket_id, text, private=private)
        except NotFoundError:
            self._note_done(thread, [])
            thread.state = ThreadState.CLOSED
            thread.save(update_fields=["state"])
            self._create(alerts[0], False, None)
            return
        self._note_done(thread, alerts)

    def _pending_note(self, alerts: list[Alert], thread: TicketThread) -> list[Alert]:
        """Return the alerts of the note still to send (none when it did land)."""
        pending = [a for a in alerts if a.pk in set(thread.note_alert_ids)] or alerts
        if self._call(self.desk.find_note, thread.psa_ticket_id, thread.note_reference):
            log.info("note %s landed despite its lost answer", thread.note_reference)
            self._note_done(thread, pending)
            return []
        return pending

    @transaction.atomic  # the note's reference and its alerts' state change together
    def _note_done(self, thread: TicketThread, alerts: list[Alert]) -> None:
        thread.note_reference, thread.note_alert_ids = "", []
        if alerts:
            thread.last_update, thread.notes = self.now, thread.notes + 1
        thread.save(update_fields=["note_reference", "note_alert_ids", "last_update", "notes"])
        if not alerts:
            return
        self.key.next_note_at = self.now + note_window()
        self.key.save(update_fields=["next_note_at"])
        self.result.noted += _set(alerts, AlertState.NOTED, "added as a note", thread.psa_ticket_id)

    def _call(self, method: Any, *args: Any, **kwargs: Any) -> Any:
        """Call the PSA; turn passing failures into RetryLaterError and say so once."""
        try:
            return method(*args, **kwargs)
        except TransientError as exc:
            if getattr(exc, "ambiguous", False):
                log.warning("ambiguous PSA failure (%s): the reference is looked up next time", exc)
            raise RetryLaterError(30) from exc
        except RateLimitedError as exc:
            raise RetryLaterError(exc.retry_after or 30) from exc
        except AuthError as exc:
            event_service.raise_event("connection_failed", scope=self.system, message=str(exc))
            raise RetryLaterError(60) from exc
        except (ConfigError, ConnectorError):
            raise
