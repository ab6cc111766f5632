"""Data for researchers and admins: upload outcome and survey files, the import history, the two-source reconciliation.

Uploads go through the workflow's import functions (all or nothing): a file with any error is
not imported at all, and the page lists the error by file, row and column.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request, UploadFile
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from proeftuin.registry import get_experiment
from proeftuin.registry.roles import Operation
from proeftuin.web.deps import Allowed, CsrfChecked, SessionDep, render
from proeftuin.registry.listings import import_history
from proeftuin.web.queries import reconciliation_rows
from proeftuin.web.results import experiment_slugs
from proeftuin.web.uploads import upload_folder
from proeftuin.workflow.imports import Source, import_outcomes, import_survey
from proeftuin.workflow.tabular import TabularError

router = APIRouter(tags=["data"])
Importer = Allowed[Operation.import_data]
SUFFIXES = (".csv", ".xlsx", ".parquet")
MAX_UPLOAD_BYTES = 64 * 1024 * 1024
"""The largest upload request (file and form together); a larger one gets 413 as it streams in."""
SOURCES: dict[str, Source] = {"municipal": "municipal", "cbs": "cbs"}
"""The record sources a form may name, each as the import's typed source."""


def _page(request: Request, session: SessionDep, slug: str, *, outcome: dict | None = None, status: int = 200) -> Response:
    experiment = get_experiment(session=session, slug=slug)
    min_cell = request.app.state.settings.min_cell
    return render(request, "data.html", {"experiment": experiment, "slug": slug, "history": import_history(session=session, slug=slug),
                                         "reconciliation": reconciliation_rows(session=session, slug=slug, min_cell=min_cell),
                                         "outcome": outcome, "min_cell": min_cell, "sources": SOURCES}, status_code=status)


@router.get("/data", include_in_schema=False)
def data_index(request: Request, session: SessionDep, _user: Importer) -> Response:
    return render(request, "data_index.html", {"experiments": experiment_slugs(session)})


@router.get("/data/{slug}", include_in_schema=False)
def data_page(request: Request, session: SessionDep, _user: Importer, slug: str) -> Response:
    return _page(request, session, slug)


async def _save(upload: UploadFile, folder: Path) -> Path:
    """The upload under its own base name in ``folder`` (so messages name the user's file)."""
    name = Path(upload.filename or "").name
    if not name or Path(name).suffix.lower() not in SUFFIXES:
        raise HTTPException(status_code=422, detail=f"choose a {', '.join(SUFFIXES)} file")
    path = folder / name
    with path.open("wb") as out:
        while chunk := await upload.read(1 << 20):
            out.write(chunk)
    return path


@router.post("/data/{slug}/upload", include_in_schema=False, dependencies=[CsrfChecked], max_body_size=MAX_UPLOAD_BYTES)
async def upload(request: Request, session: SessionDep, user: Importer, slug: str, file: UploadFile,
                 kind: Annotated[str, Form()], source: Annotated[str, Form()] = "municipal", wave: Annotated[str, Form()] = "") -> Response:
    """Import one outcomes or survey file; the page shows what was imported or every place the file is wrong."""
    get_experiment(session=session, slug=slug)
    session.close()  # the import writes in its own transaction; SQLite allows one writer
    if kind not in ("outcomes", "survey") or source not in SOURCES:
        raise HTTPException(status_code=422, detail="kind must be outcomes or survey, source municipal or cbs")
    engine = request.app.state.engine
    with upload_folder() as folder:
        path = await _save(file, Path(folder))
        try:
            if kind == "outcomes":
                result = await run_in_threadpool(import_outcomes, engine, path, slug=slug, actor=user.name, source=SOURCES[source])
            else:
                if not wave.strip().isdigit():
                    raise TabularError(path.name, f"wave must be a whole number (0 = baseline); got {wave!r}")
                result = await run_in_threadpool(import_survey, engine, path, slug=slug, actor=user.name, wave=int(wave))
        except TabularError as exc:
            message = str(exc).replace(f"{folder}/", "")
            outcome = {"ok": False, "file": path.name, "row": exc.row, "column": exc.column,
                       "message": message.split(": ", 1)[-1] if ": " in message else message, "full": message}
            return _page(request, session, slug, outcome=outcome, status=422)
    request.app.state.results_cache.clear(slug)
    session.expire_all()
    return _page(request, session, slug, outcome={"ok": True, "file": path.name, "result": result})
