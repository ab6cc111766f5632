"""What a reader sees, in Dutch first and English as a choice."""

from __future__ import annotations

import math
from functools import cache, lru_cache
from typing import Literal

from babel import Locale
from babel.numbers import NumberPattern, format_currency, format_decimal, parse_pattern

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
    "table_in_html": {
        "nl": "Elk effect op elke uitkomst, gecorrigeerd en ongecorrigeerd, met interval, p-waarde, aantallen en het niveau van de controlegroep: "
              "de tabel staat in de HTML-versie van dit rapport (proeftuin report --format html), niet in deze afdruk.",
        "en": "Every effect on every outcome, adjusted and unadjusted, with its interval, p-value, numbers and the control group's level: "
              "the table is in the HTML version of this report (proeftuin report --format html), not in this print.",
    },
    "lee_in_html": {
        "nl": "De Lee-grenzen van het effect op elke index van de vragenlijst staan in de HTML-versie van dit rapport (proeftuin report --format html).",
        "en": "The Lee bounds of the effect on every survey index are in the HTML version of this report (proeftuin report --format html).",
    },
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
    "none": {"nl": "geen", "en": "none"},
    "yes": {"nl": "ja", "en": "yes"},
    "no": {"nl": "nee", "en": "no"},
    "reason_zero_standard_error": {"nl": "de standaardfout is nul (geen restvariatie om tegen te toetsen)", "en": "standard error is zero (no residual variation to test against)"},
    "reason_undefined_standard_error": {"nl": "de standaardfout is niet gedefinieerd", "en": "standard error is undefined"},
    "reason_no_degrees_of_freedom": {"nl": "geen vrijheidsgraden over voor de toets", "en": "no degrees of freedom left for the test"},
    "reason_no_variation": {"nl": "de uitkomst varieert niet", "en": "no variation in the outcome"},
    "reason_no_observations_arm": {"nl": "geen waarnemingen in deze groep", "en": "no observations in this arm"},
    "reason_no_observations_control": {"nl": "geen waarnemingen in de controlegroep", "en": "no observations in the control group"},
    "reason_leverage_one": {
        "nl": "een waarneming in deze groep heeft hefboom 1 (een cel met één persoon): {vcov} is niet gedefinieerd",
        "en": "an observation of this arm has leverage 1 (a cell with one person): {vcov} is undefined",
    },
    "reason_too_few_observations": {"nl": "minder waarnemingen dan coëfficiënten", "en": "fewer observations than coefficients"},
    "reason_too_few_clusters": {"nl": "waarnemingen in minder dan 2 clusters: geen clusterrobuuste variantie", "en": "observations in fewer than 2 clusters: no cluster-robust variance"},
    "reason_no_follow_up": {"nl": "niemand beantwoordde een vervolgmeting", "en": "no follow-up answers"},
    "section_subgroups": {"nl": "Subgroepen", "en": "Subgroups"},
    "section_services": {"nl": "Ontvangen begeleiding per groep", "en": "Services received per arm"},
    "section_sources": {"nl": "Gemeente en CBS naast elkaar", "en": "Municipal and CBS records side by side"},
    "section_balance": {"nl": "Balans bij de start en respons op de vragenlijst", "en": "Balance at baseline and survey response"},
    "subgroup": {"nl": "Subgroep", "en": "Subgroup"},
    "level_of": {"nl": "Waarde", "en": "Level"},
    "interaction": {"nl": "Verschilt het effect tussen de subgroepen?", "en": "Does the effect differ between subgroups?"},
    "f_statistic": {"nl": "F-toets", "en": "F statistic"},
    "p_holm": {"nl": "p-waarde (Holm)", "en": "p-value (Holm)"},
    "subgroup_intro": {
        "nl": "Het plan noemt geen eigen subgroepen; de subgroepen zijn daarom de strata van de loting ({subgroups}). Per subgroep het effect op {outcome}, gecorrigeerd voor de overige achtergrondkenmerken.",
        "en": "The plan declares no subgroups of its own, so the subgroups are the randomization's strata ({subgroups}). Per subgroup the effect on {outcome}, adjusted for the other baseline characteristics.",
    },
    "subgroup_holm": {
        "nl": "De interactietoets vraagt of het effect tussen de subgroepen verschilt; de p-waarden zijn gecorrigeerd voor meervoudig toetsen met de methode van Holm over alle interactietoetsen van dit experiment (aantal: {m}).",
        "en": "The interaction test asks whether the effect differs between the subgroups; its p-values are adjusted for multiple testing by Holm's method over all interaction tests of this experiment (number: {m}).",
    },
    "subgroup_single_level": {"nl": "{subgroup}: maar één waarde bij de deelnemers met uitkomsten, dus geen subgroepen.", "en": "{subgroup}: a single value among the participants with outcomes, so no subgroups."},
    "subgroup_empty_level": {"nl": "{subgroup}: in de subgroep {level} zit niet iedere groep, dus geen subgroepeffecten.", "en": "{subgroup}: the subgroup {level} lacks an arm, so no subgroup effects."},
    "subgroup_not_computable": {"nl": "{subgroup}: de subgroepeffecten zijn niet te schatten.", "en": "{subgroup}: the subgroup effects cannot be estimated."},
    "subgroup_small": {"nl": "niet getoond: minder dan {k} personen", "en": "not shown: fewer than {k} people"},
    "subgroup_secondary": {"nl": "niet getoond: zou een cel van minder dan {k} personen verraden", "en": "not shown: would give away a cell of fewer than {k} people"},
    "no_strata": {"nl": "Het plan noemt geen subgroepen en de loting is niet gestratificeerd: geen subgroepanalyse.", "en": "The plan declares no subgroups and the randomization is not stratified: no subgroup analysis."},
    "kind": {"nl": "Soort", "en": "Kind"},
    "any_service": {"nl": "enige begeleiding", "en": "any service"},
    "n_randomized": {"nl": "Geloot", "en": "Randomized"},
    "n_received": {"nl": "Ontvangen", "en": "Received"},
    "share_received": {"nl": "Aandeel", "en": "Share"},
    "contacts_per_person": {"nl": "Contacten per persoon", "en": "Contacts per person"},
    "minutes_per_person": {"nl": "Minuten per persoon", "en": "Minutes per person"},
    "services_none": {"nl": "Voor dit experiment is geen ontvangen begeleiding geregistreerd.", "en": "No services received are recorded for this experiment."},
    "services_control_none": {"nl": "De controlegroep kreeg geen geregistreerde begeleiding.", "en": "The control group received no recorded services."},
    "services_control_suppressed": {
        "nl": "Ook de controlegroep kreeg begeleiding; het aantal wordt niet getoond (minder dan {k} personen of daaruit af te leiden).",
        "en": "The control group received services too; the number is not shown (fewer than {k} people, or derivable from the totals).",
    },
    "services_control": {
        "nl": "Ook de controlegroep kreeg begeleiding: {share}% van de deelnemers, gemiddeld {minutes} minuten per persoon (de experimentgroepen: {treated} minuten). De effecten vergelijken dus met een controlegroep die niet niets kreeg.",
        "en": "The control group received services too: {share}% of its participants, {minutes} minutes per person on average (the treatment arms: {treated} minutes). The effects are therefore against a control group that did not receive nothing.",
    },
    "measure": {"nl": "Kenmerk", "en": "Measure"},
    "measure_on_benefit": {"nl": "in de bijstand", "en": "on benefit"},
    "measure_working": {"nl": "aan het werk", "en": "working"},
    "person_months": {"nl": "Persoonsmaanden in beide bronnen", "en": "Person-months in both sources"},
    "agreement": {"nl": "Overeenstemming", "en": "Agreement"},
    "share_municipal": {"nl": "Volgens gemeente", "en": "By municipality"},
    "share_cbs": {"nl": "Volgens CBS", "en": "By CBS"},
    "effect_municipal": {"nl": "Effect (gemeente)", "en": "Effect (municipal)"},
    "effect_cbs": {"nl": "Effect (CBS)", "en": "Effect (CBS)"},
    "difference_sources": {"nl": "Verschil gemeente - CBS", "en": "Difference municipal - CBS"},
    "sources_intro": {
        "nl": "Per groep hoe vaak de gemeentelijke registratie en die van het CBS het eens zijn over een persoonsmaand; daaronder het effect volgens elke bron en het verschil tussen beide, geschat bij de deelnemers die in beide bronnen voorkomen.",
        "en": "Per arm how often the municipal and the CBS records agree on a person-month; below, the effect by each source and the difference between them, estimated among the participants found in both.",
    },
    "sources_differ": {
        "nl": "Bij {k} van de {m} effecten verschilt de uitkomst tussen de bronnen (het {level}%-interval van het verschil bevat geen nul).",
        "en": "For {k} of the {m} effects the result differs between the sources (the {level}% interval of the difference excludes zero).",
    },
    "sources_identical": {"nl": "gelijk in beide bronnen", "en": "the same in both sources"},
    "no_cbs": {"nl": "Geen CBS-gegevens geïmporteerd: geen vergelijking van bronnen.", "en": "No CBS records imported: no comparison of sources."},
    "covariate": {"nl": "Kenmerk", "en": "Covariate"},
    "balance_caption": {
        "nl": "Gemiddelde bij de start per groep; tussen haakjes het gestandaardiseerde verschil met de controlegroep.",
        "en": "Mean at baseline per arm; in brackets the standardized difference from the control group.",
    },
    "mean_control": {"nl": "Gemiddelde controle", "en": "Control mean"},
    "balance_joint": {"nl": "Gezamenlijke toets op balans: χ² = {statistic}, df = {df}, p = {p}.", "en": "Joint test of balance: χ² = {statistic}, df = {df}, p = {p}."},
    "balance_largest": {"nl": "Het grootste gestandaardiseerde verschil is {value} ({covariate}, {arm}).", "en": "The largest standardized difference is {value} ({covariate}, {arm})."},
    "balance_done": {
        "nl": "Wat de analyse daarmee doet: de gecorrigeerde schattingen corrigeren voor {covariates}, zoals het plan vastlegt; een toevallig verschil bij de start vertekent ze dus niet.",
        "en": "What the analysis does about it: the adjusted estimates control for {covariates}, as the plan declares, so a chance difference at baseline does not bias them.",
    },
    "balance_not_computable": {"nl": "De balans is niet te berekenen met deze gegevens.", "en": "Balance cannot be computed from these data."},
    "responded": {"nl": "Geantwoord", "en": "Responded"},
    "response_rate": {"nl": "Respons", "en": "Response rate"},
    "response_title": {"nl": "Respons op de laatste vervolgmeting (golf {wave})", "en": "Response to the last follow-up (wave {wave})"},
    "response_joint": {"nl": "Toets op verschil in respons tussen de groepen (golf {wave}): p = {p}.", "en": "Test of differential response between the arms (wave {wave}): p = {p}."},
    "response_done": {
        "nl": "Wat de analyse daarmee doet: de effecten op de vragenlijst gelden voor wie antwoordde, en de respons verschilt tot {points} procentpunt tussen een groep en de controlegroep. De Lee-grenzen hieronder (Lee 2009) geven het bereik van het effect voor wie in elke groep zou antwoorden.",
        "en": "What the analysis does about it: the survey effects are for those who answered, and response differs by up to {points} percentage points between an arm and the control group. The Lee bounds below (Lee 2009) give the range of the effect for those who would answer in any arm.",
    },
    "response_done_suppressed": {
        "nl": "Wat de analyse daarmee doet: de effecten op de vragenlijst gelden voor wie antwoordde; de Lee-grenzen hieronder (Lee 2009) geven het bereik van het effect voor wie in elke groep zou antwoorden.",
        "en": "What the analysis does about it: the survey effects are for those who answered; the Lee bounds below (Lee 2009) give the range of the effect for those who would answer in any arm.",
    },
    "response_not_computable": {"nl": "De respons is niet te berekenen met deze gegevens.", "en": "Response cannot be computed from these data."},
    "no_follow_up_wave": {"nl": "Nog geen vervolgmeting van de vragenlijst: geen respons te tonen.", "en": "No follow-up survey wave yet: no response to show."},
    "lee_title": {"nl": "Lee-grenzen van de effecten op de vragenlijst (punten, schaal 0-10)", "en": "Lee bounds of the survey effects (points, 0-10 scale)"},
    "lee_lower": {"nl": "Ondergrens", "en": "Lower bound"},
    "lee_upper": {"nl": "Bovengrens", "en": "Upper bound"},
    "lee_trimming": {"nl": "Ingekort", "en": "Trimmed"},
    "lee_trimmed": {"nl": "{group}: {share}%", "en": "{group}: {share}%"},
    "index": {"nl": "Index", "en": "Index"},
}


def number(value: float, lang: Lang, *, digits: int = 1, signed: bool = False) -> str:
    """``value`` in ``lang``'s notation (Babel): ``+8,3`` in Dutch, ``+8.3`` in English; :data:`MISSING` for NaN."""
    if value is None or not math.isfinite(value):
        return MISSING
    return _formatted(round(value, digits) + 0.0, lang, digits, signed)  # + 0.0: a value that rounds to zero is "0,0", not "-0,0"


@lru_cache(maxsize=4096)
def _formatted(value: float, lang: Lang, digits: int, signed: bool) -> str:
    """Babel's formatting of an already rounded value, kept: a report writes 6,600 numbers, 1,050 of them distinct."""
    return format_decimal(value, format=_pattern(digits, signed), locale=_locale(lang))


@cache
def _pattern(digits: int, signed: bool) -> NumberPattern:
    """Babel's pattern for :func:`number`, parsed once (a report formats thousands of numbers)."""
    body = "#,##0" + ("." + "0" * digits if digits else "")
    return parse_pattern(f"+{body};-{body}" if signed else body)


@cache
def _locale(lang: Lang) -> Locale:
    return Locale.parse(LOCALES[lang])


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
