"""``proeftuin report`` and the standard analysis on trials of today with indices of their own.

References: statsmodels' OLS with HC2 for an index whose baseline nobody answered (the model is
then the follow-up regressed on the arms and the baseline covariates).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from statsmodels.regression.linear_model import OLS
from typer.testing import CliRunner

from proeftuin.cli import app
from proeftuin.registry.audit import keyed_engine
from proeftuin.registry import make_engine, migrate

import own_trials
from entry_point import Run, run_each
from readable import RAW_NAME, foreign_phrases, visible_text

runner = CliRunner()
ESTIMATE_TOL = 1e-10


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    root = tmp_path_factory.mktemp("own")
    url = f"sqlite:///{root / 'zwolle.db'}"
    engine = keyed_engine(make_engine(url), own_trials.SETTINGS)  # the audit chain is keyed
    migrate(engine)
    own_trials.users(engine)
    for slug in own_trials.INDICES:
        own_trials.build(engine, slug, root / "files")
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def engine(db: str):
    engine = keyed_engine(make_engine(db), own_trials.SETTINGS)
    yield engine
    engine.dispose()


def test_a_trial_with_two_indices_of_its_own_is_analysed_on_them(engine) -> None:
    from proeftuin.workflow.standard_analysis import analyze_experiment

    results = analyze_experiment(engine, "zwolle-2")
    survey = [o.name for o in results.outcomes if o.family == "survey"]
    assert survey == ["rondkomen", "eigen_regie"]
    assert {e.outcome for e in results.adjusted} >= {"work_8h", "benefit_paid", "rondkomen", "eigen_regie"}
    assert not results.not_estimable


def test_an_index_nobody_answered_at_baseline_is_the_follow_up_regression(engine) -> None:
    """Regression: the copies of the outcome derivation disagreed on an all-missing baseline. The
    report's analysis refused the index ("no participant has a baseline value"); ``analyze`` mean-filled
    nothing and added an all-ones indicator, collinear with the intercept. Now both use one rule."""
    from proeftuin.analysis.trial import covariate_matrix
    from proeftuin.workflow.standard_analysis import analyze_stored, load_trial, trial_outcomes

    trial = load_trial(engine, "zwolle-3")
    y, own = trial_outcomes(trial).outcome("rondkomen")
    assert own is not None and own.shape == (len(y), 0)
    results = analyze_stored(trial)
    arm = trial.data.participants["arm"].to_numpy(dtype=str)
    rows = ~np.isnan(y)
    design = np.column_stack([np.ones(len(y)), arm == "coach", arm == "vrij", covariate_matrix(trial.data.participants, trial.covariates)]).astype(float)
    reference = OLS(y[rows], design[rows]).fit(cov_type="HC2")
    for j, code in ((1, "coach"), (2, "vrij")):
        effect = next(e for e in results.adjusted if e.outcome == "rondkomen" and e.term == code)
        assert abs(effect.estimate - reference.params[j]) < ESTIMATE_TOL
        assert abs(effect.std_error - reference.bse[j]) < ESTIMATE_TOL
        assert effect.extra["baseline_missing"] == len(y)


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_report_of_one_trial_in_html(db: str, tmp_path: Path, lang: str) -> None:
    result = runner.invoke(app, ["report", "--experiment", "zwolle-2", "--db", db, "--out", str(tmp_path), "--lang", lang])
    assert result.exit_code == 0, result.output
    path = tmp_path / ("report.html" if lang == "nl" else "report.en.html")
    text = path.read_text(encoding="utf-8")
    assert f'<html lang="{lang}">' in text
    assert "eigen regie" in text  # no label in the plan: by its name
    assert ("Rondkomen met het inkomen" if lang == "nl" else "Making ends meet") in text  # the plan's label
    assert "Social trust" not in text and "Sociaal vertrouwen" not in text  # not the demo's indices
    assert ("Figuur 1: Werk &gt; 8 uur per week" if lang == "nl" else "Figure 1: Work &gt; 8 hours a week") in text


@pytest.fixture(scope="module")
def two_trials_in_dutch(db: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """``proeftuin report`` of both trials side by side in Dutch (its HTML), written once for the tests that read it."""
    out = tmp_path_factory.mktemp("two-trials")
    result = runner.invoke(app, ["report", "--experiment", "zwolle-2", "--experiment", "zwolle-3", "--db", db, "--out", str(out)])
    assert result.exit_code == 0, result.output
    return (out / "report.html").read_text(encoding="utf-8")


def test_report_of_two_trials_side_by_side_pools_only_shared_groups(two_trials_in_dutch: str) -> None:
    text = two_trials_in_dutch
    assert "Extra Hulp (k=2): Zwolle 2026 (2 groepen): Extra begeleiding; Zwolle 2026 (3 groepen): Extra begeleiding." in text
    assert "Werken Loont (k=" not in text  # one disregard arm: nothing to pool


def test_the_dutch_report_of_a_trial_of_ones_own_reads_as_dutch(two_trials_in_dutch: str) -> None:
    """Regression (issue 13): the Dutch report mixed in English notes, printed ``nan``, raw covariate
    names, "zaad" for the seed and decimal points."""
    text = visible_text(two_trials_in_dutch)
    assert foreign_phrases(text, "nl") == []
    assert not re.search(r"\bnan\b", text, flags=re.IGNORECASE)
    assert RAW_NAME.findall(text) == []
    assert "zaad" not in text and "startwaarde (seed)" in text
    assert re.search(r"[+-]\d+,\d \[[+-]\d+,\d; [+-]\d+,\d\]", text)  # an estimate and its interval, Dutch notation
    assert not re.search(r"[+-]\d+\.\d \[", text)
    assert "procentpunt meer mensen" in text or "geen duidelijk effect" in text  # the effects in words
    assert "minstens één maand van de looptijd" in text  # the definition of the labour outcomes
    for heading in SECTIONS["nl"]:  # the sections added later read as Dutch too (the word list is the translation table)
        assert heading in text, heading
    assert "Opleiding: laag" in text and "Huishouden: alleenstaande ouder" in text  # balance rows by their labels
    assert own_trials.NOTES["notes_nl"] in text and own_trials.NOTES["notes_en"] not in text


SECTIONS = {
    "nl": ("Subgroepen", "Ontvangen begeleiding per groep", "Gemeente en CBS naast elkaar", "Balans bij de start en respons op de vragenlijst",
           "methode van Holm", "Ook de controlegroep kreeg begeleiding", "Lee-grenzen"),
    "en": ("Subgroups", "Services received per arm", "Municipal and CBS records side by side", "Balance at baseline and survey response",
           "Holm's method", "The control group received services too", "Lee bounds"),
}


def test_the_english_report_has_the_same_sections_in_english(db: str, tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", "--experiment", "zwolle-3", "--db", db, "--out", str(tmp_path), "--lang", "en"])
    assert result.exit_code == 0, result.output
    text = visible_text((tmp_path / "report.en.html").read_text(encoding="utf-8"))
    assert foreign_phrases(text, "en") == []
    assert RAW_NAME.findall(text) == []
    for heading in SECTIONS["en"]:
        assert heading in text, heading
    assert "Education: low" in text and own_trials.NOTES["notes_en"] in text


def test_the_subgroup_section_shows_the_analysis_functions_numbers(engine, db: str) -> None:
    """Each subgroup row is :func:`~proeftuin.analysis.subgroup_effects` of the strata on Figure 1's outcome, adjusted
    for the other covariates, and the interaction p-values are Holm over the trial's tests (statsmodels' ``multipletests``)."""
    from statsmodels.stats.multitest import multipletests

    from proeftuin.analysis import subgroup_effects
    from proeftuin.analysis.trial import covariate_matrix
    from proeftuin.report.forest import format_effect
    from proeftuin.report.i18n import number
    from proeftuin.workflow.report import build_report
    from proeftuin.workflow.standard_analysis import load_trial, trial_outcomes

    trial = load_trial(engine, "zwolle-3")
    people = trial.data.participants
    y, _ = trial_outcomes(trial).outcome("work_8h")
    rows = ~np.isnan(y)
    others = [c for c in trial.covariates if c != own_trials.STRATUM]
    expected = subgroup_effects(y[rows], people["arm"].to_numpy(dtype=str)[rows], people[own_trials.STRATUM].to_numpy(dtype=str)[rows],
                                control="control", subgroup_name=own_trials.STRATUM, outcome_name="work_8h",
                                covariates=covariate_matrix(people, others)[rows], level=0.9)
    p = [test.test.p_value for test in expected.interactions if test.arm != "all"]
    holm = multipletests(p, method="holm")[1]

    report = build_report(engine, ["zwolle-3"])
    section = report.sections["zwolle-3"].subgroups
    assert section is not None and section.outcome == "work_8h"
    (analysis,) = section.analyses
    assert analysis.effects == expected.effects
    assert [section.adjusted[(own_trials.STRATUM, test.arm)] for test in expected.interactions if test.arm != "all"] == pytest.approx(holm, abs=1e-12)

    text = visible_text(report.render("nl", "html").decode("utf-8"))
    definition = report.trials[0].definition("work_8h")
    for item in expected.effects:
        estimate, ci = format_effect(item.effect.estimate, item.effect.ci_low, item.effect.ci_high, definition, "nl")
        assert f"{estimate} {ci} {number(item.effect.p_value, 'nl', digits=3)}" in re.sub(r"\s+", " ", text)
    for value in holm:
        assert number(value, "nl", digits=3) in text


def test_report_as_pdf_for_several_trials(db: str, tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", "--experiment", "zwolle-3", "--experiment", "zwolle-2", "--db", db, "--out", str(tmp_path),
                                 "--format", "pdf", "--lang", "en"])
    assert result.exit_code == 0, result.output
    content = (tmp_path / "report.en.pdf").read_bytes()
    assert content.startswith(b"%PDF-") and len(content) > 10_000


def figure_pages(document: Any) -> list[set[int]]:
    """Per ``<figure>`` of a printed report (a WeasyPrint ``Document``, laid out), the pages it lies on."""
    seen: dict[int, set[int]] = {}
    order: list[int] = []
    for number, laid_out in enumerate(document.pages, start=1):
        for box in laid_out._page_box.descendants():  # noqa: SLF001 - WeasyPrint's layout tree, the one place a split shows
            if getattr(box, "element_tag", None) == "figure":
                key = id(box.element)
                if key not in seen:
                    order.append(key)
                seen.setdefault(key, set()).add(number)
    return [seen[key] for key in order]


def test_the_printed_report_has_a_table_of_contents_and_every_figure_whole(db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression (issue 13): printing split Figure 1 across a page break; the web's PDF was tables and figures without text.

    The figures' pages are read from the layout `proeftuin report --format pdf` printed (its page and WeasyPrint's
    document, kept as it prints), not from a second layout of the same page: 14.6-17.0 -> 13.7 s of CPU for this test
    with its module fixture (two runs each, interleaved, load 9)."""
    import pypdf
    from weasyprint import HTML

    import proeftuin.workflow.report

    printed: list[str] = []
    documents: list[Any] = []
    html_to_pdf, render = proeftuin.workflow.report.html_to_pdf, HTML.render

    def print_and_keep(page: str) -> bytes:
        printed.append(page)
        return html_to_pdf(page)

    def render_and_keep(self: HTML, *args: Any, **options: Any) -> Any:
        documents.append(render(self, *args, **options))
        return documents[-1]

    monkeypatch.setattr(proeftuin.workflow.report, "html_to_pdf", print_and_keep)
    monkeypatch.setattr(HTML, "render", render_and_keep)
    result = runner.invoke(app, ["report", "--experiment", "zwolle-2", "--db", db, "--out", str(tmp_path), "--format", "pdf"])
    assert result.exit_code == 0, result.output
    [page], [document] = printed, documents
    figures = figure_pages(document)
    assert len(figures) == page.count("<figure>") > 5
    assert all(len(pages) == 1 for pages in figures), figures

    pdf = pypdf.PdfReader(tmp_path / "report.pdf")
    texts = [p.extract_text() for p in pdf.pages]
    assert "Inhoud" in texts[0]
    entries = dict(re.findall(r"^(Figuur 1: [^.\n]+?) ?\.+ *(\d+)$", texts[0], flags=re.MULTILINE))
    assert list(entries) == ["Figuur 1: Werk > 8 uur per week"]
    assert "Figuur 1: Werk > 8 uur per week" in texts[int(entries["Figuur 1: Werk > 8 uur per week"]) - 1].splitlines()[0]
    # every figure's page is in the file, and figures share pages rather than spread out: at most a
    # page per figure plus contents, summary, design and tables
    assert max(max(pages) for pages in figures) <= len(pdf.pages) <= len(figures) + 6
    assert all(f"{n} / {len(pdf.pages)}" in text for n, text in enumerate(texts, start=1))  # page numbers in the footer


BAD_REQUESTS = [
    (["--experiment", "atlantis"], "atlantis"),
    (["--experiment", "zwolle-2", "--lang", "fr"], "--lang"),
    (["--experiment", "zwolle-2", "--format", "docx"], "--format"),
    (["--experiment", "zwolle-2", "--experiment", "zwolle-2"], "named twice"),
]


@pytest.fixture(scope="module")
def bad_requests(db: str, tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Run, Path]]:
    """Each of :data:`BAD_REQUESTS` through the console entry point (one fresh interpreter for all), with its ``--out`` folder."""
    outs = [tmp_path_factory.mktemp("bad-request") for _ in BAD_REQUESTS]
    runs = run_each([["report", *args, "--db", db, "--out", str(out)] for (args, _), out in zip(BAD_REQUESTS, outs, strict=True)])
    return list(zip(runs, outs, strict=True))


@pytest.mark.parametrize("case", range(len(BAD_REQUESTS)), ids=[message for _, message in BAD_REQUESTS])
def test_bad_report_requests_are_one_line_and_exit_2(bad_requests: list[tuple[Run, Path]], case: int) -> None:
    (run, out), message = bad_requests[case], BAD_REQUESTS[case][1]
    assert run.returncode == 2
    assert len(run.stderr.strip().splitlines()) == 1 and message in run.stderr
    assert not any(out.iterdir())


def test_a_missing_database_file_is_refused(tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", "--experiment", "zwolle-2", "--db", f"sqlite:///{tmp_path / 'none.db'}", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert not (tmp_path / "none.db").exists()
