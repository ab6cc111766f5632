"""What a reader sees, in Dutch first and English as a choice."""

from __future__ import annotations

from typing import Literal

Lang = Literal["nl", "en"]
LANGUAGES: tuple[Lang, ...] = ("nl", "en")

TEXT: dict[str, dict[Lang, str]] = {
    "title": {"nl": "Experimenten Participatiewet: resultaten", "en": "Participation Act experiments: results"},
    "subtitle": {
        "nl": "Effecten t.o.v. de controlegroep in procentpunten (werk) of punten (schaal 0-10), met {level}%-betrouwbaarheidsinterval.",
        "en": "Effects against the control group in percentage points (work) or points (0-10 scale), with {level}% confidence intervals.",
    },
    "control_level": {"nl": "Controlegroep: {value}", "en": "Control group: {value}"},
    "effect_pp": {"nl": "Effect (procentpunten)", "en": "Effect (percentage points)"},
    "effect_points": {"nl": "Effect (punten, schaal 0-10)", "en": "Effect (points, 0-10 scale)"},
    "effect_euro": {"nl": "Effect (euro per maand)", "en": "Effect (euros per month)"},
    "figure1": {"nl": "Figuur 1: Uitstroom > 8 uur per week", "en": "Figure 1: Outflow to work > 8 hours a week"},
    "figure2": {"nl": "Figuur 2: Sociaal vertrouwen (score 0-10), laatste meting", "en": "Figure 2: Social trust (score 0-10), last wave"},
    "figure_note": {
        "nl": "Punt: geschat effect; lijn: {level}%-betrouwbaarheidsinterval; gecorrigeerd voor achtergrondkenmerken{survey}. Het niveau van de controlegroep staat boven elk paneel.",
        "en": "Point: estimated effect; line: {level}% confidence interval; adjusted for baseline characteristics{survey}. The control group's level is printed above each panel.",
    },
    "survey_note": {"nl": " en de nulmeting", "en": " and the baseline answer"},
    "all_outcomes": {"nl": "Alle uitkomsten", "en": "All outcomes"},
    "monthly": {"nl": "Effect per maand: werk > 8 uur per week", "en": "Effect by month: work > 8 hours a week"},
    "month": {"nl": "Maanden sinds loting", "en": "Months since randomization"},
    "table": {"nl": "Tabel van alle schattingen", "en": "Table of all estimates"},
    "municipality": {"nl": "Gemeente", "en": "Municipality"},
    "arm": {"nl": "Groep", "en": "Arm"},
    "outcome": {"nl": "Uitkomst", "en": "Outcome"},
    "estimate": {"nl": "Effect", "en": "Effect"},
    "ci": {"nl": "{level}%-BI", "en": "{level}% CI"},
    "p_value": {"nl": "p-waarde", "en": "p-value"},
    "n": {"nl": "n (groep / controle)", "en": "n (arm / control)"},
    "control_mean": {"nl": "Niveau controlegroep", "en": "Control level"},
    "adjusted": {"nl": "gecorrigeerd", "en": "adjusted"},
    "unadjusted": {"nl": "ongecorrigeerd", "en": "unadjusted"},
    "suppressed": {"nl": "onderdrukt (< {k})", "en": "suppressed (< {k})"},
    "design": {"nl": "Opzet", "en": "Design"},
    "participants": {"nl": "Deelnemers", "en": "Participants"},
    "period": {"nl": "Looptijd", "en": "Period"},
    "arms": {"nl": "Groepen", "en": "Arms"},
    "seal": {
        "nl": "Verzegelde loting na toestemming, gestratificeerd naar {strata}; SHA-256 van het zaad: {commitment}… (zaad na afloop gepubliceerd, na te rekenen met proeftuin verify).",
        "en": "Sealed randomization after consent, stratified by {strata}; SHA-256 of the seed: {commitment}… (seed published afterwards; recompute with proeftuin verify).",
    },
    "synthetic": {
        "nl": "Synthetische gegevens: dit rapport is gemaakt met de simulator van proeftuin, niet met echte deelnemers.",
        "en": "Synthetic data: this report was made with proeftuin's simulator, not with real participants.",
    },
    "generated": {"nl": "Gemaakt met proeftuin {version} op {date}.", "en": "Made with proeftuin {version} on {date}."},
    "work_pays": {"nl": "Loont werken? Netto-inkomen naar gewerkte uren per groep", "en": "Does work pay? Net income by hours worked, per arm"},
    "work_pays_note": {
        "nl": "Netto-inkomen per maand (uitkering + netto loon + premies) van een alleenstaande bij werk tegen het minimumloon, in de eerste maand van de vrijlating, op de startdatum van elk experiment; volgens de rekenregels van proeftuin.rules.",
        "en": "Net monthly income (benefit + net earnings + premiums) of a single person working at the minimum wage, in the first month of the disregard, on each experiment's start date; computed with proeftuin.rules.",
    },
    "earnings_only": {"nl": "alleen loon", "en": "earnings only"},
    "hours_per_week": {"nl": "Uren per week", "en": "Hours per week"},
    "net_income": {"nl": "Netto per maand (EUR)", "en": "Net per month (EUR)"},
    "pooled_title": {"nl": "Gepoold over gemeenten (REML, random effects)", "en": "Pooled across municipalities (REML, random effects)"},
    "pooled_note": {
        "nl": " De onderste rij per groepstype is het gepoolde effect over de gemeenten (meta-analyse met random effects; k = aantal groepen).",
        "en": " The bottom rows pool each type of arm across municipalities (random-effects meta-analysis; k = number of arms).",
    },
    "component_exemption": {"nl": "Zelf in Actie", "en": "Self in Action"},
    "component_intensive": {"nl": "Extra Hulp", "en": "Extra Help"},
    "component_disregard": {"nl": "Werken Loont", "en": "Work Pays"},
    "component_work_bonus": {"nl": "Werkbonus", "en": "Work bonus"},
    "component_coaching": {"nl": "Coaching", "en": "Coaching"},
    "component_choice": {"nl": "Keuzegroep", "en": "Choice group"},
    "not_estimable": {"nl": "Niet te schatten:", "en": "Not estimable:"},
    "pdf_title": {"nl": "Resultaten", "en": "Results"},
    "pdf_subtitle": {
        "nl": "gecorrigeerd voor kenmerken bij de start, {level}%-BI; werk in procentpunten, scores in punten (0-10)",
        "en": "adjusted for baseline covariates, {level}% CI; work in percentage points, scores in points (0-10)",
    },
    "language_switch": {"nl": "English version", "en": "Nederlandse versie"},
}


def t(key: str, lang: Lang, **values: object) -> str:
    """The text ``key`` in ``lang``, formatted with ``values``."""
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {LANGUAGES}; got {lang!r}")
    return TEXT[key][lang].format(**values)
