"""Mask secrets in text before the interaction log stores it.

Instructions, fixtures, scripts, reports, edits and comments are typed or pasted by people, and
people paste credentials. A stored secret would travel on into exports and training data, so every
text field is masked *before* it is written. The rules are deliberately narrow shapes of real
credentials (a false positive changes a user's script; a false negative leaks a key); each replaces
only the secret part with `MASK` and keeps the surrounding text, so a redacted script still reads.
The pass is idempotent: redacting twice gives the same text.

Rules, in order (see docs/interactions.md for the table):
- private key blocks: `-----BEGIN ... PRIVATE KEY-----` up to its END line (or the end of text);
- credentials in URLs: `scheme://user:password@host` keeps the user, masks the password;
- authorization headers: `Authorization: Bearer|Basic|Token X`, and a bare `Bearer X`;
- well-known key shapes: OpenAI/Anthropic `sk-...`, AWS `AKIA...`/`ASIA...`, GitHub `ghp_`,
  `gho_`, `ghu_`, `ghs_`, `ghr_`, `github_pat_...`, Slack `xox?-...`, Google `AIza...`;
- assignments to a secret-named key: `password=`, `passwd:`, `api_key=`, `"token": "..."`,
  `client_secret=`, `access_key=` ... (the name must *end* in the keyword, so `max_tokens=40` and
  `token_count=5` are left alone).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

MASK = "***REDACTED***"

# A key name that holds a secret: ends in one of these words (case-insensitive).
SECRET_NAME = (
    r"(?:pass(?:word|wd|phrase)|secret|token|api[_-]?key|apikey|access[_-]?key|auth[_-]?key"
    r"|private[_-]?key|credentials?)"
)
_SECRET_KEY = re.compile(rf"^[\w.-]*{SECRET_NAME}$", re.IGNORECASE)


def _authorization(match: re.Match[str]) -> str:
    scheme = f"{match[2]} " if match[2] else ""
    return f"{match[1]}{scheme}{MASK}"


def _masked_value(match: re.Match[str]) -> str:
    """Name and separator kept, the value (group 3) masked inside its quotes or braces."""
    value = match[3]
    if len(value) >= 2 and value[0] + value[-1] in ('""', "''", "{}"):
        value = value[0] + MASK + value[-1]
    else:
        value = MASK
    return f"{match[1]}{match[2]}{value}"


# (name, pattern, replacement): applied in this order; later rules see earlier masks.
RULES: list[tuple[str, re.Pattern[str], str | Callable[[re.Match[str]], str]]] = [
    (
        "private key block",
        re.compile(
            r"-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY-----.*?(?:-----END \1PRIVATE KEY-----|\Z)",
            re.DOTALL,
        ),
        rf"-----BEGIN \1PRIVATE KEY-----{MASK}-----END \1PRIVATE KEY-----",
    ),
    (
        "URL credentials",
        re.compile(r"\b([a-zA-Z][a-zA-Z0-9+.-]*://[^\s:/@]+):[^\s/@]+@"),
        rf"\1:{MASK}@",
    ),
    (
        "authorization header",
        re.compile(
            r"(?i)\b((?:proxy-)?authorization[\"']?\s*[:=]\s*[\"']?)"
            r"(?:(bearer|basic|token|digest)\s+)?+(?![<`])[^\s\"',;]+"
        ),
        _authorization,
    ),
    (
        "bearer token",
        re.compile(r"(?i)\b(bearer)\s+(?![<`])[A-Za-z0-9\-._~+/]{8,}=*"),
        rf"\1 {MASK}",
    ),
    ("OpenAI/Anthropic key", re.compile(r"\bsk-[A-Za-z0-9_-]{16,}"), MASK),
    ("AWS access key id", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"), MASK),
    ("GitHub token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_\w{22,})"), MASK),
    ("Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"), MASK),
    ("Google API key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}"), MASK),
    (
        "secret assignment",
        re.compile(
            rf"(?i)\b([\w.-]*{SECRET_NAME})(?![\w-])([\"']?\s*[:=]\s*)"
            # `<token>` placeholders and `code` in prose are documentation, not secrets.
            r"(?![<`])(\"[^\"\n]+\"|'[^'\n]+'|[^\s\"',;&]+)"
        ),
        _masked_value,
    ),
    (
        "Tcl or shell variable",
        re.compile(
            rf"(?i)\b((?:set|export)\s+[\w:.-]*{SECRET_NAME})(\s+)"
            r"(\{[^{}\n]+\}|\"[^\"\n]+\"|[^\s;\]\"{]+)"
        ),
        _masked_value,
    ),
]


def redact_text(text: str) -> str:
    """`text` with every secret the rules recognise replaced by `MASK`."""
    for _name, pattern, replacement in RULES:
        text = pattern.sub(replacement, text)
    return text


def redact(value: Any) -> Any:
    """A JSON value with every string redacted; a string under a secret-named key (`{"password":
    "hunter2"}`) is masked whole, since its key is the only sign that it is a secret."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, list | tuple):
        return [redact(item) for item in value]
    if isinstance(value, dict):
        return {
            key: MASK
            if isinstance(item, str) and item and _SECRET_KEY.match(str(key))
            else redact(item)
            for key, item in value.items()
        }
    return value
