"""Intake by a case manager: enrol (BSN pseudonymized at the door), consent, randomize, see the arm, own caseload.

Every step calls the registry's service function with the logged-in user as actor, so the
permission matrix, the caseload rule and the audit log live in one place. The BSN is read from
the form body only: it is never echoed, logged, redirected to or rendered.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, SecretStr, ValidationError
from starlette.responses import Response

from proeftuin.registry.allocate import participant_arm, randomize
from proeftuin.registry.crud import get_experiment
from proeftuin.registry.experiments import trial_plan
from proeftuin.registry.intake import enrol, latest_consents, participants_by_pseudonym, record_consent
from proeftuin.registry.roles import Operation, check_caseload
from proeftuin.registry.schemas import ConsentCreate, EnrolmentCreate
from proeftuin.rules import compute_benefit, regime_info
from proeftuin.web.deps import Allowed, CsrfChecked, SessionDep, render
from proeftuin.registry.listings import caseload, experiment_overviews

router = APIRouter(tags=["intake"])
Enroller = Allowed[Operation.enrol]
Consenter = Allowed[Operation.consent]
Randomizer = Allowed[Operation.randomize]
ArmViewer = Allowed[Operation.see_arm]
EXAMPLE_EARNINGS = 500.0
"""Gross monthly earnings of the worked example on the arm page (EUR)."""
EXAMPLE_HOURS = 12.0


class CaseloadPublic(BaseModel):
    """One person of the caseload, by pseudonym."""

    experiment: str
    pseudonym: str
    enrolled_on: dt.date
    consent: str | None
    arm: str | None


def _errors(exc: ValidationError) -> list[str]:
    """Field and message of each validation error, never the input (it may hold a BSN)."""
    return [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]


def _intake_page(request: Request, session: SessionDep, user_name: str, errors: list[str], form: dict[str, str], status: int = 200) -> Response:
    return render(request, "intake.html", {"experiments": experiment_overviews(session=session), "errors": errors, "form": form,
                                           "caseload": caseload(session=session, case_manager=user_name), "today": dt.date.today()},
                  status_code=status)


@router.get("/intake", include_in_schema=False)
def intake_page(request: Request, session: SessionDep, user: Enroller) -> Response:
    return _intake_page(request, session, user.name, [], {})


@router.post("/intake/enrol", include_in_schema=False, dependencies=[CsrfChecked])
def enrol_person(
    request: Request, session: SessionDep, user: Enroller, experiment: Annotated[str, Form()], bsn: Annotated[str, Form()],
    enrolled_on: Annotated[str, Form()], age: Annotated[str, Form()], sex: Annotated[str, Form()], household: Annotated[str, Form()],
    months_on_benefit: Annotated[str, Form()], education: Annotated[str, Form()], health: Annotated[str, Form()],
    distance_to_labour_market: Annotated[str, Form()], migration_background: Annotated[str, Form()] = "",
) -> Response:
    """Enrol one person; on success go to their page (by pseudonym), else show the form without the BSN."""
    fields = {"experiment": experiment, "enrolled_on": enrolled_on, "age": age, "sex": sex, "household": household,
              "months_on_benefit": months_on_benefit, "education": education, "health": health,
              "distance_to_labour_market": distance_to_labour_market, "migration_background": migration_background}
    try:
        person = EnrolmentCreate(bsn=SecretStr(bsn.strip()), enrolled_on=enrolled_on, age=age, sex=sex, household=household,
                                 months_on_benefit=months_on_benefit, education=education, health=health,
                                 migration_background=migration_background == "yes",
                                 distance_to_labour_market=distance_to_labour_market)
    except ValidationError as exc:
        return _intake_page(request, session, user.name, _errors(exc), fields, status=422)
    [enrolled] = enrol(session=session, actor=user.name, slug=experiment, people=[person], settings=request.app.state.settings)
    return RedirectResponse(f"/intake/{experiment}/{enrolled.pseudonym}", status_code=303)


@router.get("/intake/{slug}/{pseudonym}", include_in_schema=False)
def person_page(request: Request, session: SessionDep, user: ArmViewer, slug: str, pseudonym: str) -> Response:
    """Consent, randomization and, once randomized, the arm and what it means, with a worked example."""
    experiment = get_experiment(session=session, slug=slug)
    person = participants_by_pseudonym(session=session, experiment=experiment, pseudonyms=[pseudonym])[pseudonym]
    check_caseload(user, person, Operation.see_arm)
    consent = latest_consents(session=session, participant_ids=[person.id]).get(person.id)
    context: dict[str, object] = {"slug": slug, "person": person, "consent": consent, "experiment": experiment,
                                  "consent_versions": trial_plan(experiment).consent_versions, "today": dt.date.today()}
    if person.assignment is not None:
        assignment = participant_arm(session=session, actor=user.name, slug=slug, pseudonym=pseudonym)
        arm = person.assignment.arm
        regime = regime_info(arm.regime)
        hours = EXAMPLE_HOURS if regime.needs_hours else None
        example = {name: compute_benefit(date=assignment.assigned_on, household=person.household, earnings=EXAMPLE_EARNINGS,
                                         regime=name, hours_per_week=hours)
                   for name in dict.fromkeys(["regular", arm.regime])}
        context.update(assignment=assignment, arm=arm, regime=regime, example=example, earnings=EXAMPLE_EARNINGS, hours=hours)
    return render(request, "person.html", context)


@router.post("/intake/{slug}/{pseudonym}/consent", include_in_schema=False, dependencies=[CsrfChecked])
def consent_person(session: SessionDep, user: Consenter, slug: str, pseudonym: str, text_version: Annotated[str, Form()],
                   on: Annotated[dt.date, Form()]) -> Response:
    record_consent(session=session, actor=user.name, slug=slug, consents=[ConsentCreate(pseudonym=pseudonym, text_version=text_version, on=on)])
    return RedirectResponse(f"/intake/{slug}/{pseudonym}", status_code=303)


@router.post("/intake/{slug}/{pseudonym}/randomize", include_in_schema=False, dependencies=[CsrfChecked])
def randomize_person(request: Request, session: SessionDep, user: Randomizer, slug: str, pseudonym: str,
                     on: Annotated[dt.date, Form()]) -> Response:
    randomize(session=session, actor=user.name, slug=slug, pseudonyms=[pseudonym], on=on, settings=request.app.state.settings)
    return RedirectResponse(f"/intake/{slug}/{pseudonym}", status_code=303)


@router.get("/api/caseload", response_model=list[CaseloadPublic])
def caseload_api(session: SessionDep, user: Enroller) -> list[CaseloadPublic]:
    """The logged-in user's own caseload, by pseudonym."""
    return [CaseloadPublic(experiment=c.slug, pseudonym=c.pseudonym, enrolled_on=c.enrolled_on, consent=c.consent, arm=c.arm)
            for c in caseload(session=session, case_manager=user.name)]
