import pytest

from contactpoint.feeds.reader import FeedFileError, read_feed, read_jsonl_bytes
from contactpoint.identity.vocabulary import MAX_LINE_BYTES


def rows(path):
    return [(r.line, r.data, r.error) for r in read_feed(path)]


def test_jsonl_rows_are_numbered_from_one_and_blank_lines_count(tmp_path):
    path = tmp_path / "f.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"a": 1}\n\n{"b": 2}\n')
    assert rows(path) == [(1, {"a": 1}, None), (3, {"b": 2}, None)]


def test_bad_lines_are_rejected_alone(tmp_path):
    path = tmp_path / "f.jsonl"
    long_line = b'{"x": "' + b"a" * (MAX_LINE_BYTES + 10) + b'"}'
    path.write_bytes(b"[1, 2]\n" + b'{"ok": "\xff"}\n' + b"{oops\n" + long_line + b"\n"
                     + b'{"after": true}\n')
    got = rows(path)
    assert [(line, error is None) for line, _, error in got] == [
        (1, False), (2, False), (3, False), (4, False), (5, True)]
    assert "not a JSON object" in got[0][2]
    assert "UTF-8" in got[1][2]
    assert "not valid JSON" in got[2][2]
    assert "longer than" in got[3][2]
    assert got[4][1] == {"after": True}


def test_csv_is_unflattened_with_lists(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text(
        "source_id,given_names,address.postcode,services.0.type,services.1.type,"
        "former_family_names.0\n"
        'S1,Ann,LS1 4AP,school,gp,Smith\n'
        'S2,"Bo, Jr",,,gp,\n', encoding="utf-8")
    got = rows(path)
    assert got[0] == (2, {"source_id": "S1", "given_names": "Ann",
                          "address": {"postcode": "LS1 4AP"},
                          "services": [{"type": "school"}, {"type": "gp"}],
                          "former_family_names": ["Smith"]}, None)
    assert got[1][1] == {"source_id": "S2", "given_names": "Bo, Jr",
                         "services": [{"type": "gp"}]}


def test_csv_bad_rows_and_encoding(tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes(b"source_id,given_names\nS1,Ann\nS2\nS3,\xff\nS4,Di\n")
    got = rows(path)
    assert got[0][1] == {"source_id": "S1", "given_names": "Ann"}
    assert got[1][0] == 3
    assert "cells" in got[1][2]
    assert got[2][0] == 4
    assert "UTF-8" in got[2][2]
    assert got[3] == (5, {"source_id": "S4", "given_names": "Di"}, None)


def test_unknown_extension_and_missing_file(tmp_path):
    with pytest.raises(FeedFileError, match=r"\.jsonl or \.csv"):
        rows(tmp_path / "f.xml")
    with pytest.raises(FeedFileError):
        rows(tmp_path / "missing.jsonl")


def test_a_feed_in_memory_reads_as_the_same_file_does(tmp_path):
    """The feeds API parses its body with the file parser: same rows, numbers and reasons."""
    long_line = b'{"x": "' + b"a" * (MAX_LINE_BYTES + 10) + b'"}'
    data = (b'\xef\xbb\xbf{"a": 1}\n\n[1]\n{"ok": "\xff"}\n{oops\n' + long_line
            + b'\n{"b": 2}')
    path = tmp_path / "f.jsonl"
    path.write_bytes(data)
    in_memory = [(r.line, r.data, r.error) for r in read_jsonl_bytes(data)]
    assert in_memory == rows(path)
    assert [line for line, _, _ in in_memory] == [1, 3, 4, 5, 6, 7]


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_rows_kept_by_index_are_those_of_a_whole_read(tmp_path, suffix):
    """How the pipeline's workers share a file: each keeps its rows by index, and
    between them they read exactly the rows of one whole read, bad ones included."""
    path = tmp_path / f"f{suffix}"
    if suffix == ".jsonl":
        long_line = b'{"x": "' + b"a" * (MAX_LINE_BYTES + 10) + b'"}'
        path.write_bytes(b'{"a": 1}\n\n[1]\n' + long_line + b'\n\n{"b": 2}\n{oops\n{"c": 3}\n')
    else:
        path.write_bytes(b'source_id,given_names\nS1,Ann\n\nS2\nS3,"two\nlines"\nS4,\xff\n'
                         b"S5,Di\n")
    whole = rows(path)
    assert len(whole) >= 5
    shares = [[(r.line, r.data, r.error) for r in read_feed(path, keep=lambda i, s=s: i % 2 == s)]
              for s in (0, 1)]
    assert shares[0] == whole[0::2]
    assert shares[1] == whole[1::2]
