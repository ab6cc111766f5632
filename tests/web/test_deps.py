"""The dependencies' contracts that a page test would only catch by chance."""

from __future__ import annotations

from typing import get_args

from proeftuin.web.deps import SessionDep


def test_session_commits_before_the_response_is_sent() -> None:
    # Regression: with the default (request) scope the transaction committed after the response
    # went out, so the browser following the redirect after enrolment sometimes asked for the
    # person before the commit and got 400 "no participant ... in experiment 'utrecht'".
    _session, depends = get_args(SessionDep)
    assert depends.scope == "function"
