"""The sources section: how often municipal and CBS records agree, per arm, on being on benefit and on
working, and whether a labour outcome's effect differs by source (the effect on the difference of the
two records among people with both)."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

from proeftuin.analysis.inference import NotEstimable
from proeftuin.design.outcomes import OutcomeDefinition
from proeftuin.design.spec import ExperimentSpec
from proeftuin.report.disclosure import Line, publish
from proeftuin.report.forest import format_effect
from proeftuin.report.i18n import MISSING, Lang, number, t
from proeftuin.report.reasons import reason_text
from proeftuin.report.sections.data import Reconciliation


@dataclass(frozen=True)
class AgreementRow:
    arm: str
    measure: str
    n_both: str
    agreement: str
    share_municipal: str
    share_cbs: str


@dataclass(frozen=True)
class SourceEffectRow:
    outcome: str
    arm: str
    municipal: str
    cbs: str
    difference: str
    ci: str
    p_value: str
    significant: bool


def agreement_rows(reconciliation: Reconciliation, spec: ExperimentSpec, lang: Lang, min_cell: int) -> list[AgreementRow]:
    """Per arm and measure: person-months in both sources and the share on which they agree; the share is
    not shown when the disagreeing or agreeing person-months are under the threshold."""
    values: dict[Hashable, int] = {}
    hidden: dict[Hashable, int] = {}
    lines = []
    for a in reconciliation.agreement:
        values[("both", a.arm, a.measure)], values[("disagree", a.arm, a.measure)] = a.n_both, a.n_disagree
        hidden[("agree", a.arm, a.measure)] = a.n_both - a.n_disagree
        lines.append(Line(("both", a.arm, a.measure), (("disagree", a.arm, a.measure), ("agree", a.arm, a.measure))))
    shown = publish(values, lines, min_cell=min_cell, hidden=hidden)
    rows = []
    for a in reconciliation.agreement:
        hide = any(shown[(k, a.arm, a.measure)] != str(values[(k, a.arm, a.measure)]) for k in ("both", "disagree"))
        rows.append(AgreementRow(
            spec.arm(a.arm).label(lang), t(f"measure_{a.measure}", lang), shown[("both", a.arm, a.measure)],
            MISSING if hide else number(100 * (1 - a.n_disagree / a.n_both), lang, digits=1) + "%",
            MISSING if hide else number(100 * a.share_municipal, lang, digits=1) + "%",
            MISSING if hide else number(100 * a.share_cbs, lang, digits=1) + "%"))
    return rows


def source_effect_rows(reconciliation: Reconciliation, spec: ExperimentSpec, definitions: dict[str, OutcomeDefinition], lang: Lang,
                       min_cell: int) -> list[SourceEffectRow]:
    """Each labour outcome's effect by municipal and CBS records and the difference with its interval;
    no numbers for an arm or control group under the threshold."""
    rows = []
    for s in reconciliation.effects:
        definition = definitions[s.outcome]
        small = any(0 < n < min_cell for e in (s.municipal, s.cbs, s.difference) for n in (e.n_arm, e.n_control))
        label, arm = definition.label(lang), spec.arm(s.arm).label(lang)
        if small:
            rows.append(SourceEffectRow(label, arm, t("suppressed", lang, k=min_cell), "", "", "", "", False))
            continue
        municipal, cbs = (format_effect(e.estimate, e.ci_low, e.ci_high, definition, lang)[0] for e in (s.municipal, s.cbs))
        d = s.difference
        if d.not_estimable is not None:  # the same record in both sources for everyone: nothing to test
            identical = NotEstimable.parse(d.not_estimable) == (NotEstimable.NO_VARIATION, {})
            why = t("sources_identical", lang) if identical else reason_text(d.not_estimable, lang)
            rows.append(SourceEffectRow(label, arm, municipal, cbs, why, "", "", False))
            continue
        difference, ci = format_effect(d.estimate, d.ci_low, d.ci_high, definition, lang)
        rows.append(SourceEffectRow(label, arm, municipal, cbs, difference, ci, number(d.p_value, lang, digits=3),
                                    d.not_estimable is None and (d.ci_low > 0 or d.ci_high < 0)))
    return rows


def source_sentence(rows: list[SourceEffectRow], level: int, lang: Lang) -> str:
    """How many effects differ by source at the report's level, in words."""
    shown = [r for r in rows if r.ci]
    differ = sum(r.significant for r in shown)
    return t("sources_differ", lang, k=differ, m=len(shown), level=level)
