"""Redaction: every rule masks its secret (examples and properties), ordinary text and the
project's own scripts pass unchanged, and redacting twice changes nothing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dslgen.store.redact import MASK, RULES, redact, redact_text
from tests.conftest import DATA

# (text, the secret that must not survive, the text after redaction)
MASKED = [
    ("Authorization: Bearer abc.def-123_xyz", "abc.def", f"Authorization: Bearer {MASK}"),
    ('-H "authorization: Basic dXNlcjpwYXNz"', "dXNlcjpwYXNz", f'-H "authorization: Basic {MASK}"'),
    ("Authorization=rawtoken123", "rawtoken123", f"Authorization={MASK}"),
    ("call it with bearer eyJhbGciOi.J9x", "eyJhbGciOi", f"call it with bearer {MASK}"),
    ("password=hunter2&user=bob", "hunter2", f"password={MASK}&user=bob"),
    ('db_password: "two words"', "two words", f'db_password: "{MASK}"'),
    ('{"api_key": "abc123"}', "abc123", f'{{"api_key": "{MASK}"}}'),
    ("export GITHUB_TOKEN=xyz789", "xyz789", f"export GITHUB_TOKEN={MASK}"),
    ("client_secret = 's3 cr3t'", "s3 cr3t", f"client_secret = '{MASK}'"),
    ("set ::tech::api_token {abc def}", "abc def", f"set ::tech::api_token {{{MASK}}}"),
    ("set password hunter2", "hunter2", f"set password {MASK}"),
    ("key sk-proj-abcdefghijklmnop1234 ok", "sk-proj", f"key {MASK} ok"),
    ("id AKIAIOSFODNN7EXAMPLE here", "AKIAIOSFODNN7EXAMPLE", f"id {MASK} here"),
    ("ghp_" + "a1" * 18, "ghp_", MASK),
    ("github_pat_" + "A" * 30, "github_pat_", MASK),
    ("xoxb-1234567890-abcdef", "xoxb-", MASK),
    ("AIza" + "B" * 35, "AIza", MASK),
    (
        "postgresql+psycopg://dslgen:hunter2@db:5432/log",
        "hunter2",
        f"postgresql+psycopg://dslgen:{MASK}@db:5432/log",
    ),
    (
        "a\n-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nxyz\n-----END RSA PRIVATE KEY-----\nb",
        "MIIEow",
        f"a\n-----BEGIN RSA PRIVATE KEY-----{MASK}-----END RSA PRIVATE KEY-----\nb",
    ),
    (
        "-----BEGIN PRIVATE KEY-----\ncut off here",
        "cut off",
        f"-----BEGIN PRIVATE KEY-----{MASK}-----END PRIVATE KEY-----",
    ),
]

UNCHANGED = [
    "send 'Authorization: Bearer <token>' on every route",  # a placeholder
    "routes open without a token: `/healthz` and the page",  # code in prose
    "my::route -net CLK -layer M3",
    "--max-tokens 40 max_tokens=40 token_count=5 tokens: 12",
    "The secret to routing is patience.",
    "password reset flow, token bucket, api keys in general",
    "https://example.com/path?q=1 and ssh://git@github.com/org/repo",
    "mail bob@example.com",
    'set password ""',
    "sk-short and AKIA123",
    "Authorization header missing",
]


@pytest.mark.parametrize(("text", "secret", "expected"), MASKED)
def test_each_rule_masks_its_secret(text, secret, expected):
    assert redact_text(text) == expected
    assert secret not in redact_text(text)


@pytest.mark.parametrize("text", UNCHANGED)
def test_ordinary_text_is_left_alone(text):
    assert redact_text(text) == text


def test_the_projects_own_scripts_and_docs_are_left_alone():
    docs = [p for p in (DATA.parents[1] / "docs").glob("*.md") if p.name != "interactions.md"]
    files = [*DATA.glob("pdflow/**/*.tcl"), *docs]  # interactions.md shows secrets on purpose
    assert len(files) > 10
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert redact_text(text) == text, path


def test_json_values_are_redacted_and_secret_keys_masked_whole():
    value = {"password": "x", "tokens": "5", "nested": [{"url": "https://a:b@c"}], "n": 3}
    assert redact(value) == {
        "password": MASK,
        "tokens": "5",
        "nested": [{"url": f"https://a:{MASK}@c"}],
        "n": 3,
    }


def test_every_rule_fires_on_some_example():
    fired = {name for name, pattern, _ in RULES for text, _, _ in MASKED if pattern.search(text)}
    assert fired == {name for name, _, _ in RULES}


_WORDS = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40)
_TOKEN = st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1)
_SECRETS = st.one_of(
    st.builds("sk-{}".format, st.text("abcdefXYZ0123456789_-", min_size=20, max_size=40)),
    st.builds(
        "AKIA{}".format, st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=16, max_size=16)
    ),
    st.builds("ghp_{}".format, st.text("abcXYZ0123456789", min_size=36, max_size=40)),
    st.builds("password={}".format, _TOKEN),
    st.builds("Authorization: Bearer {}".format, _TOKEN),
    st.builds("https://user:{}@example.com".format, _TOKEN),
)


@given(_WORDS, _SECRETS, _WORDS)
def test_a_secret_anywhere_in_text_is_masked(before, secret, after):
    text = f"{before} {secret} {after}"
    assert MASK in redact_text(text)
    assert secret not in redact_text(text)


@given(_WORDS)
def test_redaction_is_idempotent(text):
    once = redact_text(text)
    assert redact_text(once) == once


@given(st.text('abcdefghijklmnopqrstuvwxyz0123456789 \n.,-_:#{}[]$"', max_size=200))
def test_text_without_secret_words_is_unchanged(text):
    words = ("pass", "secret", "token", "key", "auth", "bearer", "cred", "sk-", "gh", "xox")
    if not any(word in text.lower() for word in words):
        assert redact_text(text) == text
