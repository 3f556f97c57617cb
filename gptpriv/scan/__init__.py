"""Sensitive data in the text of conversations: which kinds (kinds.py), found how
(detect.py). Never the values: a finding is a kind, a count and, for a secret, a hint."""

from gptpriv.scan.detect import Hit, find
from gptpriv.scan.kinds import BY_ID, KINDS, Kind

__all__ = ["BY_ID", "KINDS", "Hit", "Kind", "find"]
