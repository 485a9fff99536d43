import pytest
from django.core.exceptions import ImproperlyConfigured

from ombudsman.env import database_from_url, env_bool, env_int


def test_sqlite_url_is_relative_to_the_project(tmp_path):
    config = database_from_url("sqlite:///db.sqlite3", base_dir=tmp_path)
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == str(tmp_path / "db.sqlite3")
    # Readers are not locked out while a long import (a background job) writes.
    assert config["OPTIONS"]["init_command"] == "PRAGMA journal_mode=WAL;"


def test_postgres_url_uses_psycopg_backend(tmp_path):
    config = database_from_url(
        "postgres://postgres:s%40cret@127.0.0.1:5432/ombudsman", base_dir=tmp_path
    )
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["NAME"], config["USER"], config["PASSWORD"]) == (
        "ombudsman",
        "postgres",
        "s@cret",
    )
    assert (config["HOST"], config["PORT"]) == ("127.0.0.1", "5432")


def test_unknown_database_scheme_fails_loudly(tmp_path):
    with pytest.raises(ImproperlyConfigured, match="mysql"):
        database_from_url("mysql://x/y", base_dir=tmp_path)


@pytest.mark.parametrize(
    "raw, expected", [("1", True), ("yes", True), ("0", False), ("off", False)]
)
def test_env_bool_reads_yes_and_no(monkeypatch, raw, expected):
    monkeypatch.setenv("FLAG", raw)
    assert env_bool("FLAG", not expected) is expected


def test_env_bool_rejects_other_words(monkeypatch):
    monkeypatch.setenv("FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="FLAG='maybe'"):
        env_bool("FLAG", False)


def test_env_int_rejects_text_and_values_below_minimum(monkeypatch):
    monkeypatch.setenv("N", "ten")
    with pytest.raises(ImproperlyConfigured, match="whole number"):
        env_int("N", 1)
    monkeypatch.setenv("N", "-1")
    with pytest.raises(ImproperlyConfigured, match="at least 0"):
        env_int("N", 1, minimum=0)
