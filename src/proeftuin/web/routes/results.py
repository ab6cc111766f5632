"""Results for researchers: CONSORT flow, balance, attrition, forest plots, monthly profiles, pooling, the report."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, Response

from proeftuin.registry.roles import Operation
from proeftuin.web.deps import Allowed, LangDep, SessionDep, render
from proeftuin.web.results import ExperimentResults, experiment_slugs, pooled_table

router = APIRouter(tags=["results"])
Researcher = Allowed[Operation.run_analysis]


def _results(request: Request, session: SessionDep, slug: str) -> ExperimentResults:
    """Cached results (400 for an unknown experiment)."""
    state = request.app.state
    return state.results_cache.get(session, state.engine, slug, state.settings.min_cell)


NOT_YET = {
    "too-few": "no analysis yet: fewer than 2 people randomized to an arm",
    "no-outcomes": "no analysis yet: import outcomes first",
}


def _not_yet(request: Request, results: ExperimentResults) -> Response:
    """409 with the reason there is no report yet (the analysis's own message when it failed)."""
    detail = NOT_YET.get(results.problem or "", results.problem or "no analysis yet")
    return render(request, "error.html", {"status": 409, "detail": detail}, status_code=409)


@router.get("/results", include_in_schema=False)
def results_index(request: Request, session: SessionDep, _user: Researcher, lang: LangDep) -> Response:
    """Every experiment, and the effects pooled across municipalities (REML, 90%)."""
    slugs = experiment_slugs(session)
    all_results = [_results(request, session, slug) for slug, _ in slugs]
    return render(request, "results_index.html", {"experiments": slugs, "pooled": pooled_table(all_results, lang),
                                                  "analysed": sum(1 for r in all_results if r.trial is not None)})


@router.get("/results/{slug}", include_in_schema=False)
def results_page(request: Request, session: SessionDep, _user: Researcher, lang: LangDep, slug: str) -> Response:
    results = _results(request, session, slug)
    return render(request, "results.html", {"r": results, "body": results.body(lang, request.app.state.settings.min_cell)})


@router.get("/results/{slug}/report.html", include_in_schema=False)
def report_download(request: Request, session: SessionDep, _user: Researcher, lang: LangDep, slug: str) -> Response:
    """The self-contained HTML report of this experiment, as a download."""
    results = _results(request, session, slug)
    if results.downloads is None:
        return _not_yet(request, results)
    name = f"proeftuin-{slug}-{lang}.html"
    return HTMLResponse(results.download(lang, "html"), headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/results/{slug}/report.pdf", include_in_schema=False)
def report_pdf_download(request: Request, session: SessionDep, _user: Researcher, lang: LangDep, slug: str) -> Response:
    """The results as PDF (estimates and forest plots, drawn by matplotlib), as a download."""
    results = _results(request, session, slug)
    if results.downloads is None:
        return _not_yet(request, results)
    name = f"proeftuin-{slug}-{lang}.pdf"
    return Response(results.download(lang, "pdf"), media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
