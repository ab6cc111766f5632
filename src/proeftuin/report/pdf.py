"""The report as PDF, drawn by matplotlib alone (no system libraries): pages of estimates, then the figures.

The same content as the HTML report's table of adjusted estimates and its forest plots (pooled
panels included), formatted by the same functions (:func:`~proeftuin.report.html.effect_row`).
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib.pyplot as plt
from matplotlib.backends.backend_pdf import PdfPages

from proeftuin.analysis.trial import TrialResults
from proeftuin.report.forest import forest_figure
from proeftuin.report.html import ReportContext, effect_row, forest_panels, outcome_definitions, pooled_caption
from proeftuin.report.i18n import Lang, t

ROWS_PER_PAGE = 34
A4 = (8.27, 11.69)


def render_pdf(trials: Sequence[TrialResults], *, lang: Lang = "nl", context: ReportContext | None = None) -> bytes:
    """The report of ``trials`` as PDF bytes: the adjusted estimates as tables (small cells
    suppressed), then one forest plot per outcome with the pooled panel where arms pool."""
    context = context or ReportContext()
    fraction = trials[0].level if trials else 0.9
    level = round(fraction * 100)
    definitions = outcome_definitions(trials)
    header = [t("municipality", lang), t("arm", lang), t("outcome", lang), t("estimate", lang), t("ci", lang, level=level), "p", "n"]
    rows = []
    for definition in definitions:
        for results in trials:
            for effect in (e for e in results.adjusted if e.outcome == definition.name):
                row = effect_row(effect, results, lang, context.min_cell)
                estimate = t("suppressed", lang, k=context.min_cell) if row.suppressed else row.estimate
                rows.append([row.municipality[:18], row.arm[:24], row.outcome[:34], estimate, row.ci, row.p_value, row.n])
    names = ", ".join(r.spec.municipality for r in trials)
    buffer = io.BytesIO()
    with PdfPages(buffer, metadata={"Title": f"proeftuin: {names}", "Creator": "proeftuin"}) as pdf:
        for start in range(0, max(len(rows), 1), ROWS_PER_PAGE):
            figure, ax = plt.subplots(figsize=A4)
            ax.axis("off")
            ax.set_title(f"{t('pdf_title', lang)}: {names}\n{t('pdf_subtitle', lang, level=level)}", fontsize=10, loc="left")
            chunk = rows[start:start + ROWS_PER_PAGE]
            if chunk:
                table = ax.table(cellText=chunk, colLabels=header, loc="upper left", cellLoc="left")
                table.auto_set_font_size(False)
                table.set_fontsize(6.5)
                table.auto_set_column_width(list(range(len(header))))
            pdf.savefig(figure)
            plt.close(figure)
        for definition in definitions:
            pooled = context.pooled.get(definition.name, [])
            figure = forest_figure(forest_panels(trials, definition, lang, pooled), outcome=definition, lang=lang, level=fraction)
            figure.suptitle(definition.label(lang), fontsize=10)
            if pooled:
                figure.text(0.01, 0.002, pooled_caption(pooled, lang), fontsize=6, wrap=True, va="bottom")
            pdf.savefig(figure, bbox_inches="tight")
            plt.close(figure)
    return buffer.getvalue()


__all__ = ["render_pdf"]
