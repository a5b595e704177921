"""The JSON tree: stats, problems and each thread with its replies nested."""

from __future__ import annotations

import json
from typing import Any, TextIO

from wsisdedup.export.records import _problem_record, message_record
from wsisdedup.export.views import _thread_views
from wsisdedup.model import Archive

__all__ = ["write_json_tree"]


def write_json_tree(archive: Archive, out: TextIO) -> None:
    """Write `{"stats", "problems", "threads"}`, each thread `{"id", "subject", "messages"}`.

    `messages` holds the thread's top messages (one, unless the root was never archived), each
    a `message_record` with its "replies" nested the same way.

    The nesting is written as the thread is walked, never built and handed to `json.dumps`
    whole: a chain of a thousand replies would exceed the encoder's recursion limit, and the
    whole archive would be held twice in memory.
    """
    head = {
        "stats": archive.stats.as_dict(),
        "problems": [_problem_record(p) for p in archive.problems],
    }
    out.write(_dumps(head)[:-1] + ', "threads": [')
    for i, view in enumerate(_thread_views(archive)):
        if i:
            out.write(", ")
        out.write(_dumps({"id": view.id, "subject": view.root.subject})[:-1] + ', "messages": [')
        _write_nested(out, [(p.depth, message_record(p.message)) for p in view.placed])
        out.write("]}")
    out.write("]}\n")


def _write_nested(out: TextIO, placed: list[tuple[int, dict[str, Any]]]) -> None:
    """Records in depth-first order, each with its depth, as nested `"replies"` lists."""
    written: list[int] = [0]  # records written so far in each open list, outermost first
    for depth, rec in placed:
        depth = min(depth, len(written) - 1)
        while len(written) > depth + 1:  # close the replies of deeper records
            out.write("]}")
            written.pop()
        if written[-1]:
            out.write(", ")
        written[-1] += 1
        out.write(_dumps(rec)[:-1] + ', "replies": [')
        written.append(0)
    out.write("]}" * (len(written) - 1))


def _dumps(obj: dict[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False)
