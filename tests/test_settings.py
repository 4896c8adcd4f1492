"""Settings validation: bad numbers, Chroma URLs and data dirs are one clear ConfigError each."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from interviewbot.cli import cli
from interviewbot.config import ensure_home, load_settings, parse_chroma_url, redact_url
from interviewbot.errors import ConfigError


@pytest.mark.parametrize(
    ("var", "value", "allowed"),
    [
        ("INTERVIEWBOT_RETRIEVAL_K", "nan", "whole number from 1 to 20"),
        ("INTERVIEWBOT_RETRIEVAL_K", "inf", "whole number from 1 to 20"),
        ("INTERVIEWBOT_RETRIEVAL_K", "2.7", "whole number from 1 to 20"),
        ("INTERVIEWBOT_RETRIEVAL_K", "0", "whole number from 1 to 20"),
        ("INTERVIEWBOT_RETRIEVAL_K", "21", "whole number from 1 to 20"),
        ("INTERVIEWBOT_RETRIEVAL_K", "four", "whole number from 1 to 20"),
        ("INTERVIEWBOT_LLM_RETRIES", "inf", "whole number from 0 to 10"),
        ("INTERVIEWBOT_LLM_RETRIES", "-1", "whole number from 0 to 10"),
        ("INTERVIEWBOT_LLM_RETRIES", "1.5", "whole number from 0 to 10"),
        ("INTERVIEWBOT_LLM_TIMEOUT", "nan", "number from 0.1 to 3600"),
        ("INTERVIEWBOT_LLM_TIMEOUT", "-inf", "number from 0.1 to 3600"),
        ("INTERVIEWBOT_LLM_TIMEOUT", "0", "number from 0.1 to 3600"),
    ],
)
def test_bad_numbers_name_the_variable_and_the_range(monkeypatch, var, value, allowed):
    monkeypatch.setenv(var, value)
    with pytest.raises(ConfigError) as failed:
        load_settings()
    assert f"{var}={value!r}" in str(failed.value) and allowed in str(failed.value)
    res = CliRunner().invoke(cli, ["sessions", "list"])
    assert res.exit_code == 1 and res.output.strip().count("\n") == 0 and var in res.output


@pytest.mark.parametrize(
    ("var", "value", "expected"),
    [
        ("INTERVIEWBOT_RETRIEVAL_K", "7", 7),
        ("INTERVIEWBOT_RETRIEVAL_K", " 20 ", 20),
        ("INTERVIEWBOT_RETRIEVAL_K", "3.0", 3),
        ("INTERVIEWBOT_LLM_RETRIES", "0", 0),
        ("INTERVIEWBOT_LLM_TIMEOUT", "0.5", 0.5),
        ("INTERVIEWBOT_LLM_TIMEOUT", "", 20.0),
    ],
)
def test_good_numbers_are_read(monkeypatch, var, value, expected):
    monkeypatch.setenv(var, value)
    field = {"INTERVIEWBOT_RETRIEVAL_K": "retrieval_k", "INTERVIEWBOT_LLM_RETRIES": "llm_max_retries"}
    got = getattr(load_settings(), field.get(var, "llm_timeout_s"))
    assert got == expected and type(got) is type(expected)


@pytest.mark.parametrize("k", [0, 21, 2.5, float("nan"), "4", True])
def test_overrides_obey_the_same_ranges(k):
    with pytest.raises(ConfigError, match="INTERVIEWBOT_RETRIEVAL_K"):
        load_settings().with_overrides(retrieval_k=k)


@pytest.mark.parametrize(
    ("url", "base", "display"),
    [
        ("http://127.0.0.1:8700", "http://127.0.0.1:8700", "http://127.0.0.1:8700"),
        ("https://chroma.example.org", "https://chroma.example.org:443", "https://chroma.example.org:443"),
        ("http://chroma.internal", "http://chroma.internal:80", "http://chroma.internal:80"),
        ("HTTP://h:9000/", "http://h:9000", "http://h:9000"),
        ("https://u:s3cret@h:8443/prefix/", "https://h:8443/prefix", "https://u:***@h:8443/prefix"),
        ("http://[::1]:8000", "http://[::1]:8000", "http://[::1]:8000"),
    ],
)
def test_chroma_url_is_parsed(url, base, display):
    server = parse_chroma_url(url)
    assert (server.base_url, server.display) == (base, display)
    assert "s3cret" not in repr(server)


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("127.0.0.1:8700", "has no scheme"),
        ("localhost", "has no scheme"),
        ("ftp://h:21", "must be http or https"),
        ("http://:8000", "names no host"),
        ("http://h:99999", "port must be 1-65535"),
        ("http://h:0", "port must be 1-65535"),
        ("http://h:8000?tenant=x", "remove the ?query"),
    ],
)
def test_bad_chroma_urls_are_refused_with_the_fix(monkeypatch, url, problem):
    monkeypatch.setenv("INTERVIEWBOT_CHROMA_URL", url)
    with pytest.raises(ConfigError) as failed:
        load_settings()
    assert problem in str(failed.value) and "http://HOST:PORT" in str(failed.value)


def test_chroma_url_password_is_never_in_the_error(monkeypatch):
    monkeypatch.setenv("INTERVIEWBOT_CHROMA_URL", "ftp://user:hunter22@h:21")
    with pytest.raises(ConfigError) as failed:
        load_settings()
    assert "hunter22" not in str(failed.value) and "user:***@h" in str(failed.value)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql+psycopg://ib:pw@db:5432/ib", "postgresql+psycopg://ib:***@db:5432/ib"),
        ("postgresql://ib:p@ss:w/rd@db/ib", "postgresql://ib:***@db/ib"),
        ("postgresql://ib@db/ib", "postgresql://ib@db/ib"),
        ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
        ("not a url", "not a url"),
    ],
)
def test_redact_url_hides_only_the_password(url, shown):
    assert redact_url(url) == shown


def test_settings_repr_shows_no_secret(monkeypatch):
    monkeypatch.setenv("INTERVIEWBOT_DATABASE_URL", "postgresql+psycopg://ib:pw-in-repr@db/ib")
    monkeypatch.setenv("INTERVIEWBOT_API_KEY", "sk-in-repr")
    text = repr(load_settings())
    assert "pw-in-repr" not in text and "sk-in-repr" not in text


def test_data_dir_blocked_by_a_file_is_a_config_error(tmp_path):
    (tmp_path / "file").write_text("x")
    settings = load_settings().with_overrides(home=tmp_path / "file" / "home")
    with pytest.raises(ConfigError, match="cannot create the data directory .* INTERVIEWBOT_HOME"):
        ensure_home(settings)
