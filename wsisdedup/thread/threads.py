"""The threading driver: headers, then the fallbacks, then the threads.

`thread_messages` finds every message's parent (`wsisdedup.thread.headers`, then
`wsisdedup.thread.fallbacks`) and builds the `Thread`s from the parent links. The cost is linear
in the number of messages and references, plus sorting.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from types import MappingProxyType
from typing import Final

import attrs

from wsisdedup.model import Message, Thread, ThreadNode
from wsisdedup.thread.fallbacks import fallbacks
from wsisdedup.thread.graph import ThreadGraph, _clean_id
from wsisdedup.thread.headers import link_headers
from wsisdedup.thread.people import AttributionRef

__all__ = ["Threading", "thread_messages"]


@attrs.frozen(kw_only=True)
class Threading:
    """Messages with `parent_id`, `parent_evidence` and `thread_id` set, and the threads."""

    messages: tuple[Message, ...]
    threads: tuple[Thread, ...]


_EMPTY_ATTRIBUTIONS: Final[Mapping[str, Sequence[AttributionRef]]] = MappingProxyType({})
_EMPTY_QUOTES: Final[Mapping[str, str]] = MappingProxyType({})
_DEFAULT_WINDOW: Final = timedelta(days=30)


def thread_messages(
    messages: Sequence[Message],
    *,
    attributions: Mapping[str, Sequence[AttributionRef]] = _EMPTY_ATTRIBUTIONS,
    quote_sources: Mapping[str, str] = _EMPTY_QUOTES,
    subject_window: timedelta = _DEFAULT_WINDOW,
    use_subjects: bool = True,
) -> Threading:
    """Find every message's parent and build the threads.

    `attributions` maps a message id to the attribution lines of its body, outermost (the
    direct parent) first; `quote_sources` maps a message id to the id of the message it quotes
    most. Both only help messages whose headers give no parent in the archive. The subject
    fallback runs unless `use_subjects` is false (threads from headers alone).

    Ids are expected to be unique (duplicates are collapsed before threading); a repeated id
    gets the same parent and thread as its first occurrence, and appears once in the threads.
    """
    graph = ThreadGraph(messages)
    link_headers(graph)
    fallbacks(graph, attributions, quote_sources, subject_window.total_seconds(), use_subjects)
    return _result(graph)


def _heads(graph: ThreadGraph) -> list[list[int]]:
    """Each thread's depth-0 messages, earliest first: a root, or a group of co-roots."""
    heads: list[list[int]] = []
    for i in sorted(range(graph.n), key=graph.order_key):
        if graph.parent[i] != -1:
            continue
        g = graph.group[i]
        if g == -1:
            heads.append([i])
        elif graph.group_members[g][0] == i:
            heads.append(graph.group_members[g])
    return heads


def _result(graph: ThreadGraph) -> Threading:
    """The threads, depth first in time order, and the messages with their links set."""
    n = graph.n
    children: list[list[int]] = [[] for _ in range(n)]
    for i in range(n):
        if graph.parent[i] != -1:
            children[graph.parent[i]].append(i)
    thread_of = [-1] * n
    threads: list[Thread] = []
    for roots in _heads(graph):
        nodes: list[ThreadNode] = []
        stack = [(r, 0) for r in reversed(roots)]
        while stack:
            k, depth = stack.pop()
            thread_of[k] = roots[0]
            nodes.append(ThreadNode(id=graph.unique[k].id, depth=depth))
            kids = sorted(children[k], key=graph.order_key)
            stack.extend((c, depth + 1) for c in reversed(kids))
        threads.append(Thread(root_id=nodes[0].id, nodes=tuple(nodes)))
    if -1 in thread_of:  # every root heads a thread or belongs to a group that does
        raise AssertionError("threading left a message outside every thread")
    out: list[Message] = []
    for m in graph.inputs:
        i = graph.index[_clean_id(m.id)]
        p = graph.parent[i]
        out.append(
            attrs.evolve(
                m,
                parent_id=graph.unique[p].id if p != -1 else None,
                parent_evidence=graph.evidence[i],
                thread_id=graph.unique[thread_of[i]].id,
            )
        )
    return Threading(messages=tuple(out), threads=tuple(threads))
