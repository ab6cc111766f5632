"""The audit page: the latest audit events and a button running the same check as ``proeftuin verify``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from proeftuin.registry.roles import Operation
from proeftuin.registry.verify import verify_registry
from proeftuin.web.deps import Allowed, CsrfChecked, SessionDep, render
from proeftuin.registry.listings import recent_audit_events

router = APIRouter(tags=["audit"])
Reader = Allowed[Operation.read_audit]
Verifier = Allowed[Operation.verify]


@router.get("/audit", include_in_schema=False)
def audit_page(request: Request, session: SessionDep, _user: Reader) -> Response:
    return render(request, "audit.html", {"events": recent_audit_events(session=session), "report": None})


@router.post("/audit/verify", include_in_schema=False, dependencies=[CsrfChecked])
def verify(request: Request, session: SessionDep, user: Verifier) -> Response:
    """Recompute every allocation from its seal and the audit chain (as ``proeftuin verify``)."""
    report = verify_registry(session=session, actor=user.name, settings=request.app.state.settings)
    return render(request, "audit.html", {"events": recent_audit_events(session=session), "report": report})
