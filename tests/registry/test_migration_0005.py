"""Migration 0005 moves the six baseline columns of the 2017-2019 trials into the JSON column of
declared covariates, values unchanged, and back on downgrade; the ORM matches the migrated schema."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from proeftuin.registry.db import alembic_config, make_engine, migrate
from proeftuin.registry.models import Base

OLD_ROW = {"id": 1, "experiment_id": 1, "pseudonym": "p" * 64, "enrolled_on": dt.date(2018, 6, 1), "age": 41, "sex": "female",
           "household": "couple", "months_on_benefit": 30, "education": "middle", "health": 6.5, "migration_background": True,
           "distance_to_labour_market": "far", "stratum": "distance_to_labour_market=far"}


def test_0005_moves_the_baseline_columns_into_the_covariates_and_back(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    migrate(engine, "0004")
    with engine.begin() as con:
        con.execute(sa.text("INSERT INTO experiments (id, slug, municipality, name, start_date, end_date, spec) "
                            "VALUES (1, 'utrecht', 'Utrecht', 'x', '2018-06-01', '2019-09-30', '{}')"))
        con.execute(sa.table("participants", *(sa.column(c) for c in OLD_ROW)).insert(), [OLD_ROW])
    migrate(engine, "0005")
    with engine.connect() as con:
        row = con.execute(sa.text("SELECT age, household, covariates, chosen_arm, team FROM participants")).one()
    assert row.age == 41 and row.household == "couple" and row.chosen_arm is None and row.team is None
    assert json.loads(row.covariates) == {"sex": "female", "months_on_benefit": 30, "education": "middle", "health": 6.5,
                                          "migration_background": True, "distance_to_labour_market": "far"}
    command.downgrade(alembic_config(engine), "0004")
    with engine.connect() as con:
        back = con.execute(sa.text("SELECT sex, months_on_benefit, education, health, migration_background, distance_to_labour_market "
                                   "FROM participants")).one()
    assert tuple(back) == ("female", 30, "middle", 6.5, 1, "far")


def test_the_orm_matches_the_migrated_schema(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'new.db'}")
    migrate(engine)
    with engine.connect() as con:
        differences = compare_metadata(MigrationContext.configure(con), Base.metadata)
    assert [d for d in differences if "invitations" in str(d) or "participants" in str(d)] == []
