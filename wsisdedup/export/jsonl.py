"""JSON Lines: one record a line."""

from __future__ import annotations

import json
from typing import Any, TextIO

from wsisdedup.export.records import message_record
from wsisdedup.model import Archive

__all__ = ["write_jsonl"]

# Python's str.splitlines() (and some JSON Lines readers built on it) also breaks lines at
# these characters, which json.dumps(ensure_ascii=False) leaves raw inside strings. They only
# ever occur inside JSON strings, where their \u escapes mean the same.
_LINE_BREAKERS = {"\u0085": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def _json_line(obj: Any) -> str:
    s = json.dumps(obj, ensure_ascii=False)
    for raw, escaped in _LINE_BREAKERS.items():
        if raw in s:
            s = s.replace(raw, escaped)
    return s


def write_jsonl(archive: Archive, out: TextIO, *, with_body: bool = False) -> int:
    """Write one `message_record` a line; return the number of lines written.

    `with_body` adds each message's whole `body`, so that an analysis needs nothing else.
    """
    n = 0
    for m in archive.messages:
        record = message_record(m)
        if with_body:
            record["body"] = m.body
        out.write(_json_line(record))
        out.write("\n")
        n += 1
    return n
