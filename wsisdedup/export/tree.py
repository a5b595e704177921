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
    """
    threads: list[dict[str, Any]] = []
    for view in _thread_views(archive):
        tops: list[dict[str, Any]] = []
        stack: list[dict[str, Any]] = []
        for p in view.placed:
            rec = message_record(p.message)
            rec["replies"] = []
            del stack[p.depth :]
            if stack:
                stack[-1]["replies"].append(rec)
            else:
                tops.append(rec)
            stack.append(rec)
        threads.append({"id": view.id, "subject": view.root.subject, "messages": tops})
    doc = {
        "stats": archive.stats.as_dict(),
        "problems": [_problem_record(p) for p in archive.problems],
        "threads": threads,
    }
    out.write(json.dumps(doc, ensure_ascii=False, indent=1))
    out.write("\n")
