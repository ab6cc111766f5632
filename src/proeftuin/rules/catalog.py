"""The parameter catalogue: every parameter with its dated values, unit and legal source."""

from __future__ import annotations

from dataclasses import dataclass

from openfisca_core.parameters import Parameter

from proeftuin.rules.legislation import legislation


@dataclass(frozen=True)
class ParameterInfo:
    """One parameter for listing: ``values`` are (start date ISO, value) in date order."""

    name: str
    label: str
    label_en: str
    unit: str
    values: tuple[tuple[str, float], ...]
    reference_name: str
    reference_href: str
    assumption: bool
    note: str


def parameters() -> list[ParameterInfo]:
    """All parameters of ``parameters/``, sorted by name."""
    found: list[ParameterInfo] = []
    stack = [legislation()]
    while stack:
        node = stack.pop()
        for child in node.children.values():
            if not isinstance(child, Parameter):
                stack.append(child)
                continue
            meta = child.metadata
            reference = meta.get("reference", {})
            found.append(
                ParameterInfo(
                    name=child.name,
                    label=meta.get("label", ""),
                    label_en=meta.get("label_en", ""),
                    unit=meta.get("unit", ""),
                    values=tuple(
                        (v.instant_str, float(v.value))
                        for v in sorted(child.values_list, key=lambda v: v.instant_str)
                    ),
                    reference_name=reference.get("name", ""),
                    reference_href=reference.get("href", ""),
                    assumption=bool(meta.get("assumption", False)),
                    note=meta.get("note", ""),
                )
            )
    return sorted(found, key=lambda p: p.name)
