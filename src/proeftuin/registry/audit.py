"""The append-only, hash-chained audit log.

Every event stores ``prev_hash`` (the hash of the event before it; 64 zeros for the first) and
``hash = SHA-256(canonical JSON of id, at, actor, action, experiment_id, subject, payload, prev_hash)``.
Changing, deleting or inserting any past event breaks the chain from that event on, which
:func:`verify_chain` reports. The database refuses UPDATE and DELETE on the table (a trigger, see
migration 0002); the head row is locked by every append, so concurrent writers form one chain.
Record the head hash printed by ``proeftuin verify`` outside the database to detect a rewrite of
the whole chain (Schneier & Kelsey 1999, "Secure audit logs to support computer forensics").
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from proeftuin.registry.models import AuditEvent, AuditHead

GENESIS_HASH = "0" * 64


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


def event_hash(*, id: int, at: str, actor: str, action: str, experiment_id: int | None, subject: str, payload: dict[str, Any], prev_hash: str) -> str:
    """SHA-256 of the canonical JSON of an event's fields (sorted keys, no whitespace)."""
    body = {"id": id, "at": at, "actor": actor, "action": action, "experiment_id": experiment_id,
            "subject": subject, "payload": payload, "prev_hash": prev_hash}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


class AuditLog:
    """Appends events to the chain within the caller's transaction (the head row stays locked)."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._head = session.scalars(select(AuditHead).where(AuditHead.id == 1).with_for_update()).one()

    def record(self, *, actor: str, action: Action, experiment_id: int | None = None, subject: str = "", payload: dict[str, Any] | None = None) -> None:
        """Append one event (no personal data: subjects are pseudonyms or ids)."""
        self.record_many([(actor, action, experiment_id, subject, payload or {})])

    def record_many(self, events: list[tuple[str, Action, int | None, str, dict[str, Any]]]) -> None:
        """Append many events in order, in one bulk insert."""
        at = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")
        rows = []
        last_id, last_hash = self._head.last_id, self._head.last_hash
        for actor, action, experiment_id, subject, payload in events:
            last_id += 1
            row = {"id": last_id, "at": at, "actor": actor, "action": action.value, "experiment_id": experiment_id,
                   "subject": subject, "payload": payload, "prev_hash": last_hash}
            last_hash = event_hash(**row)
            rows.append({**row, "hash": last_hash})
        if rows:
            self._session.execute(AuditEvent.__table__.insert(), rows)
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


def _events(session: Session, batch: int = 10_000) -> Iterator[AuditEvent]:
    last = 0
    while True:
        chunk = session.scalars(select(AuditEvent).where(AuditEvent.id > last).order_by(AuditEvent.id).limit(batch)).all()
        if not chunk:
            return
        yield from chunk
        last = chunk[-1].id


def verify_chain(*, session: Session) -> tuple[ChainBreak | None, int, str]:
    """Recompute the chain: the first break (or ``None``), the number of events and the head hash."""
    expected_prev, expected_id, count = GENESIS_HASH, 1, 0
    for event in _events(session):
        if event.id != expected_id:
            return ChainBreak(expected_id, "?", f"missing (the next event is #{event.id})"), count, expected_prev
        if event.prev_hash != expected_prev:
            return ChainBreak(event.id, event.action, "its link to the previous event is broken"), count, expected_prev
        recomputed = event_hash(id=event.id, at=event.at, actor=event.actor, action=event.action, experiment_id=event.experiment_id,
                                subject=event.subject, payload=event.payload, prev_hash=event.prev_hash)
        if recomputed != event.hash:
            return ChainBreak(event.id, event.action, "its content differs from what was recorded (hash mismatch)"), count, expected_prev
        expected_prev, expected_id, count = event.hash, expected_id + 1, count + 1
    head = session.get(AuditHead, 1)
    if head is None or head.last_id != count or head.last_hash != expected_prev:
        return ChainBreak(count, "head", "the chain's head does not match its last event (events removed?)"), count, expected_prev
    return None, count, expected_prev
