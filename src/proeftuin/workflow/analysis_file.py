"""Use case: the analysis file of a trial, to analyse it elsewhere (Stata, SPSS, R, Python, Excel).

One row per randomized participant: the pseudonym, the arm (its code, labelled), the stratum and
cluster where the trial has them, the baseline covariates the plan declares, every outcome the
standard analysis derives (:func:`proeftuin.workflow.standard_analysis.trial_outcomes`: the labour
period outcomes, the benefit paid, each survey index at baseline and follow-up) and the response
indicator of the last follow-up wave (the attrition analysis'). The standard analysis computes no
inverse-probability weights, so the file has none; a researcher who wants them has the response
indicator and the covariates to fit them.

Every variable is described once in a :class:`Variable` (the codebook): its name, Dutch and
English label, type, categories with their labels, unit and definition. The codebook travels
with each format:

- ``dta`` (Stata 14+, UTF-8) and ``sav`` (SPSS): variable labels and value labels in the chosen
  language, categories stored as codes 1..k (booleans 0/1); Stata names are at most 32
  characters (28 with value labels), so a longer name is shortened (:func:`stata_names`) and
  the mapping is the codebook's ``stata_name``; Stata labels are at most 80 characters (the
  full label is in the codebook);
- ``parquet``: the codebook as JSON in the file's key-value metadata (key ``proeftuin.codebook``);
- ``csv``: values as text, categories by their value;
- ``xlsx``: a data sheet and a codebook sheet.

Every format except ``xlsx`` also gets the codebook as a sidecar ``<file>.codebook.json``. Text
cells of CSV and Excel that a spreadsheet would run as a formula are escaped
(:func:`proeftuin.workflow.export.escape_formulas`, the other exports' rule). Files are written to
a temporary file in the target folder (readable by its owner only) and renamed, so a failure
leaves nothing half-written. The file is person-level (pseudonymized): researchers
only, and the export is audited.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from proeftuin.design.outcomes import INCOME_OUTCOMES, LABOUR_OUTCOMES, OutcomeDefinition
from proeftuin.design.plan import OwnOutcomeSpec
from proeftuin.design.vocabulary import category_label
from proeftuin.registry import get_experiment, session_scope
from proeftuin.registry.audit import Action, AuditLog
from proeftuin.registry.roles import Operation, authorize
from proeftuin.report.i18n import Lang
from proeftuin.workflow.export import escape_formulas
from proeftuin.workflow.standard_analysis import StoredTrial, check_analysable, last_response, load_trial, trial_outcomes

FileFormat = Literal["dta", "sav", "parquet", "csv", "xlsx"]
FORMATS: tuple[FileFormat, ...] = ("dta", "sav", "parquet", "csv", "xlsx")
VariableType = Literal["text", "category", "binary", "integer", "number"]
STATA_NAME_LENGTH = 32
STATA_LABELLED_NAME_LENGTH = 28
STATA_LABEL_LENGTH = 80
CODEBOOK_KEY = b"proeftuin.codebook"

_TEXT: dict[str, dict[Lang, str]] = {
    "pseudonym": {"nl": "Pseudoniem van de deelnemer", "en": "Participant's pseudonym"},
    "arm": {"nl": "Groep (loting)", "en": "Arm (randomized)"},
    "stratum": {"nl": "Stratum van de loting", "en": "Randomization stratum"},
    "cluster": {"nl": "Cluster (pseudoniem van het huishouden)", "en": "Cluster (household pseudonym)"},
    "no": {"nl": "nee", "en": "no"},
    "yes": {"nl": "ja", "en": "yes"},
    "covariate": {"nl": "Kenmerk bij de start (nulmeting)", "en": "Baseline characteristic"},
    "labour": {"nl": "1 als dit in enige maand {months} na de loting gold, anders 0; leeg zonder maandgegevens",
               "en": "1 if this held in any month {months} after randomization, else 0; empty without monthly records"},
    "months": {"nl": "van maand {first} tot en met {last}", "en": "from month {first} to {last}"},
    "months_open": {"nl": "vanaf maand {first}", "en": "from month {first} on"},
    "own": {"nl": "Eigen uitkomst uit kolom {column} van de maandgegevens: {summary} {months} na de loting; leeg zonder gegevens in die maanden",
            "en": "Own outcome from column {column} of the monthly records: {summary} {months} after randomization; empty without records in those months"},
    "own_ever": {"nl": "1 als het in enige maand 1 was, anders 0,", "en": "1 if it was 1 in any month, else 0,"},
    "own_mean": {"nl": "het gemiddelde over de maanden met gegevens", "en": "the mean over the months with a record"},
    "own_last": {"nl": "de waarde in de laatste maand met gegevens", "en": "the value in the last month with a record"},
    "income": {"nl": "Gemiddelde uitkering per maand onder de regeling van de groep (regelsmodule)",
               "en": "Mean monthly benefit under the arm's regime (rules engine)"},
    "follow_up": {"nl": "Score 0-10, gemiddeld over de geanalyseerde vervolgmetingen (golven {waves}); leeg als niet beantwoord",
                  "en": "Score 0-10, mean over the analysed follow-up waves ({waves}); empty if unanswered"},
    "baseline": {"nl": "Score 0-10 bij de nulmeting (golf 0); leeg als niet beantwoord",
                 "en": "Score 0-10 at the baseline wave (wave 0); empty if unanswered"},
    "baseline_label": {"nl": "{label} (nulmeting)", "en": "{label} (baseline)"},
    "responded": {"nl": "Vragenlijst golf {wave} beantwoord", "en": "Answered survey wave {wave}"},
    "responded_definition": {"nl": "1 als de deelnemer golf {wave} (de laatste vervolgmeting) beantwoordde, anders 0",
                             "en": "1 if the participant answered wave {wave} (the last follow-up), else 0"},
    "data": {"nl": "gegevens", "en": "data"},
    "codebook": {"nl": "codeboek", "en": "codebook"},
}


def _t(key: str, lang: Lang, **values: object) -> str:
    return _TEXT[key][lang].format(**values)


def _both(key: str, **values: object) -> tuple[str, str]:
    return _t(key, "nl", **values), _t(key, "en", **values)


@dataclass(frozen=True)
class Category:
    """One category of a variable: its ``code`` in Stata/SPSS, its ``value`` in the other formats, its labels."""

    code: int
    value: str
    label_nl: str
    label_en: str


@dataclass(frozen=True)
class Variable:
    """One column of the analysis file, as its codebook describes it."""

    name: str
    label_nl: str
    label_en: str
    type: VariableType
    categories: tuple[Category, ...] = ()
    unit: str = ""
    definition_nl: str = ""
    definition_en: str = ""
    stata_name: str = ""

    def label(self, lang: Lang) -> str:
        return self.label_nl if lang == "nl" else self.label_en

    def as_dict(self) -> dict[str, Any]:
        entry = asdict(self)
        entry["categories"] = [asdict(c) for c in self.categories]
        return entry


@dataclass(frozen=True)
class AnalysisFile:
    """The rows (``frame``: text as str, categories as their value, numbers as floats) and the codebook."""

    slug: str
    title: str
    frame: pd.DataFrame
    variables: tuple[Variable, ...]

    def codebook(self) -> dict[str, Any]:
        return {"experiment": self.slug, "title": self.title, "rows": len(self.frame), "variables": [v.as_dict() for v in self.variables]}


def stata_names(names: list[str], *, labelled: Collection[str] = ()) -> dict[str, str]:
    """Each name as Stata accepts it: at most 32 characters, at most 28 for a variable with value
    labels (pyreadstat names its label set after the variable plus a counter, and a Stata label
    name is at most 32 characters too). A longer name is cut to its limit and, if that clashes, to
    its limit with ``_2``, ``_3``... at its end; the mapping goes into the codebook."""
    def limit(name: str) -> int:
        return STATA_LABELLED_NAME_LENGTH if name in labelled else STATA_NAME_LENGTH

    taken: set[str] = {n for n in names if len(n) <= limit(n)}
    mapping: dict[str, str] = {}
    for name in names:
        short = name
        if len(name) > limit(name):
            short, k = name[: limit(name)], 1
            while short in taken:
                k += 1
                suffix = f"_{k}"
                short = name[: limit(name) - len(suffix)] + suffix
            taken.add(short)
        mapping[name] = short
    return mapping


def _binary(name: str, labels: tuple[str, str], definition: tuple[str, str]) -> Variable:
    categories = (Category(0, "0", *_both("no")), Category(1, "1", *_both("yes")))
    return Variable(name, *labels, "binary", categories, "", *definition)


def _window(first: int, last: int | None) -> tuple[str, str]:
    return _both("months", first=first, last=last) if last is not None else _both("months_open", first=first)


def _outcome_variable(outcome: OutcomeDefinition, definition: tuple[str, str]) -> Variable:
    labels = (outcome.label_nl, outcome.label_en)
    if outcome.kind == "binary":
        return _binary(outcome.name, labels, definition)
    return Variable(outcome.name, *labels, "number", (), {"amount": "EUR", "score": "0-10"}.get(outcome.kind, ""), *definition)


def _own_variable(outcome: OutcomeDefinition, spec: OwnOutcomeSpec) -> Variable:
    """An outcome of the plan's own: its summary over its window in words, its declared range as unit."""
    months_nl, months_en = _window(spec.window.first_month, spec.window.last_month)
    definition = (_t("own", "nl", column=spec.column, summary=_t(f"own_{spec.summary}", "nl"), months=months_nl),
                  _t("own", "en", column=spec.column, summary=_t(f"own_{spec.summary}", "en"), months=months_en))
    if outcome.kind == "binary":
        return _binary(outcome.name, (outcome.label_nl, outcome.label_en), definition)
    unit = f"{spec.minimum:g}-{spec.maximum:g}" if spec.minimum is not None and spec.maximum is not None else ""
    return Variable(outcome.name, outcome.label_nl, outcome.label_en, "number", (), unit, *definition)


def build_analysis_file(trial: StoredTrial) -> AnalysisFile:
    """The analysis file of a loaded trial; :class:`~proeftuin.workflow.standard_analysis.NotAnalysable`
    when the standard analysis cannot be done yet (the same rule)."""
    check_analysable(trial)
    data, plan = trial.data, trial.plan
    people = data.participants
    columns: dict[str, pd.Series | np.ndarray] = {}
    variables: list[Variable] = []

    def add(variable: Variable, values: pd.Series | np.ndarray) -> None:
        if variable.name in columns:
            raise ValueError(f"{data.slug}: two variables of the analysis file are named {variable.name!r}")
        columns[variable.name] = values
        variables.append(variable)

    add(Variable("pseudonym", *_both("pseudonym"), "text"), people["pseudonym"].astype(str).to_numpy())
    arms = tuple(Category(i + 1, a.code, a.label_nl, a.label_en) for i, a in enumerate(data.spec.arms))
    add(Variable("arm", *_both("arm"), "category", arms), people["arm"].astype(str).to_numpy())
    if people["stratum"].notna().any():
        add(Variable("stratum", *_both("stratum"), "text"), people["stratum"].to_numpy(dtype=object))
    if plan.clusters is not None and people["cluster"].notna().any():
        add(Variable("cluster", *_both("cluster"), "text"), people["cluster"].to_numpy(dtype=object))
    for name, spec in plan.covariates.items():
        labels = (spec.label_nl or name, spec.label_en or name)
        definition = _both("covariate")
        values = people[name]
        if spec.type == "category":
            categories = tuple(Category(i + 1, c, category_label(c, "nl"), category_label(c, "en")) for i, c in enumerate(spec.categories))
            add(Variable(name, *labels, "category", categories, "", *definition), values.to_numpy(dtype=object))
        elif spec.type == "boolean":
            add(_binary(name, labels, definition), values.map({True: 1.0, False: 0.0}).to_numpy(dtype=float))
        else:
            add(Variable(name, *labels, spec.type, (), "", *definition), pd.to_numeric(values).to_numpy(dtype=float))

    outcomes = trial_outcomes(trial)
    known = {o.name: o for o in (*LABOUR_OUTCOMES, *INCOME_OUTCOMES, *outcomes.own_definitions)}
    windows = {o.name: o.window for o in plan.outcomes.labour}
    for j, name in enumerate(outcomes.period_names):
        if name in windows:
            months = _window(windows[name].first_month, windows[name].last_month)
            definition = (_t("labour", "nl", months=months[0]), _t("labour", "en", months=months[1]))
        elif name in plan.outcomes.own:
            add(_own_variable(known[name], plan.outcomes.own[name]), outcomes.period[:, j])
            continue
        else:
            definition = _both("income")
        add(_outcome_variable(known[name], definition), outcomes.period[:, j])
    waves = ", ".join(map(str, plan.experiment.survey_waves_analysed))
    for j, index in enumerate(outcomes.index_definitions):
        baseline_labels = (_t("baseline_label", "nl", label=index.label_nl), _t("baseline_label", "en", label=index.label_en))
        add(Variable(f"{index.name}_baseline", *baseline_labels, "number", (), "0-10", *_both("baseline")), outcomes.baseline[:, j])
        add(_outcome_variable(index, _both("follow_up", waves=waves)), outcomes.follow_up[:, j])
    response = last_response(trial)
    if response is not None:
        wave, responded = response
        add(_binary(f"responded_w{wave}", _both("responded", wave=wave), _both("responded_definition", wave=wave)), responded.astype(float))

    frame = pd.DataFrame({name: np.asarray(values) for name, values in columns.items()})
    short = stata_names(list(frame.columns), labelled={v.name for v in variables if v.categories})
    variables = [replace(v, stata_name=short[v.name]) for v in variables]
    return AnalysisFile(data.slug, data.spec.name, frame, tuple(variables))


def _csv_number(value: float, integral: bool) -> str:
    """A number as CSV text that reads back to the same float: empty if missing, whole numbers of
    integer and binary variables without decimals, others as Python's shortest round-trip ``repr``
    (pandas' own float formatting loses the last digit, e.g. 1410.4799999999998 as 1410.48)."""
    if np.isnan(value):
        return ""
    return str(int(value)) if integral else repr(float(value))


def _coded(file: AnalysisFile) -> pd.DataFrame:
    """The frame for Stata/SPSS: categories as their codes (floats, missing as NaN), Stata names."""
    frame = file.frame.copy()
    for v in file.variables:
        if v.type == "category":
            codes = {c.value: float(c.code) for c in v.categories}
            frame[v.name] = frame[v.name].map(codes).astype(float)
    return frame


def _value_labels(file: AnalysisFile, lang: Lang, names: dict[str, str]) -> dict[str, dict[int | float, str]]:
    return {names[v.name]: {c.code: (c.label_nl if lang == "nl" else c.label_en) for c in v.categories}
            for v in file.variables if v.categories}


def _write_dta(file: AnalysisFile, path: Path, lang: Lang) -> None:
    import pyreadstat

    names = {v.name: v.stata_name for v in file.variables}
    frame = _coded(file).rename(columns=names)
    labels: dict[str, str | None] = {v.stata_name: v.label(lang)[:STATA_LABEL_LENGTH] for v in file.variables}
    pyreadstat.write_dta(frame, str(path), column_labels=labels, variable_value_labels=_value_labels(file, lang, names),
                         file_label=file.title[:STATA_LABEL_LENGTH], version=15)


def _write_sav(file: AnalysisFile, path: Path, lang: Lang) -> None:
    import pyreadstat

    names = {v.name: v.name for v in file.variables}
    labels: dict[str, str | None] = {v.name: v.label(lang) for v in file.variables}
    measure = {v.name: {"category": "nominal", "binary": "nominal", "text": "nominal"}.get(v.type, "scale") for v in file.variables}
    pyreadstat.write_sav(_coded(file), str(path), column_labels=labels, variable_value_labels=_value_labels(file, lang, names),
                         variable_measure=measure, file_label=file.title)


def _write_parquet(file: AnalysisFile, path: Path, lang: Lang) -> None:  # noqa: ARG001 (both languages are in the codebook)
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(file.frame, preserve_index=False)
    metadata = {**(table.schema.metadata or {}), CODEBOOK_KEY: json.dumps(file.codebook(), ensure_ascii=False).encode()}
    pq.write_table(table.replace_schema_metadata(metadata), path)


def _write_csv(file: AnalysisFile, path: Path, lang: Lang) -> None:  # noqa: ARG001 (both languages are in the codebook)
    frame = escape_formulas(file.frame)
    for v in file.variables:
        if v.type in ("binary", "integer", "number"):
            frame[v.name] = [_csv_number(x, v.type != "number") for x in file.frame[v.name].to_numpy(dtype=float)]
    frame.to_csv(path, index=False, encoding="utf-8")


def codebook_frame(file: AnalysisFile, lang: Lang) -> pd.DataFrame:
    """The codebook as a table (one row per variable; categories as ``value = label`` lines)."""
    rows = [{"name": v.name, "stata_name": v.stata_name, "label": v.label(lang), "label_nl": v.label_nl, "label_en": v.label_en,
             "type": v.type, "unit": v.unit,
             "categories": "\n".join(f"{c.value} = {c.label_nl if lang == 'nl' else c.label_en}" for c in v.categories),
             "definition": v.definition_nl if lang == "nl" else v.definition_en} for v in file.variables]
    return pd.DataFrame(rows)


def _write_xlsx(file: AnalysisFile, path: Path, lang: Lang) -> None:
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        escape_formulas(file.frame).to_excel(writer, sheet_name=_t("data", lang), index=False)
        escape_formulas(codebook_frame(file, lang)).to_excel(writer, sheet_name=_t("codebook", lang), index=False)


WRITERS: dict[FileFormat, Callable[[AnalysisFile, Path, Lang], None]] = {
    "dta": _write_dta, "sav": _write_sav, "parquet": _write_parquet, "csv": _write_csv, "xlsx": _write_xlsx,
}


def sidecar(path: Path) -> Path:
    """Where the codebook of ``path`` is written beside it."""
    return path.with_name(path.name + ".codebook.json")


@contextmanager
def _staged(path: Path) -> Iterator[Path]:
    """A temporary file beside ``path``, removed unless the caller renamed it."""
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    os.close(handle)
    staged = Path(name)
    try:
        yield staged
    finally:
        staged.unlink(missing_ok=True)


def write_analysis_file(file: AnalysisFile, out: Path, fmt: FileFormat, *, lang: Lang = "nl", commit: Callable[[], None] = lambda: None) -> list[Path]:
    """Write ``file`` as ``fmt`` to ``out`` (and its sidecar codebook), all or nothing: both are
    staged beside ``out``, ``commit`` runs, then they are renamed into place. Returns the paths."""
    if fmt not in WRITERS:
        raise ValueError(f"--format: {fmt!r} is not one of {', '.join(FORMATS)}")
    if not out.parent.is_dir():
        raise ValueError(f"--out: folder {out.parent} does not exist")
    targets = [out] if fmt == "xlsx" else [out, sidecar(out)]
    with _staged(out) as data, _staged(sidecar(out)) as book:
        WRITERS[fmt](file, data, lang)
        book.write_text(json.dumps(file.codebook(), ensure_ascii=False, indent=2), encoding="utf-8")
        commit()
        for staged, target in zip((data, book), targets):
            staged.replace(target)
    return targets


def export_analysis_file(engine: Engine, *, actor: str, slug: str, out: Path, fmt: FileFormat, lang: Lang = "nl") -> AnalysisFile:
    """Write the analysis file of trial ``slug`` (researchers only) and audit the export."""
    with session_scope(engine) as session:
        authorize(session=session, actor=actor, operation=Operation.export_pseudonymized)
    file = build_analysis_file(load_trial(engine, slug))
    with session_scope(engine) as session:

        def audit() -> None:
            AuditLog(session).record(actor=actor, action=Action.export, experiment_id=get_experiment(session=session, slug=slug).id,
                                     subject="analysis", payload={"rows": len(file.frame), "file": out.name, "format": fmt, "lang": lang})
            session.flush()

        write_analysis_file(file, out, fmt, lang=lang, commit=audit)
    return file


__all__ = ["AnalysisFile", "CODEBOOK_KEY", "Category", "FORMATS", "FileFormat", "Variable", "build_analysis_file", "codebook_frame",
           "export_analysis_file", "sidecar", "stata_names", "write_analysis_file"]
