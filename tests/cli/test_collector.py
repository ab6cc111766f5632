"""The garbage collector around the demo command: quiet while modules load, the loaded ones frozen, the settings back after."""

from __future__ import annotations

import gc

import pytest

from proeftuin.cli.collector import FIRST_THRESHOLD, modules_frozen, no_collection


def test_no_collection_inside_and_the_collector_as_it_was_after() -> None:
    assert gc.isenabled()
    with no_collection():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with no_collection():
            pass
        assert not gc.isenabled()  # a process that had it off keeps it off
    finally:
        gc.enable()


def test_objects_made_before_are_frozen_inside_and_collectable_again_after() -> None:
    before = gc.get_threshold()
    with modules_frozen():
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == (FIRST_THRESHOLD, *before[1:])
        cycle: list[object] = []
        cycle.append(cycle)  # garbage made inside is still collected
        del cycle
        assert gc.collect() >= 1
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before


def test_the_settings_come_back_when_the_command_fails() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), modules_frozen():
        raise RuntimeError("the demo failed")
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before
