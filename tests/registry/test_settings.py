"""Keys: refused when short, a default, guessable (zxcvbn's estimate) or shared by two purposes;
a malformed ``PROEFTUIN_PSEUDONYM_SECRETS`` is one error line naming it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from proeftuin.registry.settings import RegistrySettings, refuse_weak_key
from proeftuin.workflow.demo import demo_settings

SEAL = "seal-qtTYVC3iGww5by5lGH5gR2Qwb6LI6RVCtRoySDUS"
UTRECHT = "utrecht-scWsI9ktw8euYo6fmneNr0ZtdJdhs5216uzFDWLl"


@pytest.mark.parametrize(("key", "reason"), [
    ("Welkom01" * 4, "guessable"),  # 32 characters, 8 distinct: passed the old length and variety check
    ("0123456789abcdefghijklmnopqrstuvwxyz", "guessable"),
    ("correcthorsebatterystaple" * 2, "guessable"),
    ("Proeftuin-Utrecht-2018-sleutel!!", "guessable"),
    ("GeheimeSleutelVanDeGemeente2024!", "guessable"),
    ("changeme", "a default or trivial value"),
    ("x7Qk_2pLr9", "is 10 characters; it needs at least 32"),
    ("   ", "is empty"),
])
def test_weak_keys_are_refused(key: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason) as refused:
        refuse_weak_key("PROEFTUIN_SEAL_KEY", SecretStr(key))
    assert key.strip() == "" or key not in str(refused.value)  # the key itself is never shown


@pytest.mark.parametrize("key", [SEAL, UTRECHT, "9f86d081884c7d659a2f ea0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".replace(" ", "")])
def test_random_keys_pass(key: str) -> None:
    assert refuse_weak_key("PROEFTUIN_SEAL_KEY", SecretStr(key)).get_secret_value() == key


def test_generated_keys_pass() -> None:
    import secrets

    for _ in range(50):
        refuse_weak_key("k", SecretStr(secrets.token_urlsafe(32)))
        refuse_weak_key("k", SecretStr(secrets.token_hex(16)))  # 32 characters, the shortest allowed


def test_one_key_for_two_purposes_is_refused() -> None:
    with pytest.raises(ValidationError, match="the pseudonym secret of Utrecht and PROEFTUIN_SEAL_KEY are the same key"):
        RegistrySettings(pseudonym_secrets={"Utrecht": SecretStr(SEAL)}, seal_key=SecretStr(SEAL))
    with pytest.raises(ValidationError, match="the pseudonym secret of Utrecht and the pseudonym secret of Tilburg are the same key"):
        RegistrySettings(pseudonym_secrets={"Utrecht": SecretStr(UTRECHT), "Tilburg": SecretStr(UTRECHT)}, seal_key=SecretStr(SEAL))


def test_the_demo_keys_derived_from_its_seed_pass() -> None:
    for seed in (2017, 0, 1):
        settings = demo_settings(seed)
        assert len(settings.named_keys()) == len(set(k.get_secret_value() for k in settings.named_keys().values()))


@pytest.mark.parametrize("value", ['{"Utrecht": "abc', "Utrecht=abc", '["abc"]', '{"Utrecht": 12345}'])
def test_malformed_pseudonym_secrets_are_one_error_naming_the_variable(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROEFTUIN_PSEUDONYM_SECRETS", value)
    monkeypatch.setenv("PROEFTUIN_SEAL_KEY", SEAL)
    with pytest.raises(ValidationError, match="PROEFTUIN_PSEUDONYM_SECRETS"):
        RegistrySettings()


def test_malformed_pseudonym_secrets_on_the_command_line(tmp_path: Path) -> None:
    # Regression: pydantic-settings' own JSON decoding raised SettingsError, which no command
    # caught: a traceback instead of an error line.
    script = shutil.which("proeftuin", path=str(Path(sys.executable).parent))
    if script is None:
        pytest.skip("the proeftuin console script is not installed next to this Python")
    env = {**os.environ, "PROEFTUIN_PSEUDONYM_SECRETS": '{"Utrecht": "abc', "PROEFTUIN_SEAL_KEY": SEAL,
           "PYTHONPATH": os.pathsep.join(filter(None, [str(Path(__file__).parents[2] / "src"), os.environ.get("PYTHONPATH")]))}
    result = subprocess.run([script, "randomize", "--all", "--experiment", "utrecht", "--user", "alice", "--db", f"sqlite:///{tmp_path / 'x.db'}"],
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        """error: settings: PROEFTUIN_PSEUDONYM_SECRETS is not valid JSON (unterminated string starting at, character 13); """
        """expected {"Municipality": "<secret>", ...}"""]
