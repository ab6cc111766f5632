"""OpenFisca entities: one person; the benefit unit's type is a variable (``household_type``)."""

from __future__ import annotations

from openfisca_core.entities import build_entity

Person = build_entity(
    key="person",
    plural="persons",
    label="Bijstandsgerechtigde (per maand)",
    doc="A recipient (or benefit unit) in one month; household type and cost-sharers are inputs.",
    is_person=True,
)

entities = [Person]
