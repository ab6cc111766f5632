"""The subgroup section: each arm's effect within every level of the subgroup variables, the interaction
tests and their Holm-adjusted p-values; a cell under the disclosure threshold (or one that would give it
back by subtraction from the arm's total) shows no numbers."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

from proeftuin.design.outcomes import OutcomeDefinition
from proeftuin.design.plan import TrialPlan
from proeftuin.design.spec import ExperimentSpec
from proeftuin.report.disclosure import SECONDARY, Line, protect
from proeftuin.report.forest import format_effect
from proeftuin.report.i18n import Lang, number, t
from proeftuin.report.sections.data import Subgroups
from proeftuin.report.sections.labels import covariate_name, value_label


@dataclass(frozen=True)
class SubgroupRow:
    """One arm in one subgroup level as the reader sees it; ``hidden`` (the reason) when its cells are suppressed."""

    subgroup: str
    level: str
    arm: str
    n: str
    estimate: str
    ci: str
    p_value: str
    hidden: str


@dataclass(frozen=True)
class InteractionRow:
    """Whether one arm's effect differs between the levels of one subgroup variable."""

    subgroup: str
    arm: str
    statistic: str
    p_value: str
    p_adjusted: str


def suppressed_cells(section: Subgroups, spec: ExperimentSpec, min_cell: int) -> frozenset[Hashable]:
    """The (subgroup, level, arm) cells not to show: each arm's (and the control group's) cells add up to
    its total over the levels, which the table of all estimates shows (complementary suppression)."""
    values: dict[Hashable, int] = {}
    lines = []
    for analysis in section.analyses:
        counts: dict[tuple[str, str], int] = {}
        for item in analysis.effects:
            counts[(item.level, item.effect.term)] = item.effect.n_arm
            counts[(item.level, spec.control.code)] = item.effect.n_control
        for code in {code for _, code in counts}:
            cells = tuple((analysis.subgroup, level, code) for level in analysis.levels)
            values.update({(analysis.subgroup, level, code): counts[(level, code)] for level in analysis.levels})
            values[(analysis.subgroup, "total", code)] = section.totals[code]
            lines.append(Line((analysis.subgroup, "total", code), cells))
    return protect(values, lines, min_cell=min_cell)


def subgroup_rows(section: Subgroups, spec: ExperimentSpec, plan: TrialPlan | None, outcome: OutcomeDefinition, lang: Lang,
                  min_cell: int) -> list[SubgroupRow]:
    """Every (subgroup, level, arm) effect in reporting units, the suppressed ones with the reason."""
    hidden = suppressed_cells(section, spec, min_cell)
    rows = []
    for analysis in section.analyses:
        for item in analysis.effects:
            e = item.effect
            cells = [(analysis.subgroup, item.level, e.term), (analysis.subgroup, item.level, spec.control.code)]
            name, level, arm = covariate_name(plan, analysis.subgroup, lang), value_label(item.level, lang), spec.arm(e.term).label(lang)
            if any(c in hidden for c in cells):
                small = any(0 < n < min_cell for n in (e.n_arm, e.n_control))
                reason = t("subgroup_small" if small else "subgroup_secondary", lang, k=min_cell)
                rows.append(SubgroupRow(name, level, arm, f"<{min_cell}" if small else SECONDARY, "", "", "", reason))
                continue
            n = f"{e.n_arm} / {e.n_control}"
            if e.not_estimable is not None:
                rows.append(SubgroupRow(name, level, arm, n, "", "", "", t("not_estimable_short", lang)))
                continue
            estimate, ci = format_effect(e.estimate, e.ci_low, e.ci_high, outcome, lang)
            rows.append(SubgroupRow(name, level, arm, n, estimate, ci, number(e.p_value, lang, digits=3), ""))
    return rows


def interaction_rows(section: Subgroups, spec: ExperimentSpec, plan: TrialPlan | None, lang: Lang) -> list[InteractionRow]:
    """The interaction test of every arm and subgroup variable, with its Holm-adjusted p-value."""
    rows = []
    for analysis in section.analyses:
        for test in analysis.interactions:
            if test.arm == "all":
                continue
            adjusted = section.adjusted.get((analysis.subgroup, test.arm), float("nan"))
            rows.append(InteractionRow(covariate_name(plan, analysis.subgroup, lang), spec.arm(test.arm).label(lang),
                                       number(test.test.statistic, lang, digits=2), number(test.test.p_value, lang, digits=3),
                                       number(adjusted, lang, digits=3)))
    return rows


def subgroup_notes(section: Subgroups, plan: TrialPlan | None, outcome: OutcomeDefinition, lang: Lang) -> list[str]:
    """What the section did, in words: which subgroups (the strata: the plan declares none), which outcome,
    the adjustment (Holm over the trial's interaction tests) and why a variable has no effects."""
    names = ", ".join(covariate_name(plan, a.subgroup, lang) for a in section.analyses) or t("none", lang)
    notes = [t("subgroup_intro", lang, subgroups=names, outcome=outcome.label(lang)),
             t("subgroup_holm", lang, m=section.family_size)]
    for problem in section.problems:
        notes.append(t(f"subgroup_{problem.code}", lang, subgroup=covariate_name(plan, problem.subgroup, lang),
                       level=value_label(problem.level, lang)))
    return notes

