"""Quality benchmark: the library's answers on a synthetic archive whose answers are known.

    .venv/bin/python benchmarks/bench_quality.py                      # 5000 messages, seed 0
    .venv/bin/python benchmarks/bench_quality.py --messages 500 --seed 3
    .venv/bin/python benchmarks/bench_quality.py --json               # the figures as JSON

Generates an mbox with `synthetic.generate_archive` (reply shapes, copies and look-alikes mixed
in one archive), reads it with `wsisdedup.read` and scores, against the ground truth:

- own paragraphs kept: a reply's own paragraph counts as kept when its whitespace-normalised
  text is contained in the whitespace-normalised `new_text` of the archive message it ended up
  in (the message itself, or the one its copy collapsed into). Overall over replies, per shape.
- quote sources, per paragraph: each paragraph of a kept message's body (own or quoted) gets
  the segment that covers most of its characters. Recall: quoted paragraphs whose covering
  segment is a QUOTE naming the right source. Precision: of the paragraphs whose covering
  segment is a QUOTE with a `source_id`, those where it is the right source (an own paragraph
  called a sourced quote is wrong). A sourced QUOTE segment that covers no paragraph at all
  (only attribution, sign-off or markers) counts as a wrong answer too. The right source is the
  kept message of the copy group of the message that first wrote the paragraph (if a copy was
  not collapsed, any kept member of the group is accepted).
- copies: true copies (same Message-ID archived twice, resends, cross-posts) collapsed into one
  message (`Message.duplicates`); distinct messages with the same words (two people's "+1",
  a report reposted weeks later by someone else) kept apart; any other merge of two messages
  that are not copies is counted as a wrong merge.
- thread parents: replies (copies aside) whose `parent_id` is the kept message of the true
  parent; with and without In-Reply-To/References.

Prints a table of the figures with their targets, a table per shape, and up to 10 examples of
each failing measure. Scores are reported, not asserted: the benchmark measures fixes.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import attrs

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from synthetic import (  # noqa: E402
    COPY_REASONS,
    DISTINCT_REASONS,
    REPLY_SHAPES,
    TOP_SHAPES,
    GroundTruth,
    TruthMessage,
    generate_archive,
    shape_counts,
)

import wsisdedup  # noqa: E402
from wsisdedup import Archive, Message, Segment, SegmentKind  # noqa: E402

_SPACE = re.compile(r"\s+")
_MARKERS = re.compile(r"[>\s]+")


def norm(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def short(text: str, n: int = 50) -> str:
    text = norm(text)
    return text if len(text) <= n else text[: n - 3] + "..."


@attrs.frozen(kw_only=True)
class Failure:
    """One wrong answer, for the examples list."""

    id: str
    shape: str
    expected: str
    got: str


@attrs.define
class Tally:
    """Hits out of a total, per shape, with examples of misses."""

    hits: int = 0
    total: int = 0
    by_shape: dict[str, list[int]] = attrs.field(factory=lambda: defaultdict(lambda: [0, 0]))
    failures: list[Failure] = attrs.field(factory=list)

    def add(self, ok: bool, shape: str, failure: Failure | None = None) -> None:
        self.hits += ok
        self.total += 1
        self.by_shape[shape][0] += ok
        self.by_shape[shape][1] += 1
        if not ok and failure is not None:
            self.failures.append(failure)

    @property
    def share(self) -> float:
        return self.hits / self.total if self.total else 1.0

    def shape_share(self, shape: str) -> float | None:
        hits, total = self.by_shape.get(shape, (0, 0))
        return hits / total if total else None


class Scorer:
    def __init__(self, truth: GroundTruth, archive: Archive) -> None:
        self.truth = truth
        self.archive = archive
        # File position -> the archive message it ended up in.
        self.kept: dict[int, Message] = {}
        for m in archive.messages:
            self.kept[m.source.index] = m
            for d in m.duplicates:
                self.kept[d.index] = m
        # Copy group (the original's position) -> its members.
        self.group: dict[int, list[int]] = defaultdict(list)
        for t in truth.messages:
            self.group[truth.copy_root(t.index)].append(t.index)

    def shape(self, t: TruthMessage) -> str:
        return t.shape

    def where(self, index: int) -> str:
        m = self.kept.get(index)
        return m.id if m is not None else "(lost)"

    def accepted_sources(self, index: int) -> set[str]:
        """Ids that are right for text first written by the message at `index`."""
        return {self.kept[i].id for i in self.group[self.truth.copy_root(index)] if i in self.kept}

    # -- own paragraphs -----------------------------------------------------------------

    def own_kept(self) -> Tally:
        tally = Tally()
        for t in self.truth.messages:
            m = self.kept.get(t.index)
            if t.copy_of is not None and m is not None and m is self.kept.get(t.copy_of):
                continue  # a collapsed copy: its paragraphs are scored on its original
            new = norm(m.new_text) if m is not None else ""
            for para, rendered in zip(t.own, t.own_rendered, strict=True):
                ok = norm(para) in new
                got = "(message lost)" if m is None else self.covering_kind(m, rendered)
                tally.add(
                    ok,
                    t.shape,
                    Failure(id=t.message_id, shape=t.shape, expected=short(para), got=got),
                )
        return tally

    def covering_kind(self, m: Message, rendered: str) -> str:
        """What the segment covering most of `rendered` in `m`'s body is."""
        span = find(m.body, rendered)
        if span is None:
            return "(text not in the kept body)"
        seg = majority(m.segments, span)
        if seg is None:
            return "(no segment)"
        src = f" src={seg.source_id}" if seg.source_id else ""
        return f"{seg.kind.name}{src}"

    # -- quote sources ------------------------------------------------------------------

    def quotes(self) -> tuple[Tally, Tally]:
        recall, precision = Tally(), Tally()
        for m in self.archive.messages:
            t = self.truth.messages[m.source.index]
            covered: list[tuple[int, int]] = []
            for para in t.own_rendered:
                span = find(m.body, para)
                if span is None:
                    continue
                covered.append(span)
                seg = majority(m.segments, span)
                if seg is not None and seg.kind is SegmentKind.QUOTE and seg.source_id:
                    precision.add(
                        False,
                        t.shape,
                        Failure(
                            id=t.message_id,
                            shape=t.shape,
                            expected=f"own: {short(para, 40)}",
                            got=f"QUOTE src={seg.source_id}",
                        ),
                    )
            for q in t.quoted:
                span = find(m.body, q.rendered)
                if span is None:
                    continue
                covered.append(span)
                seg = majority(m.segments, span)
                right = self.accepted_sources(q.source_index)
                sourced = seg is not None and seg.kind is SegmentKind.QUOTE and seg.source_id
                ok = bool(sourced) and seg is not None and seg.source_id in right
                got = "(no segment)" if seg is None else seg.kind.name
                if seg is not None and seg.source_id:
                    got += f" src={seg.source_id}"
                elif seg is not None and seg.kind is SegmentKind.QUOTE:
                    got += " without source"
                failure = Failure(
                    id=t.message_id,
                    shape=t.shape,
                    expected=f"depth {q.depth} src={'|'.join(sorted(right)) or '(lost)'}",
                    got=got,
                )
                recall.add(ok, t.shape, failure)
                if sourced:
                    precision.add(ok, t.shape, failure)
            for seg in m.segments:
                if seg.kind is not SegmentKind.QUOTE or not seg.source_id:
                    continue
                if not _MARKERS.sub("", seg.text):
                    continue
                if any(overlap((seg.start, seg.end), span) for span in covered):
                    continue
                precision.add(
                    False,
                    t.shape,
                    Failure(
                        id=t.message_id,
                        shape=t.shape,
                        expected="no sourced quote here",
                        got=f"QUOTE src={seg.source_id}: {short(seg.text, 30)}",
                    ),
                )
        return recall, precision

    # -- copies -------------------------------------------------------------------------

    def copies(self) -> Tally:
        tally = Tally()
        for c in self.truth.copies:
            a, b = self.kept.get(c.original), self.kept.get(c.copy)
            ok = a is not None and a is b
            t = self.truth.messages[c.copy]
            tally.add(
                ok,
                c.reason,
                Failure(
                    id=t.message_id,
                    shape=c.reason,
                    expected=f"collapsed with {self.truth.messages[c.original].message_id}",
                    got=f"kept as {self.where(c.copy)}, original {self.where(c.original)}",
                ),
            )
        return tally

    def distinct(self) -> Tally:
        tally = Tally()
        for d in self.truth.distinct:
            a, b = self.kept.get(d.first), self.kept.get(d.second)
            ok = a is not None and b is not None and a is not b
            t = self.truth.messages[d.second]
            tally.add(
                ok,
                d.reason,
                Failure(
                    id=t.message_id,
                    shape=d.reason,
                    expected=f"kept apart from {self.truth.messages[d.first].message_id}",
                    got=f"merged into {self.where(d.second)}",
                ),
            )
        return tally

    def wrong_merges(self) -> Tally:
        """Every message that is not a true copy must stay a message of its own."""
        tally = Tally()
        for m in self.archive.messages:
            members = [m.source.index, *(d.index for d in m.duplicates)]
            roots = {self.truth.copy_root(i) for i in members}
            kept_root = self.truth.copy_root(m.source.index)
            for i in members:
                t = self.truth.messages[i]
                if i == m.source.index:
                    continue
                ok = self.truth.copy_root(i) == kept_root
                tally.add(
                    ok,
                    t.copy_reason or t.shape,
                    Failure(
                        id=t.message_id,
                        shape=t.shape,
                        expected="a message of its own",
                        got=f"merged into {m.id} ({len(roots)} distinct in group)",
                    ),
                )
        return tally

    # -- threads ------------------------------------------------------------------------

    def parents(self) -> tuple[Tally, Tally]:
        """Parent found, per shape and per header presence."""
        tally, by_headers = Tally(), Tally()
        for t in self.truth.messages:
            if t.parent_index is None or t.copy_of is not None:
                continue
            m = self.kept.get(t.index)
            right = self.accepted_sources(t.parent_index)
            if m is None or m.source.index != t.index:
                ok, got = False, f"(merged into {self.where(t.index)})"
            else:
                ok, got = m.parent_id in right, str(m.parent_id)
            failure = Failure(
                id=t.message_id,
                shape=t.shape + ("" if t.has_reply_headers else " (no headers)"),
                expected="|".join(sorted(right)),
                got=got,
            )
            tally.add(ok, t.shape, failure)
            by_headers.add(ok, "with headers" if t.has_reply_headers else "without headers")
        return tally, by_headers


def find(body: str, text: str) -> tuple[int, int] | None:
    at = body.find(text)
    return None if at < 0 else (at, at + len(text))


def overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def majority(segments: Iterable[Segment], span: tuple[int, int]) -> Segment | None:
    """The segment that covers most of `span`'s non-blank characters."""
    best, best_n = None, 0
    for s in segments:
        n = overlap((s.start, s.end), span)
        if n > best_n:
            best, best_n = s, n
    return best


def examples(failures: list[Failure], n: int = 10) -> list[Failure]:
    """Up to `n` failures, taken round-robin over shapes so that every shape shows."""
    by_shape: dict[str, list[Failure]] = defaultdict(list)
    for f in failures:
        by_shape[f.shape].append(f)
    out: list[Failure] = []
    queues = list(by_shape.values())
    while len(out) < n and any(queues):
        for q in queues:
            if q and len(out) < n:
                out.append(q.pop(0))
    return out


def run(messages: int, seed: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"synthetic-{seed}.mbox"
        t0 = time.perf_counter()
        truth = generate_archive(path, messages, seed)
        t1 = time.perf_counter()
        archive = wsisdedup.read(path)
        t2 = time.perf_counter()
    scorer = Scorer(truth, archive)
    own = scorer.own_kept()
    recall, precision = scorer.quotes()
    copies = scorer.copies()
    distinct = scorer.distinct()
    merges = scorer.wrong_merges()
    parents, parents_by_headers = scorer.parents()
    reply_own = Tally()
    for shape, (hits, total) in own.by_shape.items():
        if shape in REPLY_SHAPES:
            reply_own.hits += hits
            reply_own.total += total
            reply_own.by_shape[shape] = [hits, total]
    reply_own.failures = [f for f in own.failures if f.shape in REPLY_SHAPES]
    return {
        "messages": messages,
        "seed": seed,
        "generate_s": t1 - t0,
        "read_s": t2 - t1,
        "archive_messages": len(archive.messages),
        "shapes": dict(sorted(shape_counts(truth).items())),
        "measures": {
            "own_kept_replies": reply_own,
            "own_kept_all": own,
            "quote_precision": precision,
            "quote_recall": recall,
            "copies_collapsed": copies,
            "distinct_kept": distinct,
            "no_wrong_merge": merges,
            "parent": parents,
            "parent_headers": parents_by_headers,
        },
    }


# (key, title, target share, how the target reads)
TARGETS: tuple[tuple[str, str, float | None, str], ...] = (
    ("own_kept_replies", "own paragraphs of replies kept", 0.99, ">= 0.99"),
    ("quote_precision", "quote-source precision (per paragraph)", 0.99, ">= 0.99"),
    ("quote_recall", "quote-source recall (per paragraph)", 0.99, ">= 0.99"),
    ("copies_collapsed", "true copies collapsed", 1.0, "all"),
    ("distinct_kept", "same-words distinct pairs kept apart", 1.0, "all"),
    ("no_wrong_merge", "collapsed messages that are true copies", 1.0, "all"),
    ("parent", "replies with the true parent", None, "(reported)"),
)


def fmt_share(hits: int, total: int) -> str:
    return f"{hits / total:.4f} ({hits}/{total})" if total else "n/a"


def print_report(result: dict[str, Any]) -> None:
    ms: dict[str, Tally] = result["measures"]
    print(
        f"synthetic archive: {result['messages']} messages, seed {result['seed']}; "
        f"generated in {result['generate_s']:.1f}s, read in {result['read_s']:.1f}s, "
        f"{result['archive_messages']} messages kept"
    )
    print()
    print(f"{'measure':<42} {'value':>22}  {'target':>9}  result")
    print("-" * 84)
    failing: list[tuple[str, Tally]] = []
    for key, title, target, target_text in TARGETS:
        t = ms[key]
        verdict = ""
        if target is not None:
            ok = t.share >= target
            verdict = "ok" if ok else "FAIL"
            if not ok:
                failing.append((title, t))
        print(f"{title:<42} {fmt_share(t.hits, t.total):>22}  {target_text:>9}  {verdict}")
    for label in ("with headers", "without headers"):
        hits, total = ms["parent_headers"].by_shape.get(label, (0, 0))
        print(f"{'  parent, replies ' + label:<42} {fmt_share(hits, total):>22}")
    if ms["parent"].share < 1.0:
        failing.append(("replies with the true parent", ms["parent"]))
    print()
    cols = (
        ("own kept", "own_kept_all"),
        ("q.recall", "quote_recall"),
        ("q.prec", "quote_precision"),
        ("parent", "parent"),
    )
    print(f"{'shape (copies aside)':<26} {'msgs':>5}  " + "  ".join(f"{c:>8}" for c, _ in cols))
    print("-" * 72)
    for shape in (*REPLY_SHAPES, *TOP_SHAPES):
        n = result["shapes"].get(shape, 0)
        cells = []
        for _, key in cols:
            v = ms[key].shape_share(shape)
            cells.append(f"{v:>8.3f}" if v is not None else f"{'-':>8}")
        print(f"{shape:<26} {n:>5}  " + "  ".join(cells))
    for reason in (*COPY_REASONS, *DISTINCT_REASONS):
        key = "copies_collapsed" if reason in COPY_REASONS else "distinct_kept"
        hits, total = ms[key].by_shape.get(reason, (0, 0))
        what = "collapsed" if reason in COPY_REASONS else "kept apart"
        print(f"{reason:<26} {total:>5}  {what}: {fmt_share(hits, total)}")
    for title, t in failing:
        print()
        print(f"worst examples: {title} ({t.total - t.hits} failing)")
        for f in examples(t.failures):
            print(f"  {f.id:<30} {f.shape:<26} expected {f.expected}")
            print(f"  {'':<30} {'':<26} got      {f.got}")


def as_json(result: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in result.items() if k != "measures"}
    out["measures"] = {
        key: {
            "hits": t.hits,
            "total": t.total,
            "share": t.share,
            "by_shape": {s: {"hits": h, "total": n} for s, (h, n) in sorted(t.by_shape.items())},
            "examples": [attrs.asdict(f) for f in examples(t.failures)],
        }
        for key, t in result["measures"].items()
    }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    result = run(args.messages, args.seed)
    if args.json:
        print(json.dumps(as_json(result), indent=2))
    else:
        print_report(result)


if __name__ == "__main__":
    main()
