"""What a reader sees, in Dutch first and English as a choice."""

from __future__ import annotations

import math
from typing import Literal

from babel.numbers import format_currency, format_decimal

Lang = Literal["nl", "en"]
LANGUAGES: tuple[Lang, ...] = ("nl", "en")
LOCALES: dict[Lang, str] = {"nl": "nl_NL", "en": "en_GB"}
"""The Babel locale of each report language: decimal commas and "€ 1.319" in Dutch."""
MISSING = "–"
"""What a table shows for a number that does not exist (never ``nan``)."""

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
    "figure_note": {
        "nl": "Punt: geschat effect; lijn: {level}%-betrouwbaarheidsinterval; gecorrigeerd voor achtergrondkenmerken{survey}. Het niveau van de controlegroep staat boven elk paneel.",
        "en": "Point: estimated effect; line: {level}% confidence interval; adjusted for baseline characteristics{survey}. The control group's level is printed above each panel.",
    },
    "survey_note": {"nl": " en de nulmeting", "en": " and the baseline answer"},
    "all_outcomes": {"nl": "Alle uitkomsten", "en": "All outcomes"},
    "monthly": {"nl": "Effect per maand: {label}", "en": "Effect by month: {label}"},
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
        "nl": "{moment}, {strata}; SHA-256 van de startwaarde (seed): {commitment}… (startwaarde na afloop gepubliceerd, na te rekenen met proeftuin verify).",
        "en": "{moment}, {strata}; SHA-256 of the seed: {commitment}… (seed published afterwards; recompute with proeftuin verify).",
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
    "net_income": {"nl": "Netto per maand (€)", "en": "Net per month (€)"},
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
    "language_switch": {"nl": "English version", "en": "Nederlandse versie"},
    "contents": {"nl": "Inhoud", "en": "Contents"},
    "summary": {"nl": "In het kort", "en": "In brief"},
    "summary_note": {
        "nl": "Per groep het effect ten opzichte van de controlegroep, in woorden. 'Geen duidelijk effect' betekent dat het {level}%-interval nul bevat: de gegevens sluiten geen effect niet uit.",
        "en": "Each arm's effect against the control group, in words. 'No clear effect' means that the {level}% interval includes zero: the data do not rule out no effect.",
    },
    "figure_title": {"nl": "Figuur {n}: {label}", "en": "Figure {n}: {label}"},
    "figure_last_wave": {"nl": "{label} (score 0-10), laatste meting", "en": "{label} (score 0-10), last wave"},
    "in_words": {"nl": "In woorden", "en": "In words"},
    "pooled_who": {"nl": "Gepoold, {group} (k={k})", "en": "Pooled, {group} (k={k})"},
    "sentence_interval": {"nl": "{level}%-interval: {low} tot {high}", "en": "{level}% interval: {low} to {high}"},
    "sentence_more_binary": {"nl": "{who}: {value} procentpunt meer mensen ({interval})", "en": "{who}: {value} percentage points more people ({interval})"},
    "sentence_less_binary": {"nl": "{who}: {value} procentpunt minder mensen ({interval})", "en": "{who}: {value} percentage points fewer people ({interval})"},
    "sentence_more_score": {"nl": "{who}: {value} punt hoger op de schaal van 0 tot 10 ({interval})", "en": "{who}: {value} points higher on the 0-10 scale ({interval})"},
    "sentence_less_score": {"nl": "{who}: {value} punt lager op de schaal van 0 tot 10 ({interval})", "en": "{who}: {value} points lower on the 0-10 scale ({interval})"},
    "sentence_more_own_score": {"nl": "{who}: {value} punt hoger ({interval})", "en": "{who}: {value} points higher ({interval})"},
    "sentence_less_own_score": {"nl": "{who}: {value} punt lager ({interval})", "en": "{who}: {value} points lower ({interval})"},
    "sentence_more_amount": {"nl": "{who}: {value} per maand meer ({interval})", "en": "{who}: {value} a month more ({interval})"},
    "sentence_less_amount": {"nl": "{who}: {value} per maand minder ({interval})", "en": "{who}: {value} a month less ({interval})"},
    "sentence_unclear": {"nl": "{who}: geen duidelijk effect ({interval})", "en": "{who}: no clear effect ({interval})"},
    "sentence_not_estimable": {"nl": "{who}: niet te schatten ({reason})", "en": "{who}: not estimable ({reason})"},
    "sentence_suppressed": {"nl": "{who}: niet gepubliceerd, te weinig deelnemers (< {k})", "en": "{who}: not published, too few participants (< {k})"},
    "not_estimable_short": {"nl": "niet te schatten", "en": "not estimable"},
    "not_estimable_reason": {"nl": "niet te schatten: {reason}", "en": "not estimable: {reason}"},
    "definitions": {"nl": "Definities van de uitkomsten", "en": "Definitions of the outcomes"},
    "definition_labour": {
        "nl": "{label}: 1 als iemand dit in minstens één maand van de looptijd van het experiment had, anders 0 (uit de maandgegevens); het effect is het verschil in procentpunten.",
        "en": "{label}: 1 if a person had this in any month of the experiment's period, else 0 (from the monthly records); the effect is the difference in percentage points.",
    },
    "definition_income": {
        "nl": "{label}: de gemiddelde bijstandsuitkering per maand over iemands maanden, berekend met de rekenregels van zijn of haar groep; het effect is in euro per maand.",
        "en": "{label}: the mean monthly benefit over a person's months, computed with the rules of his or her arm; the effect is in euros a month.",
    },
    "definition_survey": {
        "nl": "{label}: score van 0 tot 10 uit de vragenlijst, bij de vervolgmeting(en) die het plan analyseert; gecorrigeerd voor de score bij de nulmeting.",
        "en": "{label}: score from 0 to 10 from the questionnaire, at the follow-up wave(s) the plan analyses; adjusted for the baseline score.",
    },
    "definition_own_ever": {
        "nl": "{label}: 1 als iemand in minstens één maand {window} een 1 had, anders 0 (een eigen uitkomst van het experiment, uit de aangeleverde maandgegevens); {unit}.",
        "en": "{label}: 1 if a person had a 1 in any month {window}, else 0 (an outcome of the experiment's own, from the monthly records supplied); {unit}.",
    },
    "definition_own_mean": {
        "nl": "{label}: het gemiddelde over de maanden met gegevens {window} (een eigen uitkomst van het experiment, uit de aangeleverde maandgegevens); {unit}.",
        "en": "{label}: the mean over the months with a record {window} (an outcome of the experiment's own, from the monthly records supplied); {unit}.",
    },
    "definition_own_last": {
        "nl": "{label}: de waarde in de laatste maand met gegevens {window} (een eigen uitkomst van het experiment, uit de aangeleverde maandgegevens); {unit}.",
        "en": "{label}: the value in the last month with a record {window} (an outcome of the experiment's own, from the monthly records supplied); {unit}.",
    },
    "own_window_all": {"nl": "sinds de loting", "en": "since randomization"},
    "own_window_from": {"nl": "vanaf maand {first} na de loting", "en": "from month {first} after randomization"},
    "own_window_range": {"nl": "van maand {first} tot en met maand {last} na de loting", "en": "from month {first} to month {last} after randomization"},
    "own_unit_binary": {"nl": "het effect is het verschil in procentpunten", "en": "the effect is the difference in percentage points"},
    "own_unit_score": {"nl": "het effect is in punten", "en": "the effect is in points"},
    "own_unit_amount": {"nl": "het effect is in euro", "en": "the effect is in euros"},
    "randomized_after_consent": {"nl": "Verzegelde loting na toestemming", "en": "Sealed randomization after consent"},
    "randomized_before_invitation": {
        "nl": "Verzegelde loting vóór de uitnodiging (de brief noemde de groep)",
        "en": "Sealed randomization before invitation (the letter named the group)",
    },
    "stratified_by": {"nl": "gestratificeerd naar {strata}", "en": "stratified by {strata}"},
    "not_stratified": {"nl": "niet gestratificeerd", "en": "not stratified"},
    "page": {"nl": "pagina", "en": "page"},
}


def number(value: float, lang: Lang, *, digits: int = 1, signed: bool = False) -> str:
    """``value`` in ``lang``'s notation (Babel): ``+8,3`` in Dutch, ``+8.3`` in English; :data:`MISSING` for NaN."""
    if value is None or not math.isfinite(value):
        return MISSING
    value = round(value, digits) + 0.0  # + 0.0: a value that rounds to zero is "0,0", not "-0,0"
    body = "#,##0" + ("." + "0" * digits if digits else "")
    pattern = f"+{body};-{body}" if signed else body
    return format_decimal(value, format=pattern, locale=LOCALES[lang])


def euro(value: float, lang: Lang) -> str:
    """An amount in whole euros as the locale writes it: ``€ 1.319`` in Dutch, ``€1,319`` in English."""
    if value is None or not math.isfinite(value):
        return MISSING
    return format_currency(value, "EUR", format="¤ #,##0" if lang == "nl" else "¤#,##0", locale=LOCALES[lang], currency_digits=False)


def t(key: str, lang: Lang, **values: object) -> str:
    """The text ``key`` in ``lang``, formatted with ``values``."""
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {LANGUAGES}; got {lang!r}")
    return TEXT[key][lang].format(**values)
