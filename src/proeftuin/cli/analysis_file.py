"""``proeftuin export analysis``: the analysis file of a trial (:mod:`proeftuin.workflow.analysis_file`)."""


from pathlib import Path

import typer

from proeftuin.cli.app import fail
from proeftuin.report.i18n import LANGUAGES, Lang


def export_analysis(*, db: str, user: str, experiment: str, out: Path, fmt: str | None, lang: str) -> None:
    """Write the analysis file of ``experiment`` as ``fmt``; every refusal is one error line and exit 2."""
    from proeftuin.registry import RegistryError
    from proeftuin.workflow.analysis_file import FORMATS, export_analysis_file
    from proeftuin.workflow.database import DatabaseUnavailable, existing_registry
    from proeftuin.workflow.standard_analysis import NotAnalysable

    if fmt is None:
        raise fail(f"export analysis: --format is required ({', '.join(FORMATS)})")
    if fmt not in FORMATS:
        raise fail(f"export analysis: --format must be one of {', '.join(FORMATS)}; got {fmt!r}")
    if lang not in LANGUAGES:
        raise fail(f"export analysis: --lang must be one of {', '.join(LANGUAGES)}; got {lang!r}")
    language: Lang = "nl" if lang == "nl" else "en"
    try:
        engine = existing_registry(db)
    except DatabaseUnavailable as exc:
        raise fail(str(exc)) from None
    try:
        file = export_analysis_file(engine, actor=user, slug=experiment, out=out, fmt=fmt, lang=language)
    except (RegistryError, NotAnalysable, ValueError, OSError) as exc:
        raise fail(f"export analysis: {exc}") from None
    finally:
        engine.dispose()
    typer.echo(f"wrote {len(file.frame)} rows, {len(file.variables)} variables to {out}")
