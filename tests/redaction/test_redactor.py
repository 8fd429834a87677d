"""The redactor: every configured secret, in every form it is echoed in, becomes `***`."""

from __future__ import annotations

import json
import logging
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.redact import MASK, Redactor, current, install
from tests.support.apps import make_settings

PEM = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEowIBAAKCAQEAx1\nq9Zk2Lr8c3VbNnPpA0\n"
    "-----END RSA PRIVATE KEY-----\n"
)


@pytest.mark.parametrize(
    ("text", "secrets", "expected"),
    [
        ("Bad credentials for ghs_abcdefghijklmnop", (), "Bad credentials for ***"),
        ("token github_pat_11ABCDEFG0123456789_xyz here", (), "token *** here"),
        ("jwt eyJhbGciOi.eyJpc3MiOjF9.c2lnbmF0dXJl", (), "jwt ***"),
        ("sent fake-token-0123456789", ("fake-token-0123456789",), "sent ***"),
        ("nothing secret in here", (), "nothing secret in here"),
        # JSON-escaped, as a JSON log line or a stored outcome writes it
        (json.dumps({"m": 'a"b\\c\u00e9'}), ('a"b\\c\u00e9',), '{"m": "***"}'),
        # URL-quoted, as in a logged request line
        ("GET /x?t=" + quote("p&ss wörd", safe=""), ("p&ss wörd",), "GET /x?t=***"),
        # one line of a private key is a leak already
        ("echo: q9Zk2Lr8c3VbNnPpA0", (PEM,), "echo: ***"),
        ("-----BEGIN RSA PRIVATE KEY-----", (PEM,), "-----BEGIN RSA PRIVATE KEY-----"),
        # the longest form wins: no half-masked secret
        ("abcdefgh", ("abcd", "abcdefgh"), "***"),
        # too short to mask without masking ordinary words
        ("the cat", ("cat",), "the cat"),
    ],
)
def test_redact(text: str, secrets: tuple[str, ...], expected: str) -> None:
    assert Redactor.of(secrets).text(text) == expected


def test_every_secret_of_the_settings_is_known() -> None:
    settings = make_settings(
        GITHUB_TOKEN="tok-en-1234",
        GITHUB_WEBHOOK_SECRET="hook-one,hook-two",
        BOARDWATCH_ADMIN_TOKEN="adm-in-5678",
        GITHUB_APP_ID="7",
        GITHUB_APP_PRIVATE_KEY=PEM,
        BOARDWATCH_DATABASE_URL="postgresql+psycopg://bw:db%2Fpass@db.example/bw",
    )
    redactor = Redactor.from_settings(settings)
    text = "tok-en-1234 hook-one hook-two adm-in-5678 MIIEowIBAAKCAQEAx1 db/pass db%2Fpass"
    assert redactor.text(text) == " ".join([MASK] * 7)


def test_nested_values_are_redacted_keys_included() -> None:
    redactor = Redactor.of(["s3cret-value"])
    data = {"ran": [{"message": "echo s3cret-value"}], "s3cret-value": ("x", 3, None)}
    assert redactor.value(data) == {"ran": [{"message": "echo ***"}], "***": ("x", 3, None)}


@given(
    secret=st.text(st.characters(exclude_characters="*"), min_size=4, max_size=20),
    before=st.text(max_size=30),
    after=st.text(max_size=30),
)
def test_no_text_keeps_a_secret(secret: str, before: str, after: str) -> None:
    assert secret not in Redactor.of([secret]).text(before + secret + after)


def test_log_records_are_redacted_before_any_handler_sees_them(
    caplog: pytest.LogCaptureFixture,
) -> None:
    saved = current()
    install(Redactor.of(["log-secret-42"]))
    try:
        logging.getLogger("anything").warning("answer was %s", "token log-secret-42")
    finally:
        install(saved)
    assert caplog.messages == ["answer was token ***"]
