"""``verify`` catches every changed fact: a table of tamperings done with raw SQL, each detected and named.

The registry holds one closed trial with everything a trial records: users of every role, 40
people enrolled, 36 consented, 30 randomized, a withdrawal, two months of outcomes, a survey
wave and services. Each tampering is what someone with write access to the database (but not
the installation's key) could do behind the registry's back; ``verify`` must report it, naming
what differs. Every tampering is tried on SQLite and on PostgreSQL (each on a fresh copy of the
trial's registry: a file copy, a database made from the template database); PostgreSQL is skipped
with the reason where no server answers.

Regression (issue 10): ``verify`` missed 16 of 29 such tamperings (consent moved after
randomization, a consent deleted, a back-dated withdrawal, the control flag swapped between
arms, an arm's regime changed, outcome values changed, a user's role raised, the last events
deleted with the head fixed, a forged event appended, ...).
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import shutil
import threading
from collections.abc import Callable, Iterator
from json.encoder import encode_basestring_ascii
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from pydantic import SecretStr
from sqlalchemy import Connection, select, text
from sqlalchemy.orm import Session

from proeftuin.design import TrialPlan, catalog_experiment
from proeftuin.registry.allocate import randomize
from proeftuin.registry import audit, chain_state, columnar, digest
from proeftuin.registry.audit import event_hash, format_head, keyed_engine, stored_message
from proeftuin.registry.db import make_engine, migrate, session_scope
from proeftuin.registry.digest import PARTICIPANT_FACTS, participant_sha256, participants_sha256
from proeftuin.registry.experiments import close, create_trial
from proeftuin.registry.models import Participant
from proeftuin.registry.intake import enrol, record_consent
from proeftuin.registry.roles import Role, add_user
from proeftuin.registry.schemas import ConsentCreate, EnrolmentCreate, ServiceCreate
from proeftuin.registry.services import record_services
from proeftuin.registry.settings import RegistrySettings
from proeftuin.registry.verify import VerifyReport, verify_registry
from proeftuin.simulate.bsn import fake_bsns
from proeftuin.workflow.imports import import_outcomes, import_survey
from trialkit import START

SETTINGS = RegistrySettings(
    pseudonym_secrets={"Utrecht": SecretStr("utrecht-R3pWq8ZtL5vXk2NsY7dH9gJmB4cF6aQe0uIo")},
    seal_key=SecretStr("seal-Vb7Xk2Lq9Wm4Nz8Rt3Jc6Hd1Yf5Gs0Pa-Ue_Io"),
)
RANDOMIZED = "(SELECT participant_id FROM assignments)"
FIRST_RANDOMIZED = "(SELECT participant_id FROM assignments WHERE sequence = 1)"
WAITING = f"(SELECT participant_id FROM consents WHERE participant_id NOT IN {RANDOMIZED}) AS waiting"
NOT_CONSENTED = "(SELECT id FROM participants WHERE id NOT IN (SELECT participant_id FROM consents)) AS not_consented"
# the audit log's append-only guard (migration 0002), dropped by someone with the owner's rights on the database
NO_UPDATE_GUARD = {"sqlite": "DROP TRIGGER audit_events_no_update", "postgresql": "DROP TRIGGER audit_events_append_only ON audit_events"}
NO_DELETE_GUARD = {"sqlite": "DROP TRIGGER audit_events_no_delete", "postgresql": "DROP TRIGGER audit_events_append_only ON audit_events"}
Tamper = Callable[[Connection], None]


def _plan() -> TrialPlan:
    return TrialPlan.model_validate({
        "experiment": catalog_experiment("utrecht").model_dump(mode="json"),
        "randomization": {"method": "blocks", "strata": ["distance_to_labour_market"]},
        "eligibility": {"min_age": 18, "max_age": 67},
        "consent_versions": ["2018-05"],
        "survey": {"indices": {"wellbeing": {"items": ["wb1", "wb2", "wb3"], "reverse": ["wb3"], "scale": [1, 5]}}},
    })


def _people(n: int) -> list[EnrolmentCreate]:
    rng = np.random.default_rng(3)
    return [EnrolmentCreate(bsn=SecretStr(bsn), enrolled_on=START, case_manager="cora", age=int(rng.integers(20, 60)), sex="female",
                            household="single", months_on_benefit=12, education="low", health=6.5, migration_background=False,
                            distance_to_labour_market=str(rng.choice(["far", "near"])))
            for bsn in fake_bsns(n, rng)]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def template(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The registry of a closed trial with every kind of fact (a SQLite file, a PostgreSQL database), and the head kept outside it."""
    root = tmp_path_factory.mktemp("tampering")
    url = f"sqlite:///{root / 'registry.db'}" if request.param == "sqlite" else request.getfixturevalue("postgres_databases").new()
    engine = keyed_engine(make_engine(url), SETTINGS)
    migrate(engine)
    with session_scope(engine) as session:
        add_user(session=session, actor=None, name="alice", role=Role.admin)
        for name, role in [("cora", Role.case_manager), ("rob", Role.researcher), ("aud", Role.auditor)]:
            add_user(session=session, actor="alice", name=name, role=role)
        create_trial(session=session, actor="alice", plan=_plan(), settings=SETTINGS)
    with session_scope(engine) as session:
        pseudonyms = [p.pseudonym for p in enrol(session=session, actor="cora", slug="utrecht", people=_people(40), settings=SETTINGS)]
        record_consent(session=session, actor="cora", slug="utrecht",
                       consents=[ConsentCreate(pseudonym=p, text_version="2018-05", on=START) for p in pseudonyms[:36]])
    with session_scope(engine) as session:
        randomize(session=session, actor="cora", slug="utrecht", pseudonyms=pseudonyms[:30], on=START, settings=SETTINGS)
        record_consent(session=session, actor="cora", slug="utrecht", consents=[
            ConsentCreate(pseudonym=pseudonyms[0], kind="withdrawn", text_version="2018-05", on=dt.date(2018, 9, 1), keep_data=True)])
        record_services(session=session, actor="cora", slug="utrecht", services=[
            ServiceCreate(pseudonym=p, on=dt.date(2018, 7, 2), kind="coaching", minutes=45) for p in pseudonyms[:3]])
    outcomes = pd.DataFrame([{"pseudonym": p, "month": m, "hours_per_week": 8 * (i % 3), "contract": "none" if i % 3 == 0 else "temporary",
                              "gross_earnings": 250.5 * (i % 3), "on_benefit": "true"}
                             for i, p in enumerate(pseudonyms[:30]) for m in ("2018-07", "2018-08")])
    outcomes.to_csv(root / "outcomes.csv", index=False)
    import_outcomes(engine, root / "outcomes.csv", slug="utrecht", actor="rob")
    pd.DataFrame({"pseudonym": pseudonyms[:30], "wb1": 4, "wb2": 3, "wb3": 2}).to_csv(root / "survey.csv", index=False)
    import_survey(engine, root / "survey.csv", slug="utrecht", actor="rob", wave=1)
    with session_scope(engine) as session:
        close(session=session, actor="alice", slug="utrecht", on=dt.date(2019, 10, 1))
    with session_scope(engine) as session:
        report = verify_registry(session=session, settings=SETTINGS)
    assert report.intact, report.problems
    engine.dispose()
    yield url, format_head(report.audit_events, report.head_hash)
    if request.param == "postgresql":
        request.getfixturevalue("postgres_databases").drop(url)


def _sql(*statements: str | dict[str, str]) -> Tamper:
    """Statements run in one transaction; a statement the two databases spell differently is given by dialect."""

    def tamper(connection: Connection) -> None:
        for statement in statements:
            connection.exec_driver_sql(statement[connection.dialect.name] if isinstance(statement, dict) else statement)

    return tamper


def _forge_event(connection: Connection) -> None:
    """Append an event hashed the way the old, unkeyed chain did, and move the head to it."""
    last_id, last_hash = connection.execute(text("SELECT last_id, last_hash FROM audit_head")).one()
    row = {"id": last_id + 1, "at": "2019-10-02T00:00:00.000000+00:00", "actor": "alice", "action": "add_user", "experiment_id": None,
           "subject": "mallory", "payload": {"role": "admin"}, "prev_hash": last_hash}
    forged = event_hash(**row, key=None)
    connection.execute(text("INSERT INTO users (name, role, created_at) VALUES ('mallory', 'admin', '2019-10-02')"))
    connection.execute(text("INSERT INTO audit_events (id, at, actor, action, experiment_id, subject, payload, prev_hash, hash) "
                            "VALUES (:id, :at, 'alice', 'add_user', NULL, 'mallory', '{\"role\": \"admin\"}', :prev, :hash)"),
                       {"id": row["id"], "at": row["at"], "prev": last_hash, "hash": forged})
    connection.execute(text("UPDATE audit_head SET last_id = :id, last_hash = :hash"), {"id": row["id"], "hash": forged})


def _truncate_chain(connection: Connection) -> None:
    """Delete the last event (the closing), point the head at the new last one and reopen the trial: chain and tables agree."""
    _sql(NO_DELETE_GUARD)(connection)
    connection.execute(text("DELETE FROM audit_events WHERE id = (SELECT max(id) FROM audit_events)"))
    new_last, new_hash = connection.execute(text("SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1")).one()
    connection.execute(text("UPDATE audit_head SET last_id = :id, last_hash = :hash"), {"id": new_last, "hash": new_hash})
    connection.execute(text("UPDATE experiments SET status = 'recruiting'"))


TAMPERINGS: dict[str, tuple[Tamper, str]] = {
    # allocation
    "assignment changed to another arm": (_sql(
        f"UPDATE assignments SET arm_id = (SELECT id FROM arms WHERE id != assignments.arm_id LIMIT 1) WHERE participant_id = {FIRST_RANDOMIZED}"),
        "assignment arm"),
    "two assignments' order swapped": (_sql("UPDATE assignments SET sequence = 999 WHERE sequence = 1",
                                            "UPDATE assignments SET sequence = 1 WHERE sequence = 2",
                                            "UPDATE assignments SET sequence = 2 WHERE sequence = 999"), "assignment sequence"),
    "the last assignment deleted": (_sql("DELETE FROM assignments WHERE sequence = 30"), "missing from the registry"),
    "an assignment inserted outside the sealed path": (_sql(
        f"INSERT INTO assignments (participant_id, arm_id, assigned_on, seed, algorithm, sequence, batch) "
        f"SELECT min(participant_id), (SELECT min(id) FROM arms), '2018-06-01', 1, 'blocks-v1', 31, NULL FROM consents "
        f"WHERE participant_id NOT IN {RANDOMIZED}"), "no audit event records it"),
    "an assignment back-dated": (_sql(f"UPDATE assignments SET assigned_on = '2018-05-01' WHERE participant_id = {FIRST_RANDOMIZED}"),
                                 "assignment on"),
    "the seal's allocation counter changed": (_sql("UPDATE seals SET allocated = allocated - 1"), "the seal counts 29 allocations"),
    "the seed published while the trial is closed": (_sql("UPDATE seals SET seed = '" + "ab" * 32 + "'"), "published seed"),
    "the seal's commitment replaced": (_sql("UPDATE seals SET commitment = '" + "cd" * 32 + "'"), "commitment"),
    # consent and withdrawal
    "a consent moved after the randomization": (_sql(
        f"UPDATE consents SET \"on\" = '2018-07-15' WHERE kind = 'given' AND participant_id = {FIRST_RANDOMIZED}"), "consent dated"),
    "a consent deleted": (_sql(f"DELETE FROM consents WHERE kind = 'given' AND participant_id = (SELECT max(participant_id) FROM {WAITING})"),
                          "the registry holds 0 consent"),
    "a consent forged for someone who never gave it": (_sql(
        f"INSERT INTO consents (participant_id, kind, text_version, \"on\", keep_data, recorded_by) "
        f"SELECT min(id), 'given', '2018-05', '2018-06-01', TRUE, 'cora' FROM {NOT_CONSENTED}"), "the audit chain records 0"),
    "a withdrawal back-dated": (_sql("UPDATE consents SET \"on\" = '2018-06-02' WHERE kind = 'withdrawn'"), "withdrawal dated 2018-06-02"),
    "a withdrawal deleted": (_sql("DELETE FROM consents WHERE kind = 'withdrawn'"), "withdrawal dated 2018-09-01"),
    "a withdrawal's keep-data choice flipped": (_sql("UPDATE consents SET keep_data = FALSE WHERE kind = 'withdrawn'"), "keep data False"),
    "a consent's text version changed": (_sql(f"UPDATE consents SET text_version = '2017-01' WHERE participant_id = {FIRST_RANDOMIZED}"),
                                         "text 2017-01"),
    # the trial's design and lifecycle
    "the control flag swapped between arms": (_sql("UPDATE arms SET is_control = NOT is_control WHERE id IN (SELECT min(id) FROM arms UNION "
                                                   "SELECT max(id) FROM arms)"), "is_control is True in the registry, False when created"),
    "an arm's benefit regime changed": (_sql("UPDATE arms SET regime = 'regular' WHERE regime = 'utrecht-2018'"), "arm 'disregard': regime is 'regular' in the registry, 'utrecht-2018' when created"),
    "an arm's allocation ratio changed": (_sql("UPDATE arms SET ratio = 2 WHERE is_control"), "ratio is 2.0 in the registry, 1.0"),
    "the trial's end date moved (intake window)": (_sql("UPDATE experiments SET end_date = '2031-12-31'"), "period (intake window) is 2018-06-01 - 2031-12-31"),
    "the plan's consent versions extended": (_sql({
        "sqlite": "UPDATE experiments SET plan = json_set(plan, '$.consent_versions', json('[\"2018-05\", \"2031-01\"]'))",
        "postgresql": "UPDATE experiments SET plan = jsonb_set(plan::jsonb, '{consent_versions}', '[\"2018-05\", \"2031-01\"]')::json"}),
        "declared design or plan"),
    "the closed trial reopened": (_sql("UPDATE experiments SET status = 'recruiting'"), "its state is recruiting"),
    # participants
    "a participant's stratum changed": (_sql(f"UPDATE participants SET stratum = 'near' WHERE id = {FIRST_RANDOMIZED}"), "stratum"),
    "a participant's age changed": (_sql(f"UPDATE participants SET age = age + 1 WHERE id = {FIRST_RANDOMIZED}"), "baseline covariates"),
    "a participant moved to another caseload": (_sql(f"UPDATE participants SET case_manager = 'carl' WHERE id = {FIRST_RANDOMIZED}"),
                                                "caseload"),
    "a participant inserted who was never enrolled": (_sql(
        "INSERT INTO participants (experiment_id, pseudonym, enrolled_on, age, household, covariates, stratum, case_manager) "
        "VALUES (1, '" + "e" * 64 + "', '2018-06-01', 30, 'single', '{\"sex\": \"female\", \"months_on_benefit\": 12, "
        "\"education\": \"low\", \"health\": 6.5, \"migration_background\": false, \"distance_to_labour_market\": \"far\"}', "
        "'far', 'cora')"), "no audit event records the enrolment"),
    "an enrolled participant deleted": (_sql(f"DELETE FROM participants WHERE id = (SELECT max(id) FROM {NOT_CONSENTED})"),
                                        "enrolled in the audit chain, missing from the registry"),
    # data
    "an outcome value changed": (_sql("UPDATE outcome_months SET gross_earnings = gross_earnings + 100 WHERE id = 7"), "rows it wrote"),
    "an outcome month deleted": (_sql("DELETE FROM outcome_months WHERE id = 8"), "rows it wrote"),
    "a survey answer changed": (_sql("UPDATE survey_items SET value = 5 WHERE id = 1"), "rows it wrote"),
    "a survey score changed": (_sql("UPDATE survey_responses SET score = 10 WHERE id = 1"), "rows it wrote"),
    "an import's content hash changed": (_sql("UPDATE imports SET content_sha256 = '" + "0" * 64 + "' WHERE kind = 'outcomes'"),
                                         "content_sha256"),
    "a service forged": (_sql(f"INSERT INTO service_contacts (participant_id, \"on\", kind, minutes, recorded_by) "
                              f"VALUES ({FIRST_RANDOMIZED}, '2018-07-03', 'coaching', 600, 'cora')"), "service 'coaching' on 2018-07-03"),
    "a service's minutes changed": (_sql("UPDATE service_contacts SET minutes = 5 WHERE id = 1"), "(5 minutes)"),
    # users and roles
    "a user's role raised": (_sql("UPDATE users SET role = 'admin' WHERE name = 'rob'"), "user 'rob': the registry holds role admin"),
    "a user added behind the registry's back": (_sql("INSERT INTO users (name, role, created_at) VALUES ('mallory', 'admin', '2019-01-01')"),
                                                "user 'mallory'"),
    # the chain itself
    "an audit event's payload rewritten": (_sql(NO_UPDATE_GUARD, {
        "sqlite": "UPDATE audit_events SET payload = json_set(payload, '$.arm', 'treatment-of-choice') WHERE id = "
                  "(SELECT min(id) FROM audit_events WHERE action = 'assign')",
        "postgresql": "UPDATE audit_events SET payload = jsonb_set(payload::jsonb, '{arm}', '\"treatment-of-choice\"')::json WHERE id = "
                      "(SELECT min(id) FROM audit_events WHERE action = 'assign')"}), "content differs"),
    "a forged event appended (hashed without the key)": (_forge_event, "written without the audit key (forged)"),
}


def _tampered(template: tuple[str, str], tmp_path: Path, tamper: Tamper, head: str | None, request: pytest.FixtureRequest) -> VerifyReport:
    """``verify`` of a fresh copy of the template registry after ``tamper`` (run in one transaction on the copy)."""
    url = template[0]
    if url.startswith("sqlite"):
        copy_url = f"sqlite:///{tmp_path / f'tampered-{len(list(tmp_path.iterdir()))}.db'}"  # a fresh name: no write-ahead log of an earlier copy applies
        shutil.copy(url.removeprefix("sqlite:///"), copy_url.removeprefix("sqlite:///"))
    else:
        copy_url = request.getfixturevalue("postgres_databases").new(template=url)
    engine = make_engine(copy_url)
    try:
        with engine.begin() as connection:
            tamper(connection)
        with session_scope(engine) as session:
            return verify_registry(session=session, settings=SETTINGS, head=head)
    finally:
        engine.dispose()
        if not url.startswith("sqlite"):
            request.getfixturevalue("postgres_databases").drop(copy_url)


@pytest.mark.parametrize("name", list(TAMPERINGS))
def test_verify_detects_and_names_the_tampering(template, tmp_path, request, name: str) -> None:  # type: ignore[no-untyped-def]
    tamper, named = TAMPERINGS[name]
    report = _tampered(template, tmp_path, tamper, head=None, request=request)
    assert not report.intact, f"{name}: not detected"
    assert any(named in problem for problem in report.problems), f"{name}: reported as {report.problems}"


@pytest.mark.parametrize("name", ["an audit event's payload rewritten", "a forged event appended (hashed without the key)",
                                  "an outcome value changed", "a survey answer changed", "a service's minutes changed"])
def test_without_the_columnar_reader_the_same_problems_are_named(template, tmp_path, request, monkeypatch, name: str) -> None:  # type: ignore[no-untyped-def]
    """The passes read through the session's own driver where no ADBC driver is installed: the same problems, in the same order."""
    tamper, _named = TAMPERINGS[name]
    if template[0].startswith("sqlite"):
        pytest.skip("SQLite is read through its own driver only (see proeftuin.registry.columnar)")
    pytest.importorskip(columnar.DRIVERS["postgresql"])
    with_columns = _tampered(template, tmp_path, tamper, head=None, request=request)
    monkeypatch.setattr(columnar, "DRIVERS", {})
    assert _tampered(template, tmp_path, tamper, head=None, request=request).problems == with_columns.problems


def test_a_value_of_another_type_changes_the_rows_digest(template, tmp_path, request) -> None:  # type: ignore[no-untyped-def]
    """SQLite stores any type in any column: the same text stored as a BLOB is another value of the rows an import wrote."""
    if not template[0].startswith("sqlite"):
        pytest.skip("PostgreSQL's columns hold one type")
    report = _tampered(template, tmp_path, _sql("UPDATE outcome_months SET contract = CAST(contract AS BLOB) WHERE id = 7"), head=None, request=request)
    assert [p for p in report.problems if "rows it wrote" in p], report.problems


def test_last_events_deleted_with_the_head_fixed_are_caught_by_the_kept_head(template, tmp_path, request) -> None:  # type: ignore[no-untyped-def]
    """The chain and the tables agree after the truncation; only the head kept outside the database tells."""
    assert _tampered(template, tmp_path, _truncate_chain, head=None, request=request).intact
    report = _tampered(template, tmp_path, _truncate_chain, head=template[1], request=request)
    assert any("the head kept outside the database" in p and "the last events were deleted" in p for p in report.problems), report.problems


def test_an_untouched_registry_is_intact_against_its_kept_head(template, tmp_path, request) -> None:  # type: ignore[no-untyped-def]
    report = _tampered(template, tmp_path, _sql(), head=template[1], request=request)
    assert report.intact, report.problems
    assert report.legacy_events == 0 and report.keys_checked


def _respell_payloads(connection: Connection) -> None:
    """Every audit payload stored in another JSON spelling of the same facts (keys reversed, with spaces), as before 0009."""
    _sql(NO_UPDATE_GUARD)(connection)
    for event_id, text_ in connection.execute(text("SELECT id, CAST(payload AS TEXT) FROM audit_events ORDER BY id")).all():
        facts = json.loads(text_)
        respelled = json.dumps(dict(reversed(list(facts.items()))), separators=(", ", ": "))
        connection.execute(text("UPDATE audit_events SET payload = :payload WHERE id = :id"), {"payload": respelled, "id": event_id})


def test_payloads_stored_in_another_json_spelling_of_the_same_facts_still_verify(template, tmp_path, request) -> None:  # type: ignore[no-untyped-def]
    """The fast path MACs the stored text; where that is not the canonical spelling, the parsed payload decides."""
    report = _tampered(template, tmp_path, _respell_payloads, head=template[1], request=request)
    assert report.intact, report.problems
    assert report.audit_events > 100


def test_the_stored_message_is_the_canonical_json_the_hash_covers() -> None:
    """Assembled around the payload's canonical text, the message is byte for byte the JSON :func:`event_hash` MACs."""
    key = b"k" * 32
    for experiment_id, subject, payload in ((None, "", {}), (3, "ab\u00e9\"\\\n", {"z": [1, 2.5, None], "a": {"y": True, "b": "\u20ac"}}),
                                            (12, "p" * 64, {"on": "2018-06-01", "sequence": 7, "batch": None})):
        fields = {"id": 41, "at": "2018-06-01T00:00:00.000000+00:00", "actor": "r\u00f6b", "action": "assign",
                  "experiment_id": experiment_id, "subject": subject, "prev_hash": "0" * 64}
        canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"))
        message = stored_message(**fields, payload_text=canonical)
        assert message == json.dumps({**fields, "payload": payload}, sort_keys=True, separators=(",", ":")).encode("ascii")
        assert hmac.digest(key, message, "sha256").hex() == event_hash(**fields, payload=payload, key=key)


def test_participants_digests_read_in_one_pass_are_the_per_row_digests(template, request) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(template[0])
    try:
        with session_scope(engine) as session:
            columns = [getattr(Participant, c) for c in ("experiment_id", "pseudonym", *PARTICIPANT_FACTS)]
            expected = {(row.experiment_id, row.pseudonym): participant_sha256(row._asdict()) for row in session.execute(select(*columns))}
            assert len(expected) > 10
            assert participants_sha256(session) == expected
            with columnar.ColumnReader(session) as reader:  # PostgreSQL: read as Arrow columns (dates as ISO text) where the driver is installed
                assert participants_sha256(session, reader) == expected
    finally:
        engine.dispose()


@pytest.mark.parametrize("name", ["an audit event's payload rewritten", "a forged event appended (hashed without the key)",
                                  "assignment changed to another arm", "a consent deleted"])
def test_the_chain_read_in_small_chunks_names_the_same_problems(template, tmp_path, request, monkeypatch, name: str) -> None:  # type: ignore[no-untyped-def]
    """The chain is checked a chunk at a time (ids, links, MACs as columns): a break at any place in a chunk, or at its edge, is the same."""
    tamper, _named = TAMPERINGS[name]
    whole = _tampered(template, tmp_path, tamper, head=template[1], request=request)
    for size in (1, 2, 7):
        monkeypatch.setattr(audit, "CHAIN_CHUNK", size)
        assert _tampered(template, tmp_path, tamper, head=template[1], request=request) == whole, (name, size)


def test_the_chain_read_in_small_chunks_is_intact_and_respelled_payloads_still_verify(template, tmp_path, request, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(audit, "CHAIN_CHUNK", 3)
    assert _tampered(template, tmp_path, _sql(), head=template[1], request=request).intact
    assert _tampered(template, tmp_path, _respell_payloads, head=template[1], request=request).intact


def _macs(rows: list[tuple], key: bytes) -> list[bool]:  # type: ignore[type-arg]
    """:func:`_macs_of_stored` of every row of ``rows`` (as read through the driver)."""
    return audit._macs_of_stored(audit._StoredChunk(_rows=rows), len(rows), key)


def test_the_chunk_of_macs_is_the_row_by_row_mac(template) -> None:  # type: ignore[no-untyped-def]
    """:func:`_macs_of_stored` (one comprehension over the columns) gives each row's :func:`_mac_of_stored`, a changed row included."""
    rows, key = _stored_rows(template[0]), audit.audit_key(SETTINGS)
    changed = [*rows[:5], (*rows[5][:5], rows[5][5] + "x", *rows[5][6:]), (*rows[6][:6], rows[6][6].replace(":", ": ", 1), *rows[6][7:]), *rows[7:]]
    for chunk in (rows, changed):
        assert _macs(chunk, key) == [audit._mac_of_stored(row, key) for row in chunk]
        assert audit._macs_of_columns(_as_columns(chunk), key) == [audit._mac_of_stored(row, key) for row in chunk]
    assert all(_macs(rows, key)) and _macs(changed, key)[4:8] == [True, False, False, True]


def _stored_rows(url: str) -> list[tuple]:  # type: ignore[type-arg]
    """The stored events of the registry at ``url`` as the chain's reader reads them, row by row."""
    engine = make_engine(url)
    try:
        with session_scope(engine) as session:
            return [tuple(row) for chunk in audit._stored_chunks(session) for row in chunk.rows(len(chunk))]
    finally:
        engine.dispose()


def _as_columns(rows: list[tuple]) -> pa.Table:  # type: ignore[type-arg]
    """The stored events as the columnar reader reads them."""
    types = [pa.int64(), pa.string(), pa.string(), pa.string(), pa.int64(), pa.string(), pa.string(), pa.string(), pa.string()]
    return pa.table([pa.array(column, type=kind) for column, kind in zip(zip(*rows, strict=True), types, strict=True)], names=audit.EVENT_COLUMNS)


@pytest.mark.parametrize("subject", ['a "quoted" name', "back\\slash", "caf\u00e9", "tab\there", "del\x7f"])
def test_text_json_escapes_leaves_the_macs_to_the_rows(template, subject: str) -> None:  # type: ignore[no-untyped-def]
    """A text that JSON writes other than as it is (escaped) is not assembled by Arrow: :func:`_macs_of_columns` declines the chunk."""
    rows, key = _stored_rows(template[0]), audit.audit_key(SETTINGS)
    assert audit._macs_of_columns(_as_columns(rows), key) == [True] * len(rows)
    assert audit._macs_of_columns(_as_columns([*rows[:3], (*rows[3][:5], subject, *rows[3][6:])]), key) is None


@pytest.mark.parametrize("key_length", [0, 32, 64, 65, 100])
def test_the_copied_keyed_mac_is_hmac_sha256(key_length: int) -> None:
    """The keyed state copied per message (:func:`_sha256_mac`) gives :func:`hmac.digest`'s HMAC-SHA256, a key longer than a block included."""
    key = bytes(range(7, 7 + key_length))
    mac = audit._sha256_mac(key)
    for message in (b"", b"{}", bytes(range(256)) * 5):
        assert mac(message) == hmac.digest(key, message, "sha256")


def _postgres_with_columns(template: tuple[str, str]) -> None:
    if template[0].startswith("sqlite"):
        pytest.skip("PostgreSQL's thread, reading Arrow columns (SQLite's thread: the tests of SQLITE_PARALLEL_ROWS below)")
    pytest.importorskip(columnar.DRIVERS["postgresql"])


def _alongside(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Every import's rows digested alongside where they can be (no minimum of rows); whether each verify started a thread."""
    monkeypatch.setattr(digest, "PARALLEL_ROWS", 0)
    started: list[bool] = []
    original = digest.ParallelDigests.__init__

    def spied(self: digest.ParallelDigests, session: Session, reader: columnar.ColumnReader | None = None, minimum_rows: int | None = None) -> None:
        original(self, session, reader, minimum_rows)
        started.append(self.started)

    monkeypatch.setattr(digest.ParallelDigests, "__init__", spied)
    return started


@pytest.mark.parametrize("name", ["an outcome value changed", "a survey answer changed", "a service's minutes changed",
                                  "an audit event's payload rewritten"])
def test_the_rows_digested_alongside_name_the_same_problems(template, tmp_path, request, monkeypatch, name: str) -> None:  # type: ignore[no-untyped-def]
    """PostgreSQL: in a thread on the reader's snapshot, naming what the session's own digest names."""
    _postgres_with_columns(template)
    tamper, named = TAMPERINGS[name]
    in_process = _tampered(template, tmp_path, tamper, head=None, request=request)
    started = _alongside(monkeypatch)
    report = _tampered(template, tmp_path, tamper, head=None, request=request)
    assert started == [True]
    assert report.problems == in_process.problems and any(named in p for p in report.problems), report.problems


def test_the_rows_digested_alongside_of_an_untouched_registry(template, tmp_path, request, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _postgres_with_columns(template)
    started = _alongside(monkeypatch)
    assert _tampered(template, tmp_path, _sql(), head=template[1], request=request).intact
    assert started == [True]


def test_a_thread_that_cannot_read_columns_leaves_the_digests_to_the_session(template, tmp_path, request, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _postgres_with_columns(template)
    tamper, named = TAMPERINGS["an outcome value changed"]
    started = _alongside(monkeypatch)
    monkeypatch.setattr(digest, "_columnar", lambda *_args: None)
    report = _tampered(template, tmp_path, tamper, head=None, request=request)
    assert started == [True] and any(named in p for p in report.problems), report.problems
    assert _tampered(template, tmp_path, _sql(), head=None, request=request).intact


@pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")  # no traceback on the thread's way out
def test_a_thread_that_fails_leaves_the_digests_to_the_session(template, tmp_path, request, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _postgres_with_columns(template)
    tamper, named = TAMPERINGS["an outcome value changed"]
    started = _alongside(monkeypatch)

    def lost(*_args: object) -> None:
        raise ConnectionError("the connection was lost")

    monkeypatch.setattr(digest.ParallelDigests, "_digests_of", staticmethod(lost))
    report = _tampered(template, tmp_path, tamper, head=None, request=request)
    assert started == [True] and any(named in p for p in report.problems), report.problems


def test_on_sqlite_a_small_registry_is_digested_by_the_session_itself(template, tmp_path, request, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """SQLite below :data:`~proeftuin.registry.digest.SQLITE_PARALLEL_ROWS` imported rows: no second connection (its thread
    would cost more than it saves), and no write lock either way: writers are not kept waiting by verify."""
    if not template[0].startswith("sqlite"):
        pytest.skip("SQLite's way")
    started = _alongside(monkeypatch)
    tamper, named = TAMPERINGS["an outcome value changed"]
    report = _tampered(template, tmp_path, tamper, head=None, request=request)
    assert started == [False] and any(named in p for p in report.problems), report.problems


@pytest.mark.parametrize("subject", ['a "quoted" name', "back\\slash", "caf\u00e9", "tab\there", "del\x7f"])
def test_a_subject_that_json_escapes_is_maced_escaped(template, subject: str) -> None:  # type: ignore[no-untyped-def]
    """The chunk's subjects are written as they are only where none needs an escape; else each as JSON writes it."""
    rows, key = _stored_rows(template[0]), audit.audit_key(SETTINGS)
    id_, at, actor, action, experiment_id, _subject, payload, prev_hash, _hash = rows[3]
    message = stored_message(id=id_, at=at, actor=actor, action=action, experiment_id=experiment_id, subject=subject, payload_text=payload,
                             prev_hash=prev_hash)
    chunk = [*rows[:3], (*rows[3][:5], subject, payload, prev_hash, hmac.digest(key, message, "sha256").hex()), *rows[4:]]
    assert _macs(chunk, key) == [True] * len(chunk)
    assert _macs([*chunk[:4], (*chunk[4][:5], subject, *chunk[4][6:]), *chunk[5:]], key)[3:6] == [True, False, True]


def test_written_as_is_is_what_json_writes_between_quotes() -> None:
    """:func:`_written_as_is` (the chunk's links and subjects checked at once, as bytes) agrees with JSON's ASCII encoder on every
    character up to U+0180, alone and among others."""
    for code in range(0x180):
        text = f"ab{chr(code)}9f"
        assert audit._written_as_is([text]) == (encode_basestring_ascii(text) == f'"{text}"'), code
        assert audit._written_as_is(["0" * 64, text, "e"]) == (encode_basestring_ascii(text) == f'"{text}"'), code
    assert audit._written_as_is([])


@pytest.mark.parametrize("name", ["a consent deleted", "an audit event's payload rewritten", "a participant's age changed",
                                  "the last assignment deleted"])
@pytest.mark.parametrize("ahead", ["not read ahead", "the read ahead fails"])
def test_reads_ahead_name_the_same_problems(template, tmp_path, request, monkeypatch, name: str, ahead: str) -> None:  # type: ignore[no-untyped-def]
    """PostgreSQL: the chain and the tables read ahead by a thread (:meth:`ColumnReader.read_ahead`) give what reading them when
    asked gives; a read ahead that fails (the connection lost, say) is read again on the reader's own connection."""
    if template[0].startswith("sqlite"):
        pytest.skip("read ahead on PostgreSQL only (a second connection on the session's snapshot)")
    pytest.importorskip(columnar.DRIVERS["postgresql"])
    tamper, named = TAMPERINGS[name]
    read_ahead = _tampered(template, tmp_path, tamper, head=None, request=request)
    if ahead == "not read ahead":
        monkeypatch.setattr(columnar.ColumnReader, "read_ahead", lambda *_args: None)
    else:
        original = columnar.ColumnReader._read

        def lost(self: columnar.ColumnReader, sql: str, kinds: list[columnar.Kind]) -> pa.Table | None:
            if threading.current_thread().name.startswith("proeftuin-read-ahead"):
                raise ConnectionError("the connection was lost")
            return original(self, sql, kinds)

        monkeypatch.setattr(columnar.ColumnReader, "_read", lost)
    report = _tampered(template, tmp_path, tamper, head=None, request=request)
    assert report.problems == read_ahead.problems and any(named in p for p in report.problems), report.problems


def _sqlite_alongside(template: tuple[str, str], monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """SQLite: every import's rows digested alongside (no minimum of rows) where a second connection can share the session's
    snapshot; whether each verify started the thread."""
    if not template[0].startswith("sqlite"):
        pytest.skip("SQLite's way")
    monkeypatch.setattr(digest, "SQLITE_PARALLEL_ROWS", 0)
    return _alongside(monkeypatch)


@pytest.mark.parametrize("name", ["an outcome value changed", "a survey answer changed", "a service's minutes changed",
                                  "an audit event's payload rewritten", "a consent deleted"])
def test_on_sqlite_the_rows_digested_alongside_name_the_same_problems(template, tmp_path, request, monkeypatch, name: str) -> None:  # type: ignore[no-untyped-def]
    """SQLite: in a thread on a second connection (the rows concatenated by SQLite's aggregates), naming what the session's own digest names."""
    tamper, named = TAMPERINGS[name]
    in_process = _tampered(template, tmp_path, tamper, head=None, request=request)
    started = _sqlite_alongside(template, monkeypatch)
    report = _tampered(template, tmp_path, tamper, head=None, request=request)
    assert started == [True]
    assert report.problems == in_process.problems and any(named in p for p in report.problems), report.problems

    def not_here(*_args: object) -> str:
        raise AssertionError("digested by the session, not alongside")

    monkeypatch.setattr(chain_state, "import_rows_sha256", not_here)
    assert _tampered(template, tmp_path, _sql(), head=template[1], request=request).intact


def test_on_sqlite_the_aggregates_that_cannot_give_a_value_leave_it_to_the_session(template, tmp_path, request, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A REAL value that is no whole number of millionths: the thread leaves the import to the session, which names the change."""
    started = _sqlite_alongside(template, monkeypatch)
    report = _tampered(template, tmp_path, _sql("UPDATE outcome_months SET gross_earnings = 0.1 + 0.2 WHERE id = 7"), head=None, request=request)
    assert started == [True] and any("rows it wrote" in p for p in report.problems), report.problems


def test_on_sqlite_a_commit_between_the_snapshots_leaves_the_digests_to_the_session(template, tmp_path, request, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The second connection is used only where no other connection committed between its two reads of ``data_version``, around the
    session's first read: else (here a commit right after the session began again) no thread, and verify reads one state."""
    started = _sqlite_alongside(template, monkeypatch)
    original = digest.restart_snapshot

    def committed_in_between(session: Session) -> bool:
        restarted = original(session)
        path = session.get_bind().url.database
        other = make_engine(f"sqlite:///{path}")
        with other.begin() as connection:
            connection.execute(text("UPDATE outcome_months SET gross_earnings = gross_earnings + 100 WHERE id = 7"))
        other.dispose()
        return restarted

    monkeypatch.setattr(digest, "restart_snapshot", committed_in_between)
    report = _tampered(template, tmp_path, _sql(), head=None, request=request)
    assert started == [False]
    assert any("rows it wrote" in p for p in report.problems), report.problems  # the session's snapshot: taken after the commit
