"""The services section: what each arm received (people with any recorded service, per kind of service
the people who got it, contacts and minutes per person), and whether the control group received it too."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

from proeftuin.design.spec import ExperimentSpec
from proeftuin.report.disclosure import Line, protect, publish
from proeftuin.report.i18n import MISSING, Lang, number, t
from proeftuin.report.sections.data import Services


@dataclass(frozen=True)
class ServiceRow:
    """One arm (``kind`` empty: any service) or one kind of service in one arm, as the reader sees it."""

    arm: str
    kind: str
    n_arm: str
    n_received: str
    share: str
    contacts: str
    minutes: str


def _cells(services: Services) -> tuple[dict[Hashable, int], dict[Hashable, int], list[Line]]:
    """Shown counts, hidden complements (those who received nothing) and the lines that tie them."""
    values: dict[Hashable, int] = {("n", a): n for a, n in services.arm_sizes.items()}
    hidden: dict[Hashable, int] = {}
    lines = []
    for arm, n in services.arm_sizes.items():
        values[("any", arm)] = services.any_service.get(arm, 0)
        hidden[("none", arm)] = n - values[("any", arm)]
        lines.append(Line(("n", arm), (("any", arm), ("none", arm))))
    for row in services.by_kind.itertuples():
        values[(row.kind, row.arm)] = int(row.n_received)
        hidden[(row.kind, "without", row.arm)] = int(row.n_arm) - int(row.n_received)
        lines.append(Line(("n", row.arm), ((row.kind, row.arm), (row.kind, "without", row.arm))))
    return values, hidden, lines


def kind_label(kind: str) -> str:
    """A kind of service as recorded (``job_coaching``), written as words."""
    return kind.replace("_", " ")


def service_rows(services: Services, spec: ExperimentSpec, lang: Lang, min_cell: int) -> list[ServiceRow]:
    """Per arm: any service, then each kind; shares, contacts and minutes per person of the arm, hidden with their count."""
    values, hidden, lines = _cells(services)
    shown = publish(values, lines, min_cell=min_cell, hidden=hidden)
    suppressed = {key for key, text in shown.items() if text != str(values[key])}
    rows = []
    for arm in spec.arms:
        n = services.arm_sizes.get(arm.code, 0)
        if not n:
            continue
        open_arm = ("n", arm.code) not in suppressed

        def share(key: Hashable, count: int) -> str:
            return number(100 * count / n, lang, digits=0) + "%" if open_arm and key not in suppressed else MISSING  # noqa: B023

        kinds = services.by_kind[services.by_kind["arm"] == arm.code]
        any_key = ("any", arm.code)
        total_contacts, total_minutes = int(kinds["contacts"].sum()), int(kinds["minutes"].sum())
        per_person = open_arm and any_key not in suppressed
        rows.append(ServiceRow(arm.label(lang), t("any_service", lang), shown[("n", arm.code)], shown[any_key],
                               share(any_key, values[any_key]),
                               number(total_contacts / n, lang) if per_person else MISSING,
                               number(total_minutes / n, lang, digits=0) if per_person else MISSING))
        for row in kinds.itertuples():
            key = (row.kind, arm.code)
            open_kind = open_arm and key not in suppressed
            rows.append(ServiceRow(arm.label(lang), kind_label(str(row.kind)), "", shown[key], share(key, int(row.n_received)),
                                   number(int(row.contacts) / n, lang) if open_kind else MISSING,
                                   number(int(row.minutes) / n, lang, digits=0) if open_kind else MISSING))
    return rows


def contamination_sentence(services: Services, spec: ExperimentSpec, lang: Lang, min_cell: int) -> str:
    """Whether the control group received services too (contamination), in words."""
    if services.by_kind.empty:
        return t("services_none", lang)
    values, hidden, lines = _cells(services)
    suppressed = protect(values, lines, min_cell=min_cell, hidden=hidden)
    control = spec.control.code
    n = services.arm_sizes.get(control, 0)
    got = services.any_service.get(control, 0)
    if not got:
        return t("services_control_none", lang)
    if not n or ("any", control) in suppressed or ("n", control) in suppressed:
        return t("services_control_suppressed", lang, k=min_cell)
    treated = [a.code for a in spec.treatments if services.arm_sizes.get(a.code)]
    minutes = services.by_kind.groupby("arm")["minutes"].sum()
    treated_n = sum(services.arm_sizes[a] for a in treated)
    treated_minutes = float(minutes.reindex(treated).fillna(0).sum() / treated_n) if treated_n else float("nan")
    return t("services_control", lang, share=number(100 * got / n, lang, digits=0),
             minutes=number(float(minutes.get(control, 0)) / n, lang, digits=0), treated=number(treated_minutes, lang, digits=0))
