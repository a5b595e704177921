"""Parents from headers: Jamie Zawinski's algorithm over Message-ID, In-Reply-To, References.

**Headers** (`Message.in_reply_to`, `Message.references`) follow Jamie Zawinski's algorithm: every
id named anywhere gets a container; a message's own last reference is its parent (In-Reply-To
wins when it and References disagree); the consecutive ids of a References chain give parents to
containers that have no message, and to messages whose own headers name no parent (their headers
were lost, but a reply's References still tell where they sat). Containers of ids missing from
the archive are then pruned: a message below a missing one is promoted to the nearest message
above it, or becomes a root.

**Missing parents.** Our `Thread` holds only real messages, so a missing container cannot be a
node. Where one missing message has several replies in the archive (a thread that began last
month), JWZ keeps them together under the empty container; we do too: they form *one* thread
whose `root_id` is the earliest of them, and each of them has `parent_id=None` and depth 0 (a
thread may therefore hold several depth-0 nodes, the first being the root). Inventing a parent
link between siblings would be a false statement about who answered whom; splitting them would
tear one conversation into several threads. That choice gives fedora-devel 2010-01 its 62
threads by headers (see tests/test_thread.py for how this compares with pipermail's 60).
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Mapping

import attrs

from wsisdedup.model import Message
from wsisdedup.thread.graph import ThreadGraph, _clean_id

__all__ = ["link_headers"]

logger = logging.getLogger(__name__)


def _chain(m: Message, own: str, index: Mapping[str, int]) -> list[str]:
    """The ids m names as its ancestors, oldest first, its direct parent last."""
    refs: list[str] = []
    seen = {own}
    for r in m.references:
        c = _clean_id(r)
        if c and c not in seen:
            seen.add(c)
            refs.append(c)
    irts = [c for c in (_clean_id(r) for r in m.in_reply_to) if c and c != own]
    if irts:
        # In-Reply-To names the direct parent. Several ids: prefer one the archive holds.
        irt = next((c for c in irts if c in index), irts[0])
        if irt in refs:
            # Ids after the parent in References are noise (a client's error); drop them.
            refs = refs[: refs.index(irt) + 1]
        else:
            refs.append(irt)
    return refs


@attrs.define
class _Containers:
    """JWZ containers: the real messages (numbered as in the graph), then the missing ids."""

    node: dict[str, int]
    parent: list[int]
    own: list[bool]
    """The link comes from the child's own headers (strong)."""
    seq: list[int]
    """Order in which inferred links were made (for cycle cuts)."""

    def node_of(self, mid: str) -> int:
        k = self.node.get(mid)
        if k is None:
            k = len(self.parent)
            self.node[mid] = k
            self.parent.append(-1)
            self.own.append(False)
            self.seq.append(0)
        return k


def _containers(graph: ThreadGraph) -> _Containers:
    """Every id named anywhere as a container, with the parent links the headers give."""
    n = graph.n
    box = _Containers(node=dict(graph.index), parent=[-1] * n, own=[False] * n, seq=[0] * n)
    parent, own, seq = box.parent, box.own, box.seq
    counter = 0
    chains = [_chain(m, mid, graph.index) for m, mid in zip(graph.unique, graph.ids, strict=True)]
    for i, chain in enumerate(chains):
        if chain:
            parent[i] = box.node_of(chain[-1])
            own[i] = True
    for chain in chains:
        ks = [box.node_of(c) for c in chain]
        for a, b in itertools.pairwise(ks):
            # A container's first inferred parent stands; a message's own headers override.
            if parent[b] == -1 and not own[b] and a != b:
                counter += 1
                parent[b] = a
                seq[b] = counter
    return box


def link_headers(graph: ThreadGraph) -> None:
    """JWZ linking over real and missing containers, then pruning of the missing ones."""
    n = graph.n
    box = _containers(graph)
    parent = box.parent
    _break_cycles(graph, parent, box.own, box.seq)
    real_above = _nearest(parent, lambda k: k < n)
    top = _nearest(parent, lambda k: parent[k] == -1)
    by_top: dict[int, list[int]] = {}
    for i in range(n):
        p = parent[i]
        real = real_above[p] if p != -1 else -1
        if real != -1:
            graph.link_header(i, real)
        elif top[i] >= n:  # a root below a missing container
            by_top.setdefault(top[i], []).append(i)
    for members in by_top.values():
        if len(members) > 1:
            graph.add_group(members)


def _break_cycles(graph: ThreadGraph, parent: list[int], own: list[bool], seq: list[int]) -> None:
    """Cut one link of every cycle: the latest inferred one, else the earliest message's."""
    n = graph.n
    state = [0] * len(parent)  # 0 unseen, 1 on the current path, 2 done
    for start in range(len(parent)):
        path: list[int] = []
        k = start
        while k != -1 and state[k] == 0:
            state[k] = 1
            path.append(k)
            k = parent[k]
        if k != -1 and state[k] == 1:
            cycle = path[path.index(k) :]
            inferred = [c for c in cycle if not own[c]]
            if inferred:
                cut = max(inferred, key=lambda c: seq[c])
            else:
                cut = min((c for c in cycle if c < n), key=graph.order_key)
            logger.debug("reference cycle of %d ids cut", len(cycle))
            parent[cut] = -1
        for c in path:
            state[c] = 2


def _nearest(parent: list[int], stop: Callable[[int], bool]) -> list[int]:
    """For every node, the nearest node at or above it for which `stop` holds (or -1)."""
    out = [-2] * len(parent)  # -2: not computed yet
    for start in range(len(parent)):
        path: list[int] = []
        k = start
        while k != -1 and out[k] == -2 and not stop(k):
            path.append(k)
            k = parent[k]
        found = -1 if k == -1 else (k if out[k] == -2 else out[k])
        if k != -1 and out[k] == -2:
            out[k] = k
        for c in path:
            out[c] = found
    return out
