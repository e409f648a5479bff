"""The blind index's tokens are stored for years: their computation must never drift."""

import hashlib
import hmac

import pytest

from contactpoint.crypto.blind import BlindIndex

KEY = bytes(range(32))


def test_a_token_is_the_truncated_hmac_sha256_of_kind_and_parts():
    expected = hmac.digest(KEY, b"blk:dob+name\x1f2015-03-04\x1fSM0", "sha256")[:16]
    assert BlindIndex(KEY).token("blk:dob+name", "2015-03-04", "SM0") == expected


@pytest.mark.parametrize("key", [KEY, bytes(range(64)), bytes(range(100))])
@pytest.mark.parametrize("parts", [("SM0",), ("x" * 200, "Żaneta O’Neill"), ()])
def test_tokens_equal_the_standard_hmac_for_any_key_and_length(key, parts):
    message = "\x1f".join(("kind", *parts)).encode()
    expected = hmac.new(key, message, hashlib.sha256).digest()[:16]
    assert BlindIndex(key).token("kind", *parts) == expected


def test_tokens_of_one_index_do_not_leak_state_between_calls():
    index = BlindIndex(KEY)
    first = index.token("id:nhs_number", "9434765919")
    index.token("blk:postcode+dob", "LS1 4AB", "2016-01-01")
    assert index.token("id:nhs_number", "9434765919") == first


def test_the_kind_is_inside_the_mac():
    index = BlindIndex(KEY)
    assert index.token("id:upn", "123") != index.token("id:nhs_number", "123")


def test_a_short_key_is_refused():
    with pytest.raises(ValueError, match="32 bytes"):
        BlindIndex(hashlib.sha256(b"x").digest()[:16])
