"""The append-only, keyed, hash-chained audit log.

Every event stores ``prev_hash`` (the hash of the event before it; 64 zeros for the first) and
``hash = HMAC-SHA256(audit key, canonical JSON of id, at, actor, action, experiment_id, subject,
payload, prev_hash)``. The audit key is derived from the seal key (:func:`audit_key`), so whoever
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
from typing import Any

import pandas as pd
from pydantic import ValidationError
from sqlalchemy import Engine, Row, select
from sqlalchemy.orm import Session

from proeftuin.registry.bulk import insert_frame
from proeftuin.registry.crud import RegistryError
from proeftuin.registry.models import AuditEvent, AuditHead
from proeftuin.registry.settings import RegistrySettings

GENESIS_HASH = "0" * 64
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
        """Append many events in order, in one bulk insert."""
        at = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")
        rows = []
        last_id, last_hash = self._head.last_id, self._head.last_hash
        for actor, action, experiment_id, subject, payload in events:
            last_id += 1
            row = {"id": last_id, "at": at, "actor": actor, "action": action.value, "experiment_id": experiment_id,
                   "subject": subject, "payload": payload, "prev_hash": last_hash}
            last_hash = event_hash(**row, key=self._key)
            rows.append({**row, "hash": last_hash})
        if rows:
            insert_frame(self._session, AuditEvent.__table__, pd.DataFrame.from_records(rows))  # type: ignore[arg-type]
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


def verify_chain(*, session: Session, key: bytes | None, head: str | None = None,
                 visit: Callable[[Row[Any]], None] | None = None) -> tuple[ChainBreak | None, int, str, int]:
    """Recompute the chain: the first break (or ``None``), the number of events, the head hash and the number of legacy events.

    Events from ``audit_head.keyed_from`` on are checked with ``key``; with ``key=None`` (none
    configured) only their links are checked, which the caller reports; ``head`` is a head kept outside the
    database (``ID:HASH`` from ``verify --print-head``), which the chain must still contain. ``visit``
    is called with every event that checks out, in order, so one pass over the chain can also replay it.
    """
    stored = session.get(AuditHead, 1)
    keyed_from = stored.keyed_from if stored is not None else 1
    kept_id, kept_hash = parse_head(head) if head else (0, "")
    expected_prev, expected_id, count = GENESIS_HASH, 1, 0
    for event in iter_events(session):
        if event.id != expected_id:
            return ChainBreak(expected_id, "?", f"missing (the next event is #{event.id})"), count, expected_prev, min(count, keyed_from - 1)
        if event.prev_hash != expected_prev:
            return ChainBreak(event.id, event.action, "its link to the previous event is broken"), count, expected_prev, min(count, keyed_from - 1)
        keyed = event.id >= keyed_from
        recomputed = event_hash(id=event.id, at=event.at, actor=event.actor, action=event.action, experiment_id=event.experiment_id,
                                subject=event.subject, payload=event.payload, prev_hash=event.prev_hash, key=key if keyed else None)
        if (key is not None or not keyed) and not hmac.compare_digest(recomputed, event.hash):
            reason = ("its content differs from what was recorded, or it was written without the audit key (forged)" if keyed
                      else "its content differs from what was recorded (hash mismatch)")
            return ChainBreak(event.id, event.action, reason), count, expected_prev, min(count, keyed_from - 1)
        if event.id == kept_id and event.hash != kept_hash:
            return ChainBreak(event.id, event.action, "it differs from the head kept outside the database"), count, expected_prev, min(count, keyed_from - 1)
        if visit is not None:
            visit(event)
        expected_prev, expected_id, count = event.hash, expected_id + 1, count + 1
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
