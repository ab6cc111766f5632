"""The parameter catalogue: every parameter with its dated values, unit and legal source."""

from __future__ import annotations

from dataclasses import dataclass

from openfisca_core.parameters import Parameter

from proeftuin.rules.legislation import legislation


@dataclass(frozen=True)
class ParameterInfo:
    """One parameter for listing: ``values`` are (start date ISO, value) in date order;
    ``sources`` (start date ISO, source) for the values that name their own source."""

    name: str
    label: str
    label_en: str
    unit: str
    values: tuple[tuple[str, float], ...]
    reference_name: str
    reference_href: str
    assumption: bool
    note: str
    sources: tuple[tuple[str, str], ...] = ()


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
            history = sorted(child.values_list, key=lambda v: v.instant_str)
            found.append(
                ParameterInfo(
                    name=child.name,
                    label=meta.get("label", ""),
                    label_en=meta.get("label_en", ""),
                    unit=meta.get("unit", ""),
                    values=tuple((v.instant_str, float(v.value)) for v in history),
                    reference_name=reference.get("name", ""),
                    reference_href=reference.get("href", ""),
                    assumption=bool(meta.get("assumption", False)),
                    note=meta.get("note", ""),
                    # a value's own reference is a string; the parameter's is a mapping
                    sources=tuple(
                        (v.instant_str, v.metadata["reference"])
                        for v in history
                        if isinstance(v.metadata.get("reference"), str)
                    ),
                )
            )
    return sorted(found, key=lambda p: p.name)
