"""The processes that draw a report's languages (:func:`proeftuin.workflow.report.write_reports`): their garbage collector."""

from __future__ import annotations

import gc
import json
import multiprocessing
import os
from collections.abc import Sequence
from pathlib import Path

import pytest

from proeftuin.workflow.report import write_reports


class CollectorProbe:
    """Stands in for a report: each "page" says what the collector of the process that drew it was doing."""

    def render_formats(self, lang: str, fmts: Sequence[str], *, other_language_href: str | None = None) -> dict[str, bytes]:
        state = {"pid": os.getpid(), "enabled": gc.isenabled(), "frozen": gc.get_freeze_count()}
        return {f: json.dumps(state).encode() for f in fmts}


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods() or (os.cpu_count() or 1) < 2,
                    reason="languages are drawn in forked processes only where the platform forks and has two cores")
def test_each_language_process_freezes_what_it_inherits_and_collects_nothing(tmp_path: Path) -> None:
    enabled = gc.isenabled()
    paths = write_reports(CollectorProbe(), tmp_path, langs=("nl", "en"), fmt="html")  # type: ignore[arg-type]
    states = [json.loads(path.read_text()) for path in paths.values()]
    assert all(s["pid"] != os.getpid() for s in states)
    assert all(not s["enabled"] and s["frozen"] > 0 for s in states)
    assert gc.isenabled() == enabled and gc.get_freeze_count() == 0  # the parent's collector as it was
