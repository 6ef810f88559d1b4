"""Settings: defaults, then instance/config.py, then REGISTRY_* environment variables."""

from __future__ import annotations

import os
import stat

from registry.config import Settings, secret_key_from_instance


def test_environment_variables_are_typed():
    settings = Settings.from_environment({
        "REGISTRY_TIMEZONE": "Africa/Bujumbura",
        "REGISTRY_CASES_PER_PAGE": "50",
        "REGISTRY_COOKIE_SECURE": "true",
        "REGISTRY_LANGUAGES": "en, fr",
    })  # fmt: skip
    assert settings.TIMEZONE == "Africa/Bujumbura"
    assert settings.CASES_PER_PAGE == 50
    assert settings.COOKIE_SECURE is True
    assert settings.LANGUAGES == ("en", "fr")


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path):
    first = secret_key_from_instance(tmp_path)
    assert len(first) >= 48
    assert secret_key_from_instance(tmp_path) == first
    mode = stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode)
    assert mode == 0o600


def test_instance_config_file_then_environment(tmp_path, monkeypatch):
    from registry import create_app

    (tmp_path / "config.py").write_text(
        'ORGANISATION_NAME = "Registry of the North"\nREGISTRY_TIMEZONE = "Africa/Kampala"\n'
    )
    monkeypatch.setenv("REGISTRY_TIMEZONE", "Africa/Kigali")
    monkeypatch.setenv("REGISTRY_DATABASE_URL", f"sqlite:///{tmp_path / 'x.sqlite3'}")
    from flask import Flask

    original = Flask.__init__

    def with_instance(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs["instance_path"] = str(tmp_path)
        original(self, *args, **kwargs)

    monkeypatch.setattr(Flask, "__init__", with_instance)
    app = create_app()
    settings = app.config["REGISTRY"]
    assert settings.ORGANISATION_NAME == "Registry of the North"
    assert settings.TIMEZONE == "Africa/Kigali"  # the environment wins over the file
    assert (tmp_path / "secret_key").exists()
    assert app.config["SECRET_KEY"] == (tmp_path / "secret_key").read_text().strip()
