"""Streaming readers for feed files: JSON Lines and CSV, one row at a time, line-numbered.

Memory stays flat whatever the file size: nothing but the current line is held. Each
physical line is decoded on its own so one badly encoded line rejects that row only.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from contactpoint.identity.vocabulary import MAX_LINE_BYTES

FEED_SUFFIXES = frozenset({".jsonl", ".ndjson", ".json", ".csv"})


class FeedFileError(OSError):
    """The file as a whole cannot be read (missing, unreadable, unknown format)."""


@dataclass(frozen=True, slots=True)
class RawRow:
    line: int
    data: dict[str, Any] | None
    #: Why the row could not even be parsed (then data is None).
    error: str | None = None


def _physical_lines(fh: BinaryIO) -> Iterator[tuple[int, bytes | None]]:
    """(line number, bytes) for each line; bytes is None when the line is oversized."""
    number = 0
    while True:
        chunk = fh.readline(MAX_LINE_BYTES + 1)
        if not chunk:
            return
        number += 1
        if len(chunk) > MAX_LINE_BYTES and not chunk.endswith(b"\n"):
            while chunk and not chunk.endswith(b"\n"):  # skip the rest of the long line
                chunk = fh.readline(MAX_LINE_BYTES)
            yield number, None
            continue
        if number == 1 and chunk.startswith(b"\xef\xbb\xbf"):
            chunk = chunk[3:]
        yield number, chunk


def read_jsonl(fh: BinaryIO, keep: Callable[[int], bool] | None = None) -> Iterator[RawRow]:
    """The rows of a JSON Lines file; with `keep`, only the rows whose index (counting
    from 0, blank lines not counted) it keeps, the others not even parsed."""
    index = -1
    for number, raw in _physical_lines(fh):
        if raw is not None and not raw.strip():
            continue
        index += 1
        if keep is not None and not keep(index):
            continue
        if raw is None:
            yield RawRow(number, None, f"line is longer than {MAX_LINE_BYTES} bytes")
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            yield RawRow(number, None, "line is not valid UTF-8")
            continue
        try:
            value = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            yield RawRow(number, None, f"line is not valid JSON ({str(exc).split(':')[0]})")
            continue
        if not isinstance(value, dict):
            yield RawRow(number, None, "line is not a JSON object")
            continue
        yield RawRow(number, value)


def read_jsonl_bytes(data: bytes) -> Iterator[RawRow]:
    """Rows of a JSON Lines feed held in memory (the feeds API's request body).

    The same parser as a file's, so line numbers, the byte-order mark, blank, long and
    badly encoded lines are treated exactly as `ingest` treats them.
    """
    return read_jsonl(io.BytesIO(data))


def _set_path(target: dict[Any, Any], dotted: str, value: str) -> None:
    """Place a flattened CSV value: `services.0.type` -> target['services'][0]['type'].

    Indexes become dict keys here and lists in _listify; a header naming both a value
    and a field inside it (`address` and `address.town`) raises ValueError.
    """
    parts = [int(p) if p.isdigit() else p for p in dotted.split(".")]
    node = target
    for part in parts[:-1]:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise ValueError(dotted)
    if isinstance(node.get(parts[-1]), dict):
        raise ValueError(dotted)
    node[parts[-1]] = value


def _listify(node: Any) -> Any:
    """Turn dicts keyed 0, 1, 2… (from `services.0.type`) into lists, in index order."""
    if isinstance(node, dict):
        node = {k: _listify(v) for k, v in node.items()}
        if node and all(isinstance(k, int) for k in node):
            return [node[k] for k in sorted(node)]
    return node


def read_csv(fh: BinaryIO) -> Iterator[RawRow]:
    bad_lines: set[int] = set()
    long_lines: set[int] = set()

    def text_lines() -> Iterator[str]:
        for number, raw in _physical_lines(fh):
            if raw is None:
                long_lines.add(number)
                yield "\n"
                continue
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError:
                bad_lines.add(number)
                yield raw.decode("utf-8", errors="replace")

    reader = csv.reader(text_lines())
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        raise FeedFileError(f"CSV header cannot be read: {exc}") from None
    header = [h.strip() for h in header]
    start = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield RawRow(start, None, f"CSV row cannot be read ({exc})")
            start = reader.line_num + 1
            continue
        end = reader.line_num
        span = set(range(start, end + 1))
        line, start = start, end + 1
        row = _csv_row(line, header, cells, span=span, long_lines=long_lines,
                       bad_lines=bad_lines)
        if row is not None:
            yield row


def _csv_row(line: int, header: list[str], cells: list[str], *, span: set[int],
             long_lines: set[int], bad_lines: set[int]) -> RawRow | None:
    """One CSV record (which may span several physical lines) as a RawRow; None if blank."""
    if span & long_lines:
        return RawRow(line, None, f"line is longer than {MAX_LINE_BYTES} bytes")
    if span & bad_lines:
        return RawRow(line, None, "line is not valid UTF-8")
    if not any(c.strip() for c in cells):
        return None
    if len(cells) != len(header):
        return RawRow(line, None, f"CSV row has {len(cells)} cells but the header has "
                                  f"{len(header)}")
    row: dict[Any, Any] = {}
    try:
        for name, cell in zip(header, cells, strict=True):
            if cell != "":
                _set_path(row, name, cell)
    except ValueError as exc:
        return RawRow(line, None, f"CSV column {exc} clashes with another column")
    return RawRow(line, _listify(row))


def read_feed(path: Path, keep: Callable[[int], bool] | None = None) -> Iterator[RawRow]:
    """Rows of a feed file, by extension: .jsonl / .ndjson / .json, or .csv; with `keep`,
    only the rows whose index (from 0) it keeps, as feeds.pipeline's workers share a
    file. (A CSV record may span lines: every one is parsed, the others then dropped.)"""
    suffix = path.suffix.lower()
    if suffix not in FEED_SUFFIXES:
        raise FeedFileError(f"{path.name}: a feed file must be .jsonl or .csv")
    try:
        fh = open(path, "rb")  # noqa: SIM115  (closed by the generator's finally)
    except OSError as exc:
        raise FeedFileError(f"{path}: {exc.strerror or exc}") from None
    try:
        buffered = io.BufferedReader(fh, buffer_size=1 << 20)
        if suffix != ".csv":
            yield from read_jsonl(buffered, keep)
        elif keep is None:
            yield from read_csv(buffered)
        else:
            yield from (row for index, row in enumerate(read_csv(buffered)) if keep(index))
    finally:
        fh.close()
