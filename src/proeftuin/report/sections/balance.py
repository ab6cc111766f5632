"""Balance at baseline and response to the survey, each followed by what the analysis did about it:
the adjusted estimates control for the plan's covariates; the survey effects are for respondents and
the Lee (2009) bounds give the range of the effect for those who would answer in any arm."""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import dataclass

from proeftuin.analysis import AttritionReport, BalanceTable
from proeftuin.design.plan import TrialPlan
from proeftuin.design.spec import ExperimentSpec
from proeftuin.report.disclosure import Line, is_disclosive, publish
from proeftuin.report.i18n import MISSING, Lang, number, t
from proeftuin.report.sections.data import Response
from proeftuin.report.sections.labels import column_label, covariate_name


@dataclass(frozen=True)
class BalanceRow:
    covariate: str
    arm: str
    mean_control: str
    mean_arm: str
    std_diff: str
    p_value: str
    suppressed: bool


@dataclass(frozen=True)
class ResponseRow:
    arm: str
    n: str
    responded: str
    rate: str


def response_cells(report: AttritionReport, min_cell: int) -> dict[Hashable, str]:
    """The response table's counts as published: per arm ``("n", arm)`` randomized and ``("responded", arm)``;
    those who did not answer are hidden, and the arms add up to the randomized total that the flow diagram
    shows, so no suppressed count comes back by subtraction."""
    values: dict[Hashable, int] = {("total",): sum(r.n for r in report.rates)}
    hidden: dict[Hashable, int] = {}
    lines = [Line(("total",), tuple(("n", r.arm) for r in report.rates))]
    for r in report.rates:
        values[("n", r.arm)], values[("responded", r.arm)] = r.n, r.responded
        hidden[("missing", r.arm)] = r.n - r.responded
        lines.append(Line(("n", r.arm), (("responded", r.arm), ("missing", r.arm))))
    return publish(values, lines, min_cell=min_cell, hidden=hidden)


def response_rows(report: AttritionReport, spec: ExperimentSpec, lang: Lang, min_cell: int) -> list[ResponseRow]:
    """Per arm: randomized, responded and the response rate (not shown with a suppressed count)."""
    shown = response_cells(report, min_cell)
    rows = []
    for r in report.rates:
        open_ = shown[("n", r.arm)] == str(r.n) and shown[("responded", r.arm)] == str(r.responded)
        rows.append(ResponseRow(spec.arm(r.arm).label(lang), shown[("n", r.arm)], shown[("responded", r.arm)],
                                number(100 * r.rate, lang, digits=0) + "%" if open_ else MISSING))
    return rows


def balance_rows(balance: BalanceTable, spec: ExperimentSpec, plan: TrialPlan | None, arm_sizes: dict[str, int], lang: Lang,
                 min_cell: int) -> list[BalanceRow]:
    """Every covariate column in every arm against control, labelled as the reader knows it ("Opleiding: laag");
    no means for an arm or control group of fewer than ``min_cell`` people. The table shows means and no counts,
    so no count can be recovered from it by subtraction: the small groups alone are hidden."""
    rows = []
    for b in balance.rows:
        small = is_disclosive(arm_sizes.get(b.arm, 0), arm_sizes.get(balance.control, 0), min_cell=min_cell)
        label, arm = column_label(plan, b.covariate, lang), spec.arm(b.arm).label(lang)
        if small:
            rows.append(BalanceRow(label, arm, "", "", "", "", True))
            continue
        rows.append(BalanceRow(label, arm, number(b.mean_control, lang, digits=2), number(b.mean_arm, lang, digits=2),
                               number(b.std_diff, lang, digits=2, signed=True), number(b.p_value, lang, digits=3), False))
    return rows


@dataclass(frozen=True)
class BalanceLine:
    """One covariate column across the arms (the printed report's compact table): the control mean, then per
    treatment arm ``mean (standardized difference)``, or the suppression mark for a small arm."""

    covariate: str
    mean_control: str
    arms: tuple[str, ...]


def balance_lines(balance: BalanceTable, spec: ExperimentSpec, plan: TrialPlan | None, arm_sizes: dict[str, int], lang: Lang,
                  min_cell: int) -> list[BalanceLine]:
    """The rows of :func:`balance_rows` with the arms side by side, in the order of ``spec.treatments``."""
    rows = balance_rows(balance, spec, plan, arm_sizes, lang, min_cell)
    labels = [arm.label(lang) for arm in spec.treatments]
    by_column: dict[str, dict[str, BalanceRow]] = {}
    for row in rows:
        by_column.setdefault(row.covariate, {})[row.arm] = row
    lines = []
    for covariate, cells in by_column.items():
        control = next((c.mean_control for c in cells.values() if not c.suppressed), MISSING)
        lines.append(BalanceLine(covariate, control, tuple(
            MISSING if label not in cells else f"<{min_cell}" if cells[label].suppressed else f"{cells[label].mean_arm} ({cells[label].std_diff})"
            for label in labels)))
    return lines


def balance_sentences(balance: BalanceTable, covariates: tuple[str, ...], plan: TrialPlan | None, spec: ExperimentSpec, lang: Lang) -> list[str]:
    """The joint test, the largest standardized difference and what the analysis did about imbalance."""
    o = balance.omnibus
    sentences = [t("balance_joint", lang, statistic=number(o.statistic, lang, digits=1), df=o.df, p=number(o.asymptotic_p_value, lang, digits=3))]
    finite = [b for b in balance.rows if math.isfinite(b.std_diff)]
    if finite:
        worst = max(finite, key=lambda b: abs(b.std_diff))
        sentences.append(t("balance_largest", lang, value=number(abs(worst.std_diff), lang, digits=2),
                           covariate=column_label(plan, worst.covariate, lang), arm=spec.arm(worst.arm).label(lang)))
    names = ", ".join(covariate_name(plan, c, lang) for c in covariates)
    sentences.append(t("balance_done", lang, covariates=names))
    return sentences


def response_sentences(response: Response, spec: ExperimentSpec, lang: Lang, min_cell: int) -> list[str]:
    """What response means for the survey effects, and the Lee bounds per survey index and arm."""
    report = response.report
    shown = response_cells(report, min_cell)
    rates = {r.arm: r for r in report.rates}
    open_ = {a for a, r in rates.items() if shown[("n", a)] == str(r.n) and shown[("responded", a)] == str(r.responded)}
    control = spec.control.code
    gaps = [abs(rates[a].rate - rates[control].rate) for a in rates if a != control and a in open_ and control in open_]
    sentences = [t("response_joint", lang, wave=response.wave, p=number(report.joint.p_value, lang, digits=3))]
    if gaps:
        sentences.append(t("response_done", lang, points=number(100 * max(gaps), lang, digits=0)))
    else:
        sentences.append(t("response_done_suppressed", lang))
    return sentences


@dataclass(frozen=True)
class LeeRow:
    index: str
    arm: str
    lower: str
    upper: str
    trimmed: str


def lee_rows(response: Response, spec: ExperimentSpec, labels: dict[str, str], lang: Lang, min_cell: int) -> list[LeeRow]:
    """The Lee bounds of every survey index and arm (points on the 0-10 scale); none for an arm whose counts are suppressed."""
    shown = response_cells(response.report, min_cell)
    rates = {r.arm: r for r in response.report.rates}

    def open_(arm: str) -> bool:
        return shown[("n", arm)] == str(rates[arm].n) and shown[("responded", arm)] == str(rates[arm].responded)

    rows = []
    for index, b in response.lee:
        if not (open_(b.arm) and open_(spec.control.code)):
            continue
        trimmed = t("lee_trimmed", lang, group=spec.arm(b.arm).label(lang) if b.trimmed == "arm" else spec.control.label(lang),
                    share=number(100 * b.trimming_share, lang, digits=0))
        rows.append(LeeRow(labels.get(index, index), spec.arm(b.arm).label(lang), number(b.lower, lang, digits=2, signed=True),
                           number(b.upper, lang, digits=2, signed=True), trimmed))
    return rows
