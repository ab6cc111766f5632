"""One trial's extra sections as the report template shows them: rows and sentences in one language."""

from __future__ import annotations

from dataclasses import dataclass, field

from proeftuin.analysis.trial import TrialResults
from proeftuin.design.outcomes import OutcomeDefinition
from proeftuin.design.plan import TrialPlan
from proeftuin.report.i18n import Lang, t
from proeftuin.report.sections.balance import (
    BalanceLine,
    LeeRow,
    ResponseRow,
    balance_lines,
    balance_sentences,
    lee_rows,
    response_rows,
    response_sentences,
)
from proeftuin.report.sections.data import TrialSections
from proeftuin.report.sections.services import ServiceRow, contamination_sentence, service_rows
from proeftuin.report.sections.sources import AgreementRow, SourceEffectRow, agreement_rows, source_effect_rows, source_sentence
from proeftuin.report.sections.subgroups import InteractionRow, SubgroupRow, interaction_rows, subgroup_notes, subgroup_rows


@dataclass
class SectionsView:
    """What one trial's extra sections show (filled by :func:`sections_view`); a note stands where a section has no table."""

    title: str
    subgroup_notes: list[str] = field(default_factory=list)
    subgroups: list[SubgroupRow] = field(default_factory=list)
    interactions: list[InteractionRow] = field(default_factory=list)
    services: list[ServiceRow] = field(default_factory=list)
    services_notes: list[str] = field(default_factory=list)
    agreement: list[AgreementRow] = field(default_factory=list)
    source_effects: list[SourceEffectRow] = field(default_factory=list)
    sources_notes: list[str] = field(default_factory=list)
    arms: list[str] = field(default_factory=list)
    """The treatment arms' labels: the columns of the balance table."""
    balance: list[BalanceLine] = field(default_factory=list)
    balance_notes: list[str] = field(default_factory=list)
    response_wave: int | None = None
    response: list[ResponseRow] = field(default_factory=list)
    response_notes: list[str] = field(default_factory=list)
    lee: list[LeeRow] = field(default_factory=list)


def sections_view(results: TrialResults, sections: TrialSections, plan: TrialPlan | None, definitions: dict[str, OutcomeDefinition],
                  lang: Lang, min_cell: int) -> SectionsView:
    """Every extra section of one trial in ``lang``, counts published under ``min_cell`` (see the section modules)."""
    spec = results.spec
    view = SectionsView(f"{spec.municipality}: {spec.name}")
    s = sections.subgroups
    if s is None:
        view.subgroup_notes.append(t("no_strata", lang))
    else:
        outcome = results.definition(s.outcome)
        view.subgroup_notes.extend(subgroup_notes(s, plan, outcome, lang))
        view.subgroups.extend(subgroup_rows(s, spec, plan, outcome, lang, min_cell))
        view.interactions.extend(interaction_rows(s, spec, plan, lang))
    if sections.services is not None:
        view.services.extend(service_rows(sections.services, spec, lang, min_cell))
        view.services_notes.append(contamination_sentence(sections.services, spec, lang, min_cell))
    r = sections.reconciliation
    if r is None:
        view.sources_notes.append(t("no_cbs", lang))
    else:
        view.agreement.extend(agreement_rows(r, spec, lang, min_cell))
        view.source_effects.extend(source_effect_rows(r, spec, definitions, lang, min_cell))
        view.sources_notes.extend([t("sources_intro", lang), source_sentence(view.source_effects, round(results.level * 100), lang)])
    if sections.balance is not None:
        view.arms.extend(arm.label(lang) for arm in spec.treatments)
        view.balance.extend(balance_lines(sections.balance, spec, plan, results.n_randomized, lang, min_cell))
        view.balance_notes.extend(balance_sentences(sections.balance, sections.covariates, plan, spec, lang))
    else:
        view.balance_notes.append(t("balance_not_computable", lang))
    response = sections.response
    if response is not None:
        labels = {o.name: o.label(lang) for o in results.outcomes}
        view.response_wave = response.wave
        view.response.extend(response_rows(response.report, spec, lang, min_cell))
        view.response_notes.extend(response_sentences(response, spec, lang, min_cell))
        view.lee.extend(lee_rows(response, spec, labels, lang, min_cell))
    else:
        view.response_notes.append(t("response_not_computable" if sections.response_problem else "no_follow_up_wave", lang))
    return view
