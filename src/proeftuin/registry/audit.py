"""The append-only, keyed, hash-chained audit log.

Every event stores ``prev_hash`` (the hash of the event before it; 64 zeros for the first) and
``hash = HMAC-SHA256(audit key, canonical JSON of id, at, actor, action, experiment_id, subject,
payload, prev_hash)``; the payload is stored as its canonical JSON text, so :func:`verify_chain` MACs the stored
bytes as they are (:func:`stored_message`) and parses each chunk's payloads in one call. The audit key is derived from the seal key (:func:`audit_key`), so whoever
can write to the database but does not hold the installation's key cannot forge, append or
re-chain an event. Events written before migration 0006 (below ``audit_head.keyed_from``) are
an unkeyed legacy chain (plain SHA-256), which :func:`verify_chain` reports as such.
Changing, deleting or inserting any past event breaks the chain from that event on, which
:func:`verify_chain` reports. The database refuses UPDATE and DELETE on the table (a trigger, see
migration 0002); the head row is locked by every append, so concurrent writers form one chain.
Keep the head printed by ``proeftuin verify --print-head`` outside the database and check it
with ``verify --head`` to detect the last events deleted with the head moved back (Schneier & Kelsey 1999, "Secure audit logs to support computer forensics").
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import Enum
from json.encoder import encode_basestring_ascii
from typing import Any, NamedTuple

from pydantic import ValidationError
from sqlalchemy import Engine, Row, Text, cast, select
from sqlalchemy.orm import Session

from proeftuin.registry.bulk import insert_rows
from proeftuin.registry.crud import RegistryError
from proeftuin.registry.driver_reads import driver_chunks
from proeftuin.registry.models import AuditEvent, AuditHead
from proeftuin.registry.settings import RegistrySettings

GENESIS_HASH = "0" * 64
EVENT_COLUMNS = ("id", "at", "actor", "action", "experiment_id", "subject", "payload", "prev_hash", "hash")
AUDIT_KEY_OPTION = "proeftuin_audit_key"
"""Engine execution option holding the audit key (set by :func:`keyed_engine`)."""


class Action(str, Enum):
    """What an audit event records."""

    create_experiment = "create_experiment"
    add_user = "add_user"
    enrol = "enrol"
    consent = "consent"
    withdraw = "withdraw"
    assign = "assign"
    import_data = "import"
    correct = "correct"
    invite = "invite"
    service = "service"
    analysis_run = "analysis_run"
    export = "export"
    unseal = "unseal"
    purge = "purge"
    transition = "transition"
    baseline = "baseline"


def audit_key(settings: RegistrySettings) -> bytes:
    """The key of the audit chain: ``HMAC-SHA256(seal key, "proeftuin-audit-chain")`` (a separate domain of the seal key)."""
    seal_key = settings.seal_key.get_secret_value()
    if not seal_key:
        raise RegistryError("the audit log is keyed: set PROEFTUIN_SEAL_KEY to write to or verify the registry")
    return hmac.new(seal_key.encode("utf-8"), b"proeftuin-audit-chain", hashlib.sha256).digest()


def keyed_engine(engine: Engine, settings: RegistrySettings) -> Engine:
    """``engine`` whose sessions write audit events keyed with the installation's audit key."""
    return engine.execution_options(**{AUDIT_KEY_OPTION: audit_key(settings)})


def session_audit_key(session: Session) -> bytes:
    """The audit key of ``session``: from its engine (:func:`keyed_engine`), else from the environment's seal key."""
    key = session.get_bind().get_execution_options().get(AUDIT_KEY_OPTION)
    if key is not None:
        return key
    try:
        settings = RegistrySettings()
    except ValidationError:
        raise RegistryError("the audit log is keyed: set PROEFTUIN_SEAL_KEY (a strong one) to write to the registry") from None
    return audit_key(settings)


def event_hash(*, id: int, at: str, actor: str, action: str, experiment_id: int | None, subject: str, payload: dict[str, Any],
               prev_hash: str, key: bytes | None) -> str:
    """HMAC-SHA256 with ``key`` (plain SHA-256 for a legacy event, ``key=None``) of the canonical JSON of an event's fields."""
    body = {"id": id, "at": at, "actor": actor, "action": action, "experiment_id": experiment_id,
            "subject": subject, "payload": payload, "prev_hash": prev_hash}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False).encode("ascii")
    return hashlib.sha256(text).hexdigest() if key is None else hmac.digest(key, text, "sha256").hex()


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)
"""The canonical JSON of a payload, as :func:`event_hash` encodes it (and :mod:`~proeftuin.registry.bulk` stores it)."""


class AuditLog:
    """Appends events to the chain within the caller's transaction (the head row stays locked)."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._key = session_audit_key(session)
        self._head = session.scalars(select(AuditHead).where(AuditHead.id == 1).with_for_update()).one()

    def record(self, *, actor: str, action: Action, experiment_id: int | None = None, subject: str = "", payload: dict[str, Any] | None = None) -> None:
        """Append one event (no personal data: subjects are pseudonyms or ids)."""
        self.record_many([(actor, action, experiment_id, subject, payload or {})])

    def record_many(self, events: list[tuple[str, Action, int | None, str, dict[str, Any]]]) -> None:
        """Append many events in order, in one bulk insert.

        The chain is sequential, so this is one tight loop: each payload is encoded once as its
        canonical JSON text, which is both the stored value and, inside :func:`stored_message`, the
        bytes MACed, so each hash is :func:`event_hash` of the event (as ``verify`` recomputes it).
        """
        at = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")
        key, encode, rows = self._key, _CANONICAL.encode, []
        last_id, last_hash = self._head.last_id, self._head.last_hash
        for actor, action, experiment_id, subject, payload in events:
            last_id += 1
            text, name = encode(payload), action.value
            message = stored_message(id=last_id, at=at, actor=actor, action=name, experiment_id=experiment_id, subject=subject,
                                     payload_text=text, prev_hash=last_hash)
            digest = hmac.digest(key, message, "sha256").hex()
            rows.append((last_id, at, actor, name, experiment_id, subject, text, last_hash, digest))
            last_hash = digest
        if rows:
            insert_rows(self._session, AuditEvent.__table__, EVENT_COLUMNS, rows)  # type: ignore[arg-type]
            self._head.last_id, self._head.last_hash = last_id, last_hash
            self._session.flush()


@dataclass(frozen=True)
class ChainBreak:
    """The first audit event that does not match the chain, and why."""

    event_id: int
    action: str
    reason: str

    def __str__(self) -> str:
        return f"audit event #{self.event_id} ({self.action}): {self.reason}"


def iter_events(session: Session, batch: int = 10_000) -> Iterator[Row[Any]]:
    """Every event of the chain in order, read in batches as plain rows (attributes as :class:`AuditEvent`'s columns)."""
    last = 0
    columns = AuditEvent.__table__.columns
    while True:
        chunk = session.execute(select(*columns).where(columns.id > last).order_by(columns.id).limit(batch)).all()
        if not chunk:
            return
        yield from chunk
        last = chunk[-1].id


class StoredEvent(NamedTuple):
    """An audit event as read by :func:`verify_chain`: its columns, the payload parsed from the stored text."""

    id: int
    at: str
    actor: str
    action: str
    experiment_id: int | None
    subject: str
    payload: dict[str, Any]
    prev_hash: str
    hash: str


def stored_message(*, id: int, at: str, actor: str, action: str, experiment_id: int | None, subject: str, payload_text: str,
                   prev_hash: str) -> bytes:
    """The bytes :func:`event_hash` covers, assembled around the payload's stored text.

    Equal to :func:`event_hash`'s canonical JSON whenever ``payload_text`` is the payload's
    canonical JSON (sorted keys, no whitespace, ASCII), which is how the registry stores it
    (:mod:`proeftuin.registry.bulk`): the keys of the event in sorted order, the strings encoded by
    the same ASCII encoder as :func:`json.dumps`. Any other stored text gives other bytes, so
    the HMAC fails and :func:`verify_chain` falls back to the parsed payload.
    """
    s = encode_basestring_ascii
    exp = "null" if experiment_id is None else str(int(experiment_id))
    return (f'{{"action":{s(action)},"actor":{s(actor)},"at":{s(at)},"experiment_id":{exp},"id":{int(id)},'
            f'"payload":{payload_text},"prev_hash":{s(prev_hash)},"subject":{s(subject)}}}').encode("ascii")


def _stored_chunks(session: Session) -> Iterator[list[tuple[Any, ...]]]:
    """Every event's columns in order, the payload as its stored text, in chunks through the driver's cursor (no ORM, no JSON decoding)."""
    c = AuditEvent.__table__.c
    yield from driver_chunks(session, select(c.id, c.at, c.actor, c.action, c.experiment_id, c.subject, cast(c.payload, Text),
                                             c.prev_hash, c.hash).order_by(c.id))


def _mac_of_stored(row: tuple[Any, ...], key: bytes | None) -> bool:
    """Whether the stored hash is the HMAC with ``key`` (``None``: plain SHA-256) of the event as stored (:func:`stored_message`)."""
    id_, at, actor, action, experiment_id, subject, text, prev_hash, stored_hash = row
    try:
        message = stored_message(id=id_, at=at, actor=actor, action=action, experiment_id=experiment_id, subject=subject,
                                 payload_text=text, prev_hash=prev_hash)
        digest = hashlib.sha256(message).hexdigest() if key is None else hmac.digest(key, message, "sha256").hex()
        return hmac.compare_digest(digest, stored_hash)
    except (TypeError, ValueError):  # a column of the wrong type (written behind the registry's back): the slow path decides
        return False


def _checked(row: tuple[Any, ...], key: bytes | None, check: bool) -> tuple[StoredEvent | None, bool]:
    """One stored row as an event with its payload parsed (``None`` if it is not JSON), and whether its hash is the one
    :func:`event_hash` recomputes from the parsed payload with ``key`` (always true unless ``check``)."""
    id_, at, actor, action, experiment_id, subject, text, prev_hash, stored_hash = row
    try:
        event = StoredEvent(id_, at, actor, action, experiment_id, subject, json.loads(text), prev_hash, stored_hash)
    except (TypeError, ValueError):
        return None, False
    if not check:
        return event, True
    recomputed = event_hash(id=id_, at=at, actor=actor, action=action, experiment_id=experiment_id, subject=subject,
                            payload=event.payload, prev_hash=prev_hash, key=key)
    return event, hmac.compare_digest(recomputed, stored_hash)


def _checked_chunk(chunk: list[tuple[Any, ...]], key: bytes | None, keyed_from: int) -> list[tuple[StoredEvent | None, bool]]:
    """Each stored row of ``chunk`` as an event, and whether its hash checks out (see :func:`verify_chain`).

    The fast path: every event is MACed over its stored text; when all of them check out, every
    stored payload is the canonical JSON of one value, so the chunk's payloads are parsed in one
    call. Otherwise each event is parsed and hashed as :func:`event_hash` defines it.
    """
    keys = [key if row[0] >= keyed_from else None for row in chunk]
    if key is not None and all(_mac_of_stored(row, k) for row, k in zip(chunk, keys, strict=True)):
        payloads = json.loads("[" + ",".join(row[6] for row in chunk) + "]")
        return [(StoredEvent._make((*r[:6], payload, *r[7:])), True) for r, payload in zip(chunk, payloads, strict=True)]
    return [_checked(row, k, key is not None or row[0] < keyed_from) for row, k in zip(chunk, keys, strict=True)]


def verify_chain(*, session: Session, key: bytes | None, head: str | None = None,
                 visit: Callable[[StoredEvent], None] | None = None) -> tuple[ChainBreak | None, int, str, int]:
    """Recompute the chain: the first break (or ``None``), the number of events, the head hash and the number of legacy events.

    Events from ``audit_head.keyed_from`` on are checked with ``key``; with ``key=None`` (none
    configured) only their links are checked, which the caller reports; ``head`` is a head kept outside the
    database (``ID:HASH`` from ``verify --print-head``), which the chain must still contain. ``visit``
    is called with every event that checks out, in order, so one pass over the chain can also replay it.
    Each event is read once through the driver and MACed over its stored payload text
    (:func:`stored_message`), re-encoded only where that text is not canonical.
    """
    stored = session.get(AuditHead, 1)
    keyed_from = stored.keyed_from if stored is not None else 1
    kept_id, kept_hash = parse_head(head) if head else (0, "")
    expected_prev, expected_id, count = GENESIS_HASH, 1, 0
    for row, (event, matches) in ((row, checked) for chunk in _stored_chunks(session)
                                  for row, checked in zip(chunk, _checked_chunk(chunk, key, keyed_from), strict=True)):
        event_id, action, prev_hash, stored_hash = row[0], row[3], row[7], row[8]
        if event_id != expected_id:
            return ChainBreak(expected_id, "?", f"missing (the next event is #{event_id})"), count, expected_prev, min(count, keyed_from - 1)
        if prev_hash != expected_prev:
            return ChainBreak(event_id, action, "its link to the previous event is broken"), count, expected_prev, min(count, keyed_from - 1)
        keyed = event_id >= keyed_from
        if event is None or not matches:
            reason = ("its content differs from what was recorded, or it was written without the audit key (forged)" if keyed
                      else "its content differs from what was recorded (hash mismatch)")
            return ChainBreak(event_id, action, reason), count, expected_prev, min(count, keyed_from - 1)
        if event_id == kept_id and stored_hash != kept_hash:
            return ChainBreak(event_id, action, "it differs from the head kept outside the database"), count, expected_prev, min(count, keyed_from - 1)
        if visit is not None:
            visit(event)
        expected_prev, expected_id, count = stored_hash, expected_id + 1, count + 1
    legacy = min(count, keyed_from - 1)
    if kept_id > count:
        return (ChainBreak(count + 1, "head", f"the chain ends at event #{count}; the head kept outside the database is #{kept_id} "
                           "(the last events were deleted)"), count, expected_prev, legacy)
    if stored is None or stored.last_id != count or stored.last_hash != expected_prev:
        return ChainBreak(count, "head", "the chain's head does not match its last event (events removed?)"), count, expected_prev, legacy
    return None, count, expected_prev, legacy


def format_head(count: int, head_hash: str) -> str:
    """The head to keep outside the database: ``ID:HASH``."""
    return f"{count}:{head_hash}"


def parse_head(text: str) -> tuple[int, str]:
    """``ID:HASH`` as printed by :func:`format_head`; :class:`RegistryError` if it is not one."""
    number, _, digest = text.strip().partition(":")
    if not number.isdigit() or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise RegistryError(f"--head: {text!r} is not a head printed by verify --print-head (ID:HASH)")
    return int(number), digest
