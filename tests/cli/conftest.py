"""Fixtures of the command-line tests: the small trial of :mod:`trialcli`, built once per module and copied per test."""

from trialcli import copy, template  # noqa: F401 (fixtures)
