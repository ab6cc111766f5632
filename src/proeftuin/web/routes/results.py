"""Results for researchers: CONSORT flow, balance, attrition, forest plots, monthly profiles, pooling, the report."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, Response

from proeftuin.registry.roles import Operation
from proeftuin.web.deps import Allowed, LangDep, SessionDep, render
from proeftuin.web.results import ExperimentResults, experiment_slugs, pooled_rows

router = APIRouter(tags=["results"])
Researcher = Allowed[Operation.run_analysis]


def _results(request: Request, session: SessionDep, slug: str) -> ExperimentResults:
    """Cached results (400 for an unknown experiment)."""
    state = request.app.state
    return state.results_cache.get(session, state.engine, slug, state.settings.min_cell)


@router.get("/results", include_in_schema=False)
def results_index(request: Request, session: SessionDep, _user: Researcher, lang: LangDep) -> Response:
    """Every experiment, and the effects pooled across municipalities (REML, 90%)."""
    slugs = experiment_slugs(session)
    all_results = [_results(request, session, slug) for slug, _ in slugs]
    return render(request, "results_index.html", {"experiments": slugs, "pooled": pooled_rows(all_results, lang, request.app.state.settings.min_cell),
                                                  "analysed": sum(1 for r in all_results if r.trial is not None)})


@router.get("/results/{slug}", include_in_schema=False)
def results_page(request: Request, session: SessionDep, _user: Researcher, lang: LangDep, slug: str) -> Response:
    results = _results(request, session, slug)
    return render(request, "results.html", {"r": results, "body": results.body(lang, request.app.state.settings.min_cell)})


@router.get("/results/{slug}/report.html", include_in_schema=False)
def report_download(request: Request, session: SessionDep, _user: Researcher, lang: LangDep, slug: str) -> Response:
    """The self-contained HTML report of this experiment, as a download."""
    results = _results(request, session, slug)
    if results.trial is None:
        return render(request, "error.html", {"status": 409, "detail": "no analysis yet: import outcomes first"}, status_code=409)
    html = results.report(lang, request.app.state.settings.min_cell)
    name = f"proeftuin-{slug}-{lang}.html"
    return HTMLResponse(html, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/results/{slug}/report.pdf", include_in_schema=False)
def report_pdf_download(request: Request, session: SessionDep, _user: Researcher, lang: LangDep, slug: str) -> Response:
    """The results as PDF (estimates and forest plots, drawn by matplotlib), as a download."""
    results = _results(request, session, slug)
    if results.trial is None:
        return render(request, "error.html", {"status": 409, "detail": "no analysis yet: import outcomes first"}, status_code=409)
    name = f"proeftuin-{slug}-{lang}.pdf"
    return Response(results.pdf(lang, request.app.state.settings.min_cell), media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
