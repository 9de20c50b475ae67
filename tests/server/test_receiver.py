"""The push webhook: authentication, every body shape, malformed bodies, storing once (R6.3)."""

from __future__ import annotations

import hashlib
import json

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as fuzz_settings
from hypothesis import strategies as st

from psabridge.server.alerts.models import Alert, EventState, InboundEvent
from tests.conftest import add_events

AV_EVENT = {
    "module": "av",
    "companyId": "5efb3a520075db7384dfa2aa",
    "computer_name": "WS-042",
    "computer_ip": "10.0.0.42",
    "computer_id": "5efb3a520075db7384dfa286",
    "malware_name": "Trojan.GenericKD.1",
    "final_status": "quarantined",
    "timestamp": "2024-07-12T08:33:13.000Z",
}
FW_EVENT = {
    "module": "fw",
    "companyId": "5efb3a520075db7384dfa2aa",
    "computer_name": "WS-043",
    "computer_id": "5efb3a520075db7384dfa287",
    "status": "portscan_blocked",
    "source_ip": "203.0.113.9",
    "last_blocked": "2024-07-12T09:00:00.000Z",
    "count": 3,
}

pytestmark = pytest.mark.django_db


def test_jsonrpc_batch_without_content_type_is_stored_and_normalized(post_push):
    answer = post_push(add_events(AV_EVENT, FW_EVENT))
    assert answer.status_code == 200
    assert answer.json() == {"ok": True, "events": 2}
    assert InboundEvent.objects.count() == 2
    kinds = set(Alert.objects.values_list("kind", flat=True))
    assert kinds == {"antimalware", "firewall"}
    assert set(InboundEvent.objects.values_list("state", flat=True)) == {EventState.ALERT}


def test_repeated_batch_is_stored_once(post_push):
    body = add_events(AV_EVENT, FW_EVENT)
    for _ in range(3):
        assert post_push(body).status_code == 200
    # The same batch with another envelope id is still the same two events.
    assert post_push(add_events(AV_EVENT, FW_EVENT, message_id=99)).status_code == 200
    assert InboundEvent.objects.count() == 2
    assert Alert.objects.count() == 2


def test_identical_events_inside_one_batch_are_stored_once(post_push):
    assert post_push(add_events(AV_EVENT, AV_EVENT, AV_EVENT)).status_code == 200
    assert InboundEvent.objects.count() == 1


@pytest.mark.parametrize("authorization", [None, "", "Bearer wrong", "bearer x", "ours-but-longer"])
def test_wrong_or_missing_secret_is_401_and_stores_nothing(post_push, push_receiver, authorization):
    if authorization == "ours-but-longer":
        authorization = push_receiver.authorization() + "x"
    answer = post_push(add_events(AV_EVENT), authorization=authorization)
    assert answer.status_code == 401
    assert answer.json()["error"] == "unauthorized"
    assert InboundEvent.objects.count() == 0


MALFORMED = [
    (b"", "the body is empty"),
    (b"   \n", "the body is empty"),
    (b"{not json", "not valid JSON"),
    (
        b'{"jsonrpc":"2.0","method":"addEvents","params":{"events":[{"module":"av"}]}',
        "not valid JSON",
    ),
    (
        b'{"jsonrpc":"2.0","method":"getEvents","params":{"events":[]}}',
        "unsupported JSON-RPC method",
    ),
    (b'{"jsonrpc":"2.0","method":"addEvents","params":{}}', "'params.events' must be an array"),
    (
        b'{"jsonrpc":"2.0","method":"addEvents","params":{"events":[{"module":"av"}, 5]}}',
        "params.events[1] is not a JSON object",
    ),
    (b'"just a string"', "must be a JSON object"),
    (b"\xff\xfe\x00garbage", "not UTF-8"),
    (b'{"event": "not an object"}', "is not a JSON object"),
    (b'{"module":"av"}\n[1,2]', "record 2 is not a JSON object"),
    # Bodies a fault probe found answered 500 (R6.3 says 400 and a clear message):
    (b"[" * 100_000, "nested more than 32 levels"),
    (b'{"module":"av","count":' + b"7" * 5000 + b"}", "a number with too many digits"),
    (b'{"module":"av","count":NaN}', "NaN, which is not a JSON number"),
    (b'{"module":"av","count":1e999}', "the number 1e999 is out of range"),
    (b'{"module":"av","computer_name":"\\ud800"}', "lone surrogate"),
    (b'{"module":"av","computer_name":"a\\u0000b"}', "NUL character"),
    (
        b'{"jsonrpc":"2.0","method":"addEvents","params":{"events":[{"module":"av"},'
        b'{"module":"fw","x":"\\u0000"}]}}',
        "NUL character",
    ),
]


@pytest.mark.parametrize(("body", "detail"), MALFORMED)
def test_malformed_body_is_400_with_a_clear_error_and_stores_nothing(post_push, body, detail):
    # A valid event first in the same body proves nothing is stored partially.
    answer = post_push(body)
    assert answer.status_code == 400
    payload = answer.json()
    assert payload["error"] == "malformed body"
    assert detail in payload["detail"]
    assert InboundEvent.objects.count() == 0


def test_splunk_hec_records_are_accepted(post_push):
    body = "\n".join(json.dumps({"event": e}) for e in (AV_EVENT, FW_EVENT))
    assert post_push(body).status_code == 200
    assert set(InboundEvent.objects.values_list("body_shape", flat=True)) == {"ndjson"}
    assert Alert.objects.count() == 2


def test_single_splunk_record_and_concatenated_records(post_push):
    assert post_push({"event": AV_EVENT}).status_code == 200
    concatenated = json.dumps({"event": FW_EVENT}) + json.dumps({"event": {**FW_EVENT, "count": 9}})
    assert post_push(concatenated).status_code == 200
    assert InboundEvent.objects.count() == 3


def test_plain_event_ndjson_and_array_are_accepted(post_push):
    assert post_push(AV_EVENT).status_code == 200
    ndjson = "\n".join(json.dumps({**FW_EVENT, "count": n}) for n in range(4)) + "\n"
    assert post_push(ndjson).status_code == 200
    assert post_push([{**AV_EVENT, "malware_name": "Other"}]).status_code == 200
    assert InboundEvent.objects.count() == 6


def test_content_type_json_is_also_accepted(client, push_receiver):
    url = f"/webhooks/gravityzone/{push_receiver.receiver_id}"
    answer = client.post(
        url,
        json.dumps(add_events(AV_EVENT)),
        content_type="application/json",
        HTTP_AUTHORIZATION=push_receiver.authorization(),
    )
    assert answer.status_code == 200


def test_unknown_module_is_stored_and_marked_ignored_with_its_reason(post_push):
    odd = {"module": "brand-new-module", "companyId": "5efb3a520075db7384dfa2aa"}
    lifecycle = {"module": "install", "endpointId": "5efb3a520075db7384dfa2ab"}
    assert post_push(add_events(odd, lifecycle)).status_code == 200
    rows = {e.module: e for e in InboundEvent.objects.all()}
    assert rows["brand-new-module"].state == EventState.IGNORED
    assert "brand-new-module" in rows["brand-new-module"].ignored_reason
    assert rows["install"].state == EventState.IGNORED
    assert rows["install"].ignored_reason
    assert Alert.objects.count() == 0


def test_test_events_are_flagged(post_push):
    assert post_push(add_events({**AV_EVENT, "_testEvent_": True})).status_code == 200
    alert = Alert.objects.get()
    assert alert.is_test and alert.state == "test"


def test_cef_body_is_stored_and_ignored(post_push):
    body = {"cef": "0", "events": ["CEF:0|Bitdefender|GravityZone|6.36.0-1|10|AntiMalware|9|x=y"]}
    assert post_push(body).status_code == 200
    event = InboundEvent.objects.get()
    assert event.body_shape == "cef" and event.state == EventState.IGNORED


def test_unknown_receiver_is_404(client, db):
    answer = client.generic(
        "POST", "/webhooks/gravityzone/00000000-0000-0000-0000-000000000000", b"{}"
    )
    assert answer.status_code == 404


def test_get_is_405(client, push_receiver):
    assert client.get(f"/webhooks/gravityzone/{push_receiver.receiver_id}").status_code == 405


def test_md5_verification_when_enabled(post_push, push_receiver):
    from psabridge.server.alerts.receiver import forget_receivers
    from psabridge.server.core.models import Connection

    api_key = "sandbox-api-key-0123456789"
    connection = Connection(system="gravityzone", base_url="http://127.0.0.1:1/api")
    connection.set_credentials({"api_key": api_key})
    connection.save()
    push_receiver.verify_md5 = True
    push_receiver.save()
    forget_receivers()
    raw = json.dumps(add_events(AV_EVENT)).encode()
    good = hashlib.md5((api_key + hashlib.md5(raw).hexdigest()).encode()).hexdigest()
    assert post_push(raw, HTTP_EVENT_PUSH_SERVICE_MD5="0" * 32).status_code == 401
    assert InboundEvent.objects.count() == 0
    assert post_push(raw, HTTP_EVENT_PUSH_SERVICE_MD5=good).status_code == 200
    assert InboundEvent.objects.count() == 1


def test_an_over_long_id_is_ignored_with_its_reason_and_blocks_no_other_event(post_push):
    # On PostgreSQL this insert used to fail inside the batch's transaction and roll back all
    # 200 events with their attempts: event processing blocked for good.
    odd = {**AV_EVENT, "companyId": "c" * 100}
    assert post_push(add_events(odd, FW_EVENT)).status_code == 200
    rows = {e.module: e for e in InboundEvent.objects.all()}
    assert rows["av"].state == EventState.IGNORED
    assert rows["av"].ignored_reason == (
        "companyId is 100 characters long: not a GravityZone id (at most 64)"
    )
    assert rows["fw"].state == EventState.ALERT
    assert list(Alert.objects.values_list("kind", flat=True)) == ["firewall"]


def test_a_database_error_on_one_event_rolls_back_that_event_alone(post_push, monkeypatch):
    from psabridge.server.alerts import processing

    store = processing._store_alert

    def failing(event, alert, names):
        if alert.module == "av":  # a real database error: PostgreSQL aborts the transaction
            store(event, alert, names)
            store(event, alert, names)  # a second alert for one event: unique violation
        return store(event, alert, names)

    monkeypatch.setattr(processing, "_store_alert", failing)
    assert post_push(add_events(AV_EVENT, FW_EVENT)).status_code == 200
    assert Alert.objects.get().kind == "firewall", "the other event of the batch went through"
    assert InboundEvent.objects.get(module="av").state == EventState.PENDING  # tried again
    for _ in range(processing.MAX_ATTEMPTS - 1):
        processing.process_pending()
    failed = InboundEvent.objects.get(module="av")
    assert failed.state == EventState.FAILED and failed.attempts == processing.MAX_ATTEMPTS
    assert failed.ignored_reason == "processing failed: IntegrityError"


def test_a_body_over_the_size_limit_is_413_and_stores_nothing(post_push, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = add_events(*({**AV_EVENT, "computer_name": f"WS-{n}"} for n in range(20)))
    answer = post_push(body)
    assert answer.status_code == 413 and answer.json()["error"] == "body too large"
    assert InboundEvent.objects.count() == 0


# Events whose ids may be longer than the model's 64 characters: kept and marked ignored.
EVENTS = st.fixed_dictionaries(
    {
        "module": st.sampled_from(["av", "fw", "new-incident", "hd"]),
        "companyId": st.text(max_size=100),
        "endpointId": st.text(max_size=100),
        "incident_id": st.text(max_size=100),
    }
).map(lambda event: json.dumps(add_events(event)).encode())

BODIES = st.one_of(
    st.sampled_from([body for body, _ in MALFORMED]),  # every case the fault probe found
    EVENTS,
    st.binary(max_size=300),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
        max_leaves=20,
    ).map(lambda value: json.dumps(value).encode()),
    st.lists(
        st.sampled_from([b"[", b"]", b"{", b"}", b'"a":', b"1", b",", b"NaN", b"\\u0000"])
    ).map(b"".join),
)


@fuzz_settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(body=BODIES)
def test_fuzzed_bodies_never_fail_the_server_and_refused_ones_store_nothing(post_push, body):
    before = InboundEvent.objects.count()
    answer = post_push(body)
    assert answer.status_code in (200, 400), (answer.status_code, body[:80])
    if answer.status_code == 400:
        assert InboundEvent.objects.count() == before, "a refused body stores nothing"
