"""What gptpriv reads in msgspec's error messages, pinned for the installed msgspec.

The stream reader (gptpriv/export/stream.py) tells a buffer cut short from a broken one by the
word "truncated", makes "(byte N)" absolute, and rewrites the path "`$[0]...`" of a
conversation decoded alone; the parallel reader cuts units the same way. pyproject.toml bounds
msgspec above for this reason: before lifting the bound, run this file against the new version.
"""

from __future__ import annotations

import msgspec
import pytest

from gptpriv.export import schema
from gptpriv.export.stream import (
    DECODE_ERRORS,
    _error_text,
    element_error,
    is_truncated,
)

VERSION = f"msgspec {msgspec.__version__}"
CONVERSATIONS = msgspec.json.Decoder(list[schema.Conversation])
RAW = msgspec.json.Decoder(list[msgspec.Raw])


def error_of(decoder: msgspec.json.Decoder, data: bytes) -> BaseException:
    with pytest.raises(DECODE_ERRORS) as caught:
        decoder.decode(data)
    return caught.value


@pytest.mark.parametrize("data", [b'[{"title": "a", "x": [{"y": 1}]', b'[{"title": "a"}, {"ti', b"[",
                                  b'[{"title": "unfinished'])
@pytest.mark.parametrize("decoder", [CONVERSATIONS, RAW], ids=["conversations", "raw"])
def test_a_buffer_cut_short_says_truncated_and_has_no_offset(decoder, data: bytes) -> None:
    error = error_of(decoder, data)
    assert isinstance(error, msgspec.DecodeError) and is_truncated(error), (VERSION, error)
    assert str(error) == "Input data was truncated", VERSION
    assert _error_text(error, 100) == "input data was truncated", VERSION


@pytest.mark.parametrize("decoder", [CONVERSATIONS, RAW], ids=["conversations", "raw"])
def test_broken_json_names_its_byte_which_is_made_absolute(decoder) -> None:
    document = b'{"title": }'
    bad = document.index(b"}")
    # As the stream decodes it: the array's `[` in front, at `base` in the file.
    error = error_of(decoder, b"[" + document + b"]")
    assert isinstance(error, msgspec.DecodeError) and not is_truncated(error), (VERSION, error)
    assert str(error) == f"JSON is malformed: invalid character (byte {bad + 1})", VERSION
    assert _error_text(error, 5000) == f"JSON is malformed: invalid character (byte {5000 + bad})"


def test_a_wrong_type_names_its_path_which_starts_at_the_conversation() -> None:
    error = error_of(CONVERSATIONS, b'[{"title": "a", "create_time": [1]}]')
    assert isinstance(error, msgspec.ValidationError) and not is_truncated(error), (VERSION, error)
    assert str(error).startswith("Expected `") and str(error).endswith(" - at `$[0].create_time`"), \
        (VERSION, str(error))
    text = element_error(error, 0)
    assert text.startswith("expected `") and text.endswith(" - at `$.create_time`"), (VERSION, text)


def test_not_an_array_has_no_path() -> None:
    error = error_of(CONVERSATIONS, b'{"title": "a"}')
    assert str(error) == "Expected `array`, got `object`", VERSION


def test_nesting_beyond_the_recursion_limit_is_a_recursion_error() -> None:
    error = error_of(msgspec.json.Decoder(), b"[" * 200_000 + b"]" * 200_000)
    assert isinstance(error, RecursionError), (VERSION, error)
    assert _error_text(error, 0) == "nested too deeply to read"


def test_bad_utf8_in_a_string_is_one_of_the_errors_caught() -> None:
    error = error_of(CONVERSATIONS, b'[{"title": "\xff"}]')
    assert not is_truncated(error), (VERSION, error)
    assert "utf-8" in _error_text(error, 0).lower(), (VERSION, error)
