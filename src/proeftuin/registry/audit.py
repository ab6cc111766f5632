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
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from enum import Enum
from json.encoder import encode_basestring_ascii
from operator import itemgetter
from typing import Any, NamedTuple

import pyarrow as pa
import pyarrow.compute as pc
from pydantic import ValidationError
from sqlalchemy import Engine, Row, Select, Text, cast, select
from sqlalchemy.orm import Session

from proeftuin.registry.bulk import insert_rows
from proeftuin.registry.columnar import INTEGER, TEXT, ColumnReader, Kind
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


@dataclass
class _StoredChunk:
    """A chunk of stored events (the payload as its stored text): the driver's rows, or Arrow columns; each column and the
    rows made once, when needed (a pass that checks out reads neither the time nor the actor as a column)."""

    table: pa.Table | None = None
    _rows: list[tuple[Any, ...]] | None = None
    _columns: dict[int, tuple[Any, ...]] = field(default_factory=dict)

    def __len__(self) -> int:
        return self.table.num_rows if self.table is not None else len(self._rows or ())

    def column(self, index: int) -> tuple[Any, ...]:
        """The values of column ``index`` (of :data:`EVENT_COLUMNS`, the payload as text)."""
        if index not in self._columns:
            self._columns[index] = (tuple(self.table.column(index).to_pylist()) if self.table is not None
                                    else tuple(map(itemgetter(index), self._rows or ())))
        return self._columns[index]

    def rows(self, stop: int) -> list[tuple[Any, ...]]:
        """The first ``stop`` events as row tuples (the driver's, or made from the columns once)."""
        if self._rows is None:
            self._rows = list(zip(*(self.column(i) for i in range(len(EVENT_COLUMNS))), strict=True))
        return self._rows[:stop]


def stored_events_read() -> tuple[Select[Any], tuple[Kind, ...]]:
    """The statement every event is read with (in order, the payload as its stored text), and the kind of each of its columns
    read as Arrow (:meth:`~proeftuin.registry.columnar.ColumnReader.read_ahead` can read it before :func:`verify_chain` asks)."""
    c = AuditEvent.__table__.c
    statement = select(c.id, c.at, c.actor, c.action, c.experiment_id, c.subject, cast(c.payload, Text), c.prev_hash, c.hash).order_by(c.id)
    return statement, (INTEGER, TEXT, TEXT, TEXT, INTEGER, TEXT, TEXT, TEXT, TEXT)


def _stored_chunks(session: Session, reader: ColumnReader | None = None) -> Generator[_StoredChunk, None, None]:
    """Every event's columns in order, the payload as its stored text, in chunks (no ORM, no JSON decoding): as Arrow columns
    through ``reader`` where it can, else the rows of the session's driver."""
    statement, kinds = stored_events_read()
    table = reader.table(statement, kinds) if reader is not None else None
    if table is None:
        for chunk in driver_chunks(session, statement, CHAIN_CHUNK):
            yield _StoredChunk(_rows=chunk)
        return
    for start in range(0, table.num_rows, CHAIN_CHUNK):
        part = table.slice(start, CHAIN_CHUNK)
        yield _StoredChunk(part)


CHAIN_CHUNK = 50_000
"""Events checked together: MACed in one comprehension, their ids and links compared as columns."""


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


def _sha256_state(key: bytes) -> Any:
    """The keyed state of HMAC-SHA256 with ``key``, set up once, whose ``copy()`` hashes a message (``update``, ``digest``).

    :func:`hmac.digest` sets up OpenSSL's context (the key's two padded blocks, RFC 2104) on
    every call; an HMAC made once and copied per message hashes only the message and the inner
    digest (verify MACs every event: 0.41 against 0.57 s for 100,000 events). The copy is that of
    the OpenSSL HMAC object inside :class:`hmac.HMAC` (its ``_hmac``, where this Python has one),
    whose ``copy``, ``update`` and ``digest`` are C calls: a third less time per event than through
    the pure-Python wrapper, which stays the way where there is none. The same digest as :func:`hmac.digest`.
    """
    keyed = hmac.new(key, digestmod=hashlib.sha256)
    return getattr(keyed, "_hmac", None) or keyed


def _sha256_mac(key: bytes) -> Callable[[bytes], bytes]:
    """HMAC-SHA256 with ``key`` as a function of the message (:func:`_sha256_state` copied per message)."""
    state = _sha256_state(key)

    def mac(message: bytes) -> bytes:
        hashed = state.copy()
        hashed.update(message)
        return hashed.digest()

    return mac


def _macs_of_stored(chunk: _StoredChunk, n: int, key: bytes) -> list[bool]:
    """:func:`_mac_of_stored` of the first ``n`` rows of ``chunk`` with ``key``, in one comprehension over its columns (each
    column made once, shared with :func:`verify_chain`'s checks).

    The same bytes as :func:`stored_message` (each distinct combination of action, actor, ``at`` and
    experiment id encoded once; the links and, where none needs an escape, the subjects written as they are
    between quotes, :func:`_written_as_is`); a value of the wrong type anywhere in the chunk, or a
    link that JSON would escape, sends the chunk row by row through :func:`_mac_of_stored`. The
    chunk's digests are compared with the stored hashes all at once (one hex text each), one by one
    only where they differ; plain ``==``: verification answers no one who could time it, so the
    constant-time comparison adds nothing here.
    """
    s = encode_basestring_ascii
    try:
        ids, ats, actors, actions, experiments, subjects, texts, prevs, hashes = (chunk.column(i)[:n] for i in range(len(EVENT_COLUMNS)))
        if not _written_as_is(prevs):
            raise ValueError
        # each distinct (action, actor, time, experiment) written once, as the head of its events' messages (few: one per request)
        heads = {k: f'{{"action":{s(k[0])},"actor":{s(k[1])},"at":{s(k[2])},"experiment_id":{"null" if k[3] is None else int(k[3])},"id":'
                 for k in set(zip(actions, actors, ats, experiments, strict=True))}
        quoted = [f'"{u}"' for u in subjects] if _written_as_is(subjects) else list(map(s, subjects))
        copy = _sha256_state(key).copy
        # the MAC inline (no call of a function of ours per event): a third of the comprehension's time at 300,000 events
        macs = [(h := copy()).update(f'{q}{int(i)},"payload":{x},"prev_hash":"{p}","subject":{u}}}'.encode("ascii")) or h.digest()
                for q, i, u, x, p in zip(map(heads.__getitem__, zip(actions, actors, ats, experiments, strict=True)), ids, quoted, texts, prevs,
                                         strict=True)]
        if set(map(len, hashes)) == {64} and b"".join(macs).hex() == "".join(hashes):  # all of them at once (equal lengths: no shift)
            return [True] * n
        return [m.hex() == h for m, h in zip(macs, hashes, strict=True)]
    except (TypeError, ValueError, UnicodeEncodeError):
        return [_mac_of_stored(row, key) for row in chunk.rows(n)]


_AS_IS = bytes(c for c in range(32, 127) if chr(c) not in '"\\')
"""The bytes :func:`json.encoder.encode_basestring_ascii` writes as they are (printable ASCII but the quote and the backslash)."""


def _written_as_is(texts: Sequence[str]) -> bool:
    """Whether JSON writes every one of ``texts`` as it is between quotes: their characters checked at once, as bytes (a
    ``str.isalnum`` over the 300,000 links of a chunk took 0.3 s, deleting the allowed bytes of their ASCII a few ms)."""
    joined = "".join(texts)
    return joined.isascii() and not joined.encode("ascii").translate(None, _AS_IS)


_ESCAPED = r'[^ -~]|["\\]'
"""The characters :func:`json.encoder.encode_basestring_ascii` escapes (anything but printable ASCII, the quote and the backslash)."""


def _macs_of_columns(part: pa.Table, key: bytes) -> list[bool] | None:
    """:func:`_macs_of_stored` of a chunk read as Arrow columns, each event's message assembled by Arrow in C.

    Only when every text column holds text that JSON writes as it is (between quotes: printable
    ASCII, no quote or backslash), and no value is missing but an experiment id: then the message
    is :func:`stored_message`'s byte for byte; otherwise ``None`` (the rows' own path decides).
    """
    ids, at, actor, action, experiment, subject, payload, prev, stored = part.columns
    texts = (at, actor, action, subject, prev)
    if any(column.null_count for column in (ids, *texts, payload, stored)) or not all(
            pa.types.is_string(column.type) for column in (*texts, payload, stored)) or not pa.types.is_integer(ids.type):
        return None
    if any(pc.any(pc.match_substring_regex(column, _ESCAPED)).as_py() for column in texts):
        return None
    exp = pc.fill_null(pc.cast(experiment, pa.string()), "null")
    messages = pc.binary_join_element_wise('{"action":"', action, '","actor":"', actor, '","at":"', at, '","experiment_id":', exp,
                                           ',"id":', pc.cast(ids, pa.string()), ',"payload":', payload, ',"prev_hash":"', prev,
                                           '","subject":"', subject, '"}', "")
    copy = _sha256_state(key).copy
    macs = [(h := copy()).update(m) or h.digest() for m in messages.cast(pa.binary()).to_pylist()]
    hashes = stored.to_pylist()
    if pc.all(pc.equal(pc.utf8_length(stored), 64)).as_py() and b"".join(macs).hex() == "".join(hashes):
        return [True] * len(macs)
    return [m.hex() == h for m, h in zip(macs, hashes, strict=True)]


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


class CheckedEvents(NamedTuple):
    """The events of a chunk that check out, in order, as columns (what the replay reads)."""

    action: Sequence[str]
    experiment_id: Sequence[int | None]
    subject: Sequence[str]
    payload: Sequence[Any]


def _checked_chunk(chunk: _StoredChunk, n: int, key: bytes | None, keyed_from: int) -> tuple[list[bool], list[Any]]:
    """Whether each of the first ``n`` stored events of ``chunk`` checks out (see :func:`verify_chain`), and its parsed payload
    (``None`` where not).

    The fast path: each event is MACed over its stored text (:func:`_macs_of_columns` on Arrow
    columns, else :func:`_macs_of_stored`); the payloads of those that check out are canonical
    JSON of one value each, so they are parsed in one call. Any other event (a legacy one, one
    whose text is spelled otherwise, one that does not check out) is parsed and hashed as
    :func:`event_hash` defines it (:func:`_checked`).
    """
    if not n:
        return [], []
    keyed = key is not None and chunk.column(0)[0] >= keyed_from
    fast = _macs_of_columns(chunk.table.slice(0, n), key) if keyed and key is not None and chunk.table is not None else None
    if fast is None:
        fast = (_macs_of_stored(chunk, n, key) if keyed and key is not None else
                [key is not None and row[0] >= keyed_from and _mac_of_stored(row, key) for row in chunk.rows(n)])
    texts = chunk.column(6)
    if all(fast):
        return fast, json.loads("[" + ",".join(texts[:n]) + "]")
    payloads: list[Any] = [None] * n
    good = [i for i in range(n) if fast[i]]
    for i, payload in zip(good, json.loads("[" + ",".join(texts[i] for i in good) + "]"), strict=True):
        payloads[i] = payload
    ok = list(fast)
    rows = chunk.rows(n)
    for i in range(n):
        if not fast[i]:
            row = rows[i]
            event, ok[i] = _checked(row, key if row[0] >= keyed_from else None, key is not None or row[0] < keyed_from)
            payloads[i] = None if event is None else event.payload
            ok[i] = ok[i] and event is not None
    return ok, payloads


def _first_difference(left: Sequence[Any], right: Sequence[Any]) -> int:
    """The first index where two sequences of the same length differ (their length if none): compared whole first, in C."""
    if left == right:
        return len(left)
    return next((i for i, (a, b) in enumerate(zip(left, right, strict=True)) if a != b), len(left))


def verify_chain(*, session: Session, key: bytes | None, head: str | None = None, visit: Callable[[CheckedEvents], None] | None = None,
                 reader: ColumnReader | None = None) -> tuple[ChainBreak | None, int, str, int]:
    """Recompute the chain: the first break (or ``None``), the number of events, the head hash and the number of legacy events.

    Events from ``audit_head.keyed_from`` on are checked with ``key``; with ``key=None`` (none
    configured) only their links are checked, which the caller reports; ``head`` is a head kept outside the
    database (``ID:HASH`` from ``verify --print-head``), which the chain must still contain. ``visit``
    is called with the events that check out, chunk by chunk in order, so one pass over the chain can also replay it.
    Each event is read once (as Arrow columns through ``reader`` where it can, its message then
    assembled by Arrow, :func:`_macs_of_columns`; else through the session's driver) and MACed over
    its stored payload text (:func:`stored_message`), re-encoded only where that text is not canonical. A chunk's ids, links
    and MACs are checked as whole columns; the first event where any differs is the break, named
    by the first check it fails in the order: missing, link, content, kept head.
    """
    stored = session.get(AuditHead, 1)
    keyed_from = stored.keyed_from if stored is not None else 1
    kept_id, kept_hash = parse_head(head) if head else (0, "")
    expected_prev, count = GENESIS_HASH, 0
    with closing(_stored_chunks(session, reader)) as chunks:  # closed here when a break ends the pass early
        for chunk in chunks:
            n = len(chunk)
            ids, actions, experiments, subjects, prevs, hashes = (chunk.column(i) for i in (0, 3, 4, 5, 7, 8))
            missing = _first_difference(ids, tuple(range(count + 1, count + n + 1)))
            unlinked = _first_difference(prevs, (expected_prev, *hashes[:-1]))
            ok, payloads = _checked_chunk(chunk, min(missing, unlinked), key, keyed_from)
            forged = _first_difference(ok, [True] * len(ok))
            first = min(missing, unlinked, forged)
            if count < kept_id <= count + first and hashes[kept_id - count - 1] != kept_hash:
                first = kept_id - count - 1
            if visit is not None and first:
                visit(CheckedEvents(actions[:first], experiments[:first], subjects[:first], payloads[:first]))
            if first < n:
                legacy = min(count + first, keyed_from - 1)
                previous = hashes[first - 1] if first else expected_prev
                if first == missing:
                    return ChainBreak(count + first + 1, "?", f"missing (the next event is #{ids[first]})"), count + first, previous, legacy
                if first == unlinked:
                    reason = "its link to the previous event is broken"
                elif first == forged:
                    reason = ("its content differs from what was recorded, or it was written without the audit key (forged)"
                              if ids[first] >= keyed_from else "its content differs from what was recorded (hash mismatch)")
                else:
                    reason = "it differs from the head kept outside the database"
                return ChainBreak(ids[first], actions[first], reason), count + first, previous, legacy
            expected_prev, count = hashes[-1], count + n
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
