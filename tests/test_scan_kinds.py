"""gptpriv.scan.find on planted values: each kind found with its id and hint, look-alikes
not found, and values in the JSON-escaped form the scanner reads (the export's raw bytes)."""

from __future__ import annotations

import base64
import json

import pytest

from gptpriv.scan import KINDS, find


def _b64(value: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


JWT = (_b64({"alg": "HS256", "typ": "JWT"}) + "." + _b64({"sub": "1234567890", "iat": 1516239022})
       + ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c")

# (kind, value as the user wrote it). Every kind at least once.
POSITIVES = [
    ("secret.aws_access_key", "AKIAIOSFODNN7EXAMPLE"),
    ("secret.github_token", "ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3z5A"),
    ("secret.github_token", "github_pat_11ABCDEFG0" + "Zq7x" * 18),
    ("secret.gitlab_token", "glpat-xYz12AbC34dEf56GhI78"),
    ("secret.openai_api_key", "sk-proj-Ab3De5Gh7Jk9Mn1Pq3St5Vw7Yz9Ab3De5Gh7Jk9Mn1Pq"),
    ("secret.openai_api_key", "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"),
    ("secret.anthropic_api_key", "sk-ant-api03-" + "Ab3De5Gh7Jk9Mn1Pq3St5Vw7Yz9" * 3 + "AbcDefQ8"),
    ("secret.slack_token", "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"),
    ("secret.slack_webhook", "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"),
    ("secret.google_api_key", "AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q"),
    ("secret.stripe_key", "sk_live_4eC39HqLyjWDarjtT1zdp7dc"),
    ("secret.stripe_key", "rk_test_4eC39HqLyjWDarjtT1zdp7dc"),
    ("secret.npm_token", "npm_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3z5A"),
    ("secret.private_key", "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA"),
    ("secret.private_key", "-----BEGIN OPENSSH PRIVATE KEY-----"),
    ("secret.jwt", JWT),
    ("secret.password_assignment", "password=hunter22x"),
    ("secret.password_assignment", 'DB_PASSWORD: "hunter22x"'),
    ("secret.password_assignment", '{"passwd": "Tr0ub4dor&3"}'),
    ("secret.password_assignment", 'DB_PASSWORD: "s3cr3tPass!"'),  # a value may say "pass"
    ("secret.password_assignment", "password=Passw0rd!"),
    ("pii.email", "alice@example.com"),
    ("pii.phone", "+1 415 555 2671"),
    ("pii.phone", "(415) 555-2671"),
    ("pii.phone", "+44 20 7946 0958"),
    ("pii.payment_card", "4111 1111 1111 1111"),
    ("pii.payment_card", "5555-5555-5555-4444"),
    ("pii.payment_card", "378282246310005"),
    ("pii.iban", "DE89 3704 0044 0532 0130 00"),
    ("pii.iban", "GB82WEST12345698765432"),
    ("pii.us_ssn", "219-09-9998"),
]
NO_HINT = {"secret.private_key", "secret.password_assignment"}


def raw(text: str) -> bytes:
    """`text` as the scanner sees it: inside a JSON string, non-ASCII escaped."""
    return json.dumps(text)[1:-1].encode()


def kinds(text: str) -> list[str]:
    return [kind for kind, _, _ in find(raw(text))]


def test_every_kind_has_a_positive() -> None:
    assert {kind for kind, _ in POSITIVES} == {k.id for k in KINDS}


@pytest.mark.parametrize(("kind", "value"), POSITIVES)
def test_positive_found_with_kind_and_hint(kind: str, value: str) -> None:
    hits = find(raw(value))
    assert [k for k, _, _ in hits] == [kind], hits
    secret = next(k for k in KINDS if k.id == kind).secret
    _, hint, _ = hits[0]
    if secret and kind not in NO_HINT:
        assert hint == "…" + value[-4:]
    else:
        assert hint is None


@pytest.mark.parametrize(("kind", "value"), POSITIVES)
@pytest.mark.parametrize("before, after", [
    ("line\n", "\nnext"),  # \n escapes right against the value
    ('he said "', '" then'),  # JSON-escaped quotes
    ("tab\t", "\r\n"),
    ("see: ", "."),
])
def test_positive_found_in_escaped_context(kind: str, value: str, before: str, after: str) -> None:
    hits = find(raw(before + value + after))
    assert [k for k, _, _ in hits] == [kind], hits
    # The offset is in the scanned bytes, within the value (a webhook from its host).
    assert len(raw(before)) <= hits[0][2] < len(raw(before + value))


def test_offsets_and_order_of_several() -> None:
    text = raw("mail alice@example.com, key AKIAIOSFODNN7EXAMPLE")
    assert find(text) == [("pii.email", None, 5),
                          ("secret.aws_access_key", "…MPLE", text.index(b"AKIA"))]


DECOYS = [
    "550e8400-e29b-41d4-a716-446655440000",  # UUID
    "d41d8cd98f00b204e9800998ecf8427e",  # md5
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",  # sha256
    "da39a3ee5e6b4b0d3255bfef95601890afd80709",  # sha1
    "pip install sk-learn",
    "4111 1111 1111 1112",  # fails Luhn
    "order 1234567812345678",  # Luhn-valid, no card network's prefix
    "0000 0000 0000 0000",
    "on 2023-05-16 at 10:00",
    "2023-05-16T10:00:00Z",
    "DE88 3704 0044 0532 0130 00",  # IBAN with a bad checksum
    "000-12-3456", "666-12-3456", "912-34-5678", "219-00-9998", "219-09-0000",  # never issued
    "logo@2x.png", "icon@3x.jpg",
    'password = os.environ["X"]',
    "password = os.getenv('DB_PASSWORD')",
    "password: ********",
    "password=<your password>",
    "password=${DB_PASSWORD}",
    "password = self.password",
    "password = user_password",  # a variable's name
    "password=newPass",
    "password=changeme",
    "password=xxxxxx",
    "pk_live_51H8abcdefGHIJKLmnopQRstuv",  # publishable Stripe keys are public
    "pk_test_TYooMQauvdEDq54NiTphI7jx",
    "(123) 456-7890",  # no such area code
    "ts 1700000000000",
    "192.168.100.200",
    "akiaiosfodnn7example",
    "AKIAIOSFODNN7EXAMPLEX",  # part of a longer word
    "xAKIAIOSFODNN7EXAMPLE",
    "eyJhbGciOiJI.eyJzdWIiOiIx.abcdefghijk",  # a header that is not JSON
]


@pytest.mark.parametrize("text", DECOYS)
def test_decoy_not_found(text: str) -> None:
    assert find(raw(text)) == []
    assert find(raw("line\n" + text + "\n")) == []


def test_card_followed_by_expiry_and_iban_by_words() -> None:
    assert kinds("card 4111 1111 1111 1111 exp 12/26") == ["pii.payment_card"]
    assert kinds("DE89 3704 0044 0532 0130 00 is mine") == ["pii.iban"]


def test_odd_bytes_do_not_crash() -> None:
    for text in (b"\\ud800AKIAIOSFODNN7EXAMPLE", b"\xff\xfe alice@example.com \xc3",
                 b"\\", b"", b"\\u", b"password=\\ud800\\udfff1234", memoryview(b"a@b.co")):
        find(text)


@pytest.mark.parametrize(("kind", "value"), POSITIVES)
@pytest.mark.parametrize("before, after", [
    ("key \u201c", "\u201d"),  # curly quotes: \u201c...\u201d in the export
    ("Tel:\u00a0", "\u00a0"),  # a no-break space
    ("caf\u00e9\u2014", "\u2014"),  # an em dash
])
def test_positive_found_after_an_escaped_non_ascii_character(kind: str, value: str, before: str,
                                                             after: str) -> None:
    assert kinds(before + value + after) == [kind]
