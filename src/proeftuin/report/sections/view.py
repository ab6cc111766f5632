"""One trial's extra sections as the report template shows them: rows and sentences in one language."""

from __future__ import annotations

from dataclasses import dataclass, field

from proeftuin.analysis.trial import TrialResults
from proeftuin.design.outcomes import OutcomeDefinition
from proeftuin.design.plan import TrialPlan
from proeftuin.report.i18n import Lang, t
from proeftuin.report.sections.balance import (
    BalanceRow,
    LeeRow,
    ResponseRow,
    balance_rows,
    balance_sentences,
    lee_rows,
    response_rows,
    response_sentences,
)
from proeftuin.report.sections.data import TrialSections
from proeftuin.report.sections.services import ServiceRow, contamination_sentence, service_rows
from proeftuin.report.sections.sources import AgreementRow, SourceEffectRow, agreement_rows, source_effect_rows, source_sentence
from proeftuin.report.sections.subgroups import InteractionRow, SubgroupRow, interaction_rows, subgroup_notes, subgroup_rows


@dataclass(frozen=True)
class SectionsView:
    """What one trial's extra sections show; a ``*_message`` stands where a section has no table."""

    title: str
    subgroup_notes: list[str] = field(default_factory=list)
    subgroups: list[SubgroupRow] = field(default_factory=list)
    interactions: list[InteractionRow] = field(default_factory=list)
    services: list[ServiceRow] = field(default_factory=list)
    services_note: str = ""
    agreement: list[AgreementRow] = field(default_factory=list)
    source_effects: list[SourceEffectRow] = field(default_factory=list)
    sources_notes: list[str] = field(default_factory=list)
    balance: list[BalanceRow] = field(default_factory=list)
    balance_notes: list[str] = field(default_factory=list)
    response_wave: int | None = None
    response: list[ResponseRow] = field(default_factory=list)
    response_notes: list[str] = field(default_factory=list)
    lee: list[LeeRow] = field(default_factory=list)


def sections_view(results: TrialResults, sections: TrialSections, plan: TrialPlan | None, definitions: dict[str, OutcomeDefinition],
                  lang: Lang, min_cell: int) -> SectionsView:
    """Every extra section of one trial in ``lang``, counts published under ``min_cell`` (see the section modules)."""
    spec = results.spec
    level = round(results.level * 100)
    view: dict[str, object] = {"title": f"{spec.municipality}: {spec.name}"}
    s = sections.subgroups
    if s is None:
        view["subgroup_notes"] = [t("no_strata", lang)]
    else:
        outcome = results.definition(s.outcome)
        view.update(subgroup_notes=subgroup_notes(s, plan, outcome, lang), subgroups=subgroup_rows(s, spec, plan, outcome, lang, min_cell),
                    interactions=interaction_rows(s, spec, plan, lang))
    if sections.services is not None:
        view.update(services=service_rows(sections.services, spec, lang, min_cell),
                    services_note=contamination_sentence(sections.services, spec, lang, min_cell))
    r = sections.reconciliation
    if r is None:
        view["sources_notes"] = [t("no_cbs", lang)]
    else:
        effects = source_effect_rows(r, spec, definitions, lang, min_cell)
        view.update(agreement=agreement_rows(r, spec, lang, min_cell), source_effects=effects,
                    sources_notes=[t("sources_intro", lang), source_sentence(effects, level, lang)])
    arm_sizes = results.n_randomized
    if sections.balance is not None:
        view.update(balance=balance_rows(sections.balance, spec, plan, arm_sizes, lang, min_cell),
                    balance_notes=balance_sentences(sections.balance, sections.covariates, plan, spec, lang))
    else:
        view["balance_notes"] = [t("balance_not_computable", lang)]
    if sections.response is not None:
        labels = {o.name: o.label(lang) for o in results.outcomes}
        view.update(response_wave=sections.response.wave, response=response_rows(sections.response.report, spec, lang, min_cell),
                    response_notes=response_sentences(sections.response, spec, lang, min_cell),
                    lee=lee_rows(sections.response, spec, labels, lang, min_cell))
    else:
        view["response_notes"] = [t("response_not_computable" if sections.response_problem else "no_follow_up_wave", lang)]
    return SectionsView(**view)  # type: ignore[arg-type]
