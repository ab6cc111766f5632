"""Intake by a case manager: enrol (BSN pseudonymized at the door), consent, randomize, see the arm, own caseload.

Every step calls the registry's service function with the logged-in user as actor, so the
permission matrix, the caseload rule and the audit log live in one place. The BSN is read from
the form body only: it is never echoed, logged, redirected to or rendered.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, SecretStr, ValidationError
from starlette.responses import Response

from proeftuin.design import TrialPlan
from proeftuin.registry.allocate import participant_arm, randomize
from proeftuin.registry.crud import get_experiment
from proeftuin.registry.experiments import trial_plan
from proeftuin.registry.intake import IntakeError, enrol, latest_consents, participants_by_pseudonym, record_consent
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


async def _form_fields(request: Request) -> dict[str, str]:
    """The text fields of the posted form (read once; the CSRF check has already parsed it)."""
    return {name: value for name, value in (await request.form()).items() if isinstance(value, str)}


FormFields = Annotated[dict[str, str], Depends(_form_fields)]


def _plan_of(session: SessionDep, slug: str | None) -> tuple[str | None, TrialPlan | None]:
    """The chosen experiment (the first with a plan when none is chosen) and its plan."""
    for overview in experiment_overviews(session=session):
        if slug is None or overview.slug == slug:
            experiment = get_experiment(session=session, slug=overview.slug)
            if experiment.plan is not None:
                return overview.slug, trial_plan(experiment)
    return slug, None


def _intake_page(request: Request, session: SessionDep, user_name: str, errors: list[str], form: dict[str, str],
                 slug: str | None = None, status: int = 200) -> Response:
    chosen, plan = _plan_of(session, slug or form.get("experiment"))
    return render(request, "intake.html", {"experiments": experiment_overviews(session=session), "errors": errors, "form": form,
                                           "chosen": chosen, "covariates": plan.covariates if plan else {},
                                           "caseload": caseload(session=session, case_manager=user_name), "today": dt.date.today()},
                  status_code=status)


@router.get("/intake", include_in_schema=False)
def intake_page(request: Request, session: SessionDep, user: Enroller, experiment: str | None = None) -> Response:
    """The intake form of ``experiment`` (the first by default): the covariates its plan declares, with their categories."""
    return _intake_page(request, session, user.name, [], {}, slug=experiment)


@router.post("/intake/enrol", include_in_schema=False, dependencies=[CsrfChecked])
def enrol_person(
    request: Request, session: SessionDep, user: Enroller, fields: FormFields, experiment: Annotated[str, Form()],
    bsn: Annotated[str, Form()], enrolled_on: Annotated[str, Form()],
) -> Response:
    """Enrol one person with the covariates the experiment's plan declares; on success go to their page
    (by pseudonym), else show the form again without the BSN."""
    _, plan = _plan_of(session, experiment)
    declared = plan.covariates if plan else {}
    shown = {k: v for k, v in fields.items() if k not in ("bsn", "csrf_token")}
    covariates: dict[str, str] = {}
    for name, spec in declared.items():
        value = fields.get(name, "")
        covariates[name] = ("true" if value == "yes" else "false") if spec.type == "boolean" else value
    try:
        person = EnrolmentCreate(bsn=SecretStr(bsn.strip()), enrolled_on=enrolled_on, covariates=covariates)  # type: ignore[arg-type]
        [enrolled] = enrol(session=session, actor=user.name, slug=experiment, people=[person], settings=request.app.state.settings)
    except ValidationError as exc:
        return _intake_page(request, session, user.name, _errors(exc), shown, status=422)
    except IntakeError as exc:
        return _intake_page(request, session, user.name, [f"{exc.column}: {exc.message}" if exc.column else exc.message], shown, status=422)
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
