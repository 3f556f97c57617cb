"""The kinds of sensitive data a scan reports: stable ids, like rule ids, with the words
people read and how each is found. Light: `gptpriv rules` lists these without loading the
matching engine (scan/detect.py holds the patterns)."""

from __future__ import annotations

from typing import NamedTuple


class Kind(NamedTuple):
    id: str
    words: str  # what one is called in a sentence: "an AWS access key"
    plural: str  # "AWS access keys"
    secret: bool  # a credential to rotate (a hint may be shown); else personal data
    how: str  # how it is found, and what keeps look-alikes out
    source: str  # the well-known scanner whose rule it follows


KINDS: tuple[Kind, ...] = (
    Kind("secret.aws_access_key", "an AWS access key", "AWS access keys", True,
         "AKIA, ASIA, ABIA, ACCA or A3T? and 16 more of A-Z and 2-7", "gitleaks aws-access-token"),
    Kind("secret.github_token", "a GitHub token", "GitHub tokens", True,
         "ghp_, gho_, ghu_, ghs_ or ghr_ and 36 letters or digits; github_pat_ and 82",
         "gitleaks github-pat, github-fine-grained-pat, github-oauth, github-app-token"),
    Kind("secret.gitlab_token", "a GitLab token", "GitLab tokens", True,
         "glpat-, gldt-, glrt- or glptt- and 20 or more letters, digits, - or _", "gitleaks gitlab-pat"),
    Kind("secret.openai_api_key", "an OpenAI API key", "OpenAI API keys", True,
         "sk- (or sk-proj-, sk-svcacct-, sk-admin-) with OpenAI's marker T3BlbkFJ inside; "
         "sk-proj-... of 40 or more; or sk- and exactly 48 letters and digits, mixed",
         "gitleaks openai-api-key"),
    Kind("secret.anthropic_api_key", "an Anthropic API key", "Anthropic API keys", True,
         "sk-ant-api03- or sk-ant-admin01- and 80 or more letters, digits, - or _",
         "gitleaks anthropic-api-key"),
    Kind("secret.slack_token", "a Slack token", "Slack tokens", True,
         "xoxb-, xoxp-, xoxa-, xoxo-, xoxs-, xoxr- or xoxe- with a numeric team part",
         "gitleaks slack-bot-token, slack-user-token"),
    Kind("secret.slack_webhook", "a Slack webhook URL", "Slack webhook URLs", True,
         "hooks.slack.com/services/ or /workflows/ and its secret path", "gitleaks slack-webhook-url"),
    Kind("secret.google_api_key", "a Google API key", "Google API keys", True,
         "AIza and 35 letters, digits, - or _", "gitleaks gcp-api-key"),
    Kind("secret.stripe_key", "a Stripe secret key", "Stripe secret keys", True,
         "sk_live_, sk_test_, rk_live_ or rk_test_ and 10 or more letters and digits "
         "(publishable pk_ keys are public and not reported)", "gitleaks stripe-access-token"),
    Kind("secret.npm_token", "an npm token", "npm tokens", True,
         "npm_ and 36 letters and digits", "gitleaks npm-access-token"),
    Kind("secret.private_key", "a private key", "private keys", True,
         "a PEM block: -----BEGIN ... PRIVATE KEY-----", "gitleaks private-key"),
    Kind("secret.jwt", "a JSON Web Token", "JSON Web Tokens", True,
         "three base64url parts, the first two JSON (eyJ...), the first naming `alg` or `typ`",
         "gitleaks jwt"),
    Kind("secret.password_assignment", "a password", "passwords", True,
         "password, passwd or passphrase, then = or :, then a value of 6 or more "
         "characters that is not a placeholder (****, <password>, ${VAR}, changeme)",
         "detect-secrets KeywordDetector"),
    Kind("pii.email", "an email address", "email addresses", False,
         "name@domain.tld; not image@2x.png-style file names", "Presidio EmailRecognizer"),
    Kind("pii.phone", "a phone number", "phone numbers", False,
         "+ and a country code, or (415) 555-0132-style with separators; valid by the "
         "numbering plan of its country (phonenumbers, libphonenumber's data)",
         "Presidio PhoneRecognizer"),
    Kind("pii.payment_card", "a payment card number", "payment card numbers", False,
         "13 to 19 digits, spaces or dashes between groups, a card network's prefix and a "
         "valid Luhn check digit", "Presidio CreditCardRecognizer"),
    Kind("pii.iban", "an IBAN", "IBANs", False,
         "a country code, 2 check digits and the account number: the country's length and "
         "format, and a valid mod-97 checksum (python-stdnum)", "Presidio IbanRecognizer"),
    Kind("pii.us_ssn", "a US Social Security number", "US Social Security numbers", False,
         "123-45-6789 form with dashes; never issued numbers (area 000, 666 or 9xx, group 00, "
         "serial 0000) are not reported (python-stdnum)", "Presidio UsSsnRecognizer"),
)
BY_ID = {kind.id: kind for kind in KINDS}
ORDER = {kind.id: n for n, kind in enumerate(KINDS)}
