"""Settings: documented, listed in the README, secrets masked, key generated once."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest

from newsletter.config import Settings, describe, env_name, load_settings
from tests.support.cli import Cli

ROOT = Path(__file__).resolve().parent.parent


def test_every_setting_has_a_help_text() -> None:
    missing = [name for name, info in Settings.model_fields.items() if not info.description]
    assert missing == []


def test_every_setting_is_in_the_readme_table() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `(NEWSLETTER_[A-Z0-9_]+)` \|", readme, re.MULTILINE))
    expected = {env_name(field) for field in Settings.model_fields}
    assert expected - documented == set(), "add these settings to README's configuration table"
    assert documented - expected == set(), "README documents settings that do not exist"


def test_design_names_are_the_environment_names() -> None:
    names = {env_name(field) for field in Settings.model_fields}
    for name in ["DATABASE_URL", "SECRET_KEY", "BASE_URL", "FROM", "REPLY_TO", "LISTS_DIR",
                 "TEMPLATES_DIR", "TIMEZONE", "SMTP_HOST", "SMTP_PORT", "SMTP_USERNAME",
                 "SMTP_PASSWORD", "SMTP_SECURITY", "SMTP_CONNECTIONS", "SEND_RATE",
                 "IMAP_HOST", "IMAP_PORT", "IMAP_USERNAME", "IMAP_PASSWORD", "IMAP_FOLDER",
                 "BOUNCE_ADDRESS"]:  # fmt: skip
        assert f"NEWSLETTER_{name}" in names


def test_environment_and_secrets_are_masked(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NEWSLETTER_FROM", "Réseau <news@example.org>")
    monkeypatch.setenv("NEWSLETTER_SMTP_PASSWORD", "hunter2")
    monkeypatch.setenv("NEWSLETTER_DATABASE_URL", "postgresql+psycopg://u:pw@db.example.org/n")
    monkeypatch.setenv("NEWSLETTER_CATEGORIES", "agenda, emploi")
    settings = load_settings()
    assert settings.from_address == "Réseau <news@example.org>"
    assert settings.categories == ["agenda", "emploi"]
    shown = {name: value for name, value, _ in describe(settings)}
    assert shown["NEWSLETTER_SMTP_PASSWORD"] == "********"
    assert "pw" not in shown["NEWSLETTER_DATABASE_URL"]
    assert "db.example.org" in shown["NEWSLETTER_DATABASE_URL"]
    assert "hunter2" not in repr(settings) and "hunter2" not in str(settings)


def test_list_settings_are_read_from_comma_separated_text(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    given = {
        "CATEGORIES": '["agenda", "emploi, formation"]',
        "TRUSTED_PROXIES": " 10.0.0.1 ,, 192.168.0.0/16 ",
        "DMARC_NAMESERVERS": "[2001:db8::53]:5353, 127.0.0.1",
    }
    monkeypatch.chdir(tmp_path)
    for name, value in given.items():
        monkeypatch.setenv(f"NEWSLETTER_{name}", value)
    settings = load_settings()
    assert settings.categories == ["agenda", "emploi, formation"]  # a JSON list
    assert settings.trusted_proxies == ["10.0.0.1", "192.168.0.0/16"]
    # only the categories may be JSON: a bracketed IPv6 address stays an address
    assert settings.dmarc_nameservers == ["[2001:db8::53]:5353", "127.0.0.1"]


def test_secret_key_is_generated_once_and_kept(tmp_path: Path) -> None:
    first = load_settings(data_dir=tmp_path / "d")
    second = load_settings(data_dir=tmp_path / "d")
    other = load_settings(data_dir=tmp_path / "e")
    assert len(first.secret) >= 40
    assert first.secret == second.secret
    assert first.secret != other.secret
    key_file = tmp_path / "d" / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert load_settings(data_dir=tmp_path / "d", secret_key="given").secret == "given"


def test_config_command_prints_every_setting(cli: Cli) -> None:
    result = cli("config")
    assert result.code == 0
    for field in ("NEWSLETTER_SMTP_HOST", "NEWSLETTER_SEND_RATE", "NEWSLETTER_IMAP_FOLDER"):
        assert field in result.out
    assert "test-secret-key" not in result.out
