"""Export: the canonical tree as records, JSON Lines, a JSON tree, Markdown, HTML, SQLite, Parquet.

Every writer works from an `Archive` and nothing else, so any output can be made again from
the same archive. Records are plain dicts of JSON types (str, int, float, bool, None, lists and
dicts of those) so that `json`, `pandas.DataFrame` and `pyarrow` take them without glue.

The two views for people (Markdown and HTML) show each message's own words once: a quote is a
link to the message it comes from, never the repeated text, footers are left out and
signatures set aside. Only a quote whose source is not in the archive keeps its text, since
the reader could not see it anywhere else.
"""

from __future__ import annotations

import contextlib
import enum
import hashlib
import html
import importlib
import json
import os
import sqlite3
import urllib.parse
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import attrs
import regex

from wsisdedup.errors import WsisdedupError
from wsisdedup.model import (
    Archive,
    ForwardInfo,
    Link,
    Message,
    Problem,
    Rewriter,
    SegmentKind,
    Source,
)

__all__ = [
    "FORMATS",
    "STREAM_FORMATS",
    "message_record",
    "to_records",
    "write_html",
    "write_json_tree",
    "write_jsonl",
    "write_markdown",
    "write_parquet",
    "write_sqlite",
]

PathArg = str | os.PathLike[str]


# --------------------------------------------------------------------------------------------
# Records


def message_record(m: Message) -> dict[str, Any]:
    """One message as a flat dict of JSON types (`Message.to_record`)."""
    return m.to_record()


def to_records(archive: Archive) -> list[dict[str, Any]]:
    """Every message of the archive as `message_record`s, in archive order."""
    return archive.to_records()


def _problem_record(p: Problem) -> dict[str, Any]:
    return {"what": p.what, "path": p.path, "line": p.line, "offset": p.offset}


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


def write_jsonl(archive: Archive, out: TextIO) -> int:
    """Write one `message_record` a line; return the number of lines written."""
    n = 0
    for m in archive.messages:
        out.write(_json_line(message_record(m)))
        out.write("\n")
        n += 1
    return n


# --------------------------------------------------------------------------------------------
# Thread walks shared by the tree-shaped outputs


@attrs.frozen(kw_only=True)
class _Placed:
    message: Message
    depth: int


@attrs.frozen(kw_only=True)
class _ThreadView:
    """One thread as shown: its messages depth-first, each exactly once in the whole output.

    A thread whose root is not in the archive (replies to a message nobody kept) has several
    messages at depth 0: they stay one thread, as the threading stage found them.
    """

    id: str
    placed: tuple[_Placed, ...]

    @property
    def root(self) -> Message:
        return self.placed[0].message


def _thread_views(archive: Archive) -> tuple[_ThreadView, ...]:
    """The archive's threads, then any message no thread lists, rebuilt from `parent_id`.

    Every message appears exactly once, so anchors are unique and nothing is lost even when
    `Archive.threads` is incomplete or names ids that are not in the archive.
    """
    seen: set[str] = set()
    views: list[_ThreadView] = []
    view_ids: set[str] = set()

    def add(view_id: str, placed: list[_Placed]) -> None:
        if view_id in view_ids:  # two threads claim one root: keep both, told apart
            view_id = f"{view_id}#{len(views)}"
        view_ids.add(view_id)
        views.append(_ThreadView(id=view_id, placed=tuple(placed)))

    for t in archive.threads:
        placed: list[_Placed] = []
        base = 0
        for node in t.nodes:
            m = archive.get(node.id)
            if m is None or m.id in seen:
                continue
            if not placed:
                base = node.depth
            # A node whose ancestors were skipped cannot sit deeper than one below its
            # predecessor, or the depth-first nesting would break.
            depth = max(0, min(node.depth - base, placed[-1].depth + 1 if placed else 0))
            placed.append(_Placed(message=m, depth=depth))
            seen.add(m.id)
        if placed:
            add(t.root_id, placed)

    rest = [m for m in archive.messages if m.id not in seen]
    if rest:
        rest_ids = {m.id for m in rest}
        children: dict[str, list[Message]] = {}
        roots: list[Message] = []
        for m in rest:
            if m.parent_id is not None and m.parent_id in rest_ids and m.parent_id != m.id:
                children.setdefault(m.parent_id, []).append(m)
            else:
                roots.append(m)
        # Messages caught in a parent cycle have no root: each such cycle starts at its
        # first message in archive order.
        for r in roots + rest:
            if r.id in seen:
                continue
            placed = []
            stack = [(r, 0)]
            while stack:
                m, depth = stack.pop()
                if m.id in seen:
                    continue
                seen.add(m.id)
                placed.append(_Placed(message=m, depth=depth))
                stack.extend((c, depth + 1) for c in reversed(children.get(m.id, ())))
            add(r.id, placed)
    return tuple(views)


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


# --------------------------------------------------------------------------------------------
# Blocks: what a person sees of one message, shared by Markdown and HTML


class _BlockKind(enum.Enum):
    TEXT = "text"
    QUOTE = "quote"
    ATTRIBUTION = "attribution"
    FORWARD_HEADER = "forward_header"
    FORWARD = "forward"
    SIGNATURE = "signature"
    PLACEHOLDER = "placeholder"


_BLOCK_OF = {
    SegmentKind.NEW: _BlockKind.TEXT,
    SegmentKind.QUOTE: _BlockKind.QUOTE,
    SegmentKind.ATTRIBUTION: _BlockKind.ATTRIBUTION,
    SegmentKind.FORWARD_HEADER: _BlockKind.FORWARD_HEADER,
    SegmentKind.FORWARD: _BlockKind.FORWARD,
    SegmentKind.SIGNATURE: _BlockKind.SIGNATURE,
    SegmentKind.PLACEHOLDER: _BlockKind.PLACEHOLDER,
}


@attrs.frozen(kw_only=True)
class _LocalLink:
    """A link placed in a block's text: `text[start:end] == link.written`."""

    start: int
    end: int
    link: Link


@attrs.frozen(kw_only=True)
class _Block:
    kind: _BlockKind
    text: str
    """The segment's text without its surrounding blank lines."""
    source_id: str | None = None
    """For QUOTE: the id of the message the text comes from, where the pipeline found it."""
    source: Message | None = None
    """For QUOTE: that message, when it is in the archive."""
    forward: ForwardInfo | None = None
    links: tuple[_LocalLink, ...] = ()


def _trim(text: str) -> tuple[str, int]:
    """`text` without leading blank lines and trailing white space, and where it now starts.

    Leading spaces of the first line stay: they may be the author's indentation.
    """
    i = 0
    while True:
        nl = text.find("\n", i)
        if nl == -1 or text[i:nl].strip():
            break
        i = nl + 1
    kept = text[i:].rstrip()
    if not kept.strip():
        return "", i
    return kept, i


def _place_links(text: str, start: int, body: str, links: Sequence[Link]) -> tuple[_LocalLink, ...]:
    """The links whose span lies in `body[start:start+len(text)]`, in order, not overlapping.

    A link whose span does not fit the body (a reader that set no span) is looked for by its
    written form instead.
    """
    end = start + len(text)
    found: list[_LocalLink] = []
    for lk in links:
        if not lk.written:
            continue
        if body[lk.start : lk.end] == lk.written:
            if start <= lk.start and lk.end <= end:
                found.append(_LocalLink(start=lk.start - start, end=lk.end - start, link=lk))
            continue
        at = text.find(lk.written)
        if at != -1:
            found.append(_LocalLink(start=at, end=at + len(lk.written), link=lk))
    found.sort(key=lambda ll: (ll.start, -ll.end))
    kept: list[_LocalLink] = []
    for ll in found:
        if not kept or ll.start >= kept[-1].end:
            kept.append(ll)
    return tuple(kept)


def _blocks(m: Message, archive: Archive) -> tuple[_Block, ...]:
    """The message's segments as blocks to show, in body order.

    Footers are dropped (the list wrote them, not the author). Consecutive quotes of one
    source become one block: one link stands for all of it. An attribution line is dropped
    when the quote it introduces links to its source, which names the author already.
    """
    blocks: list[_Block] = []
    for seg in m.segments:
        kind = _BLOCK_OF.get(seg.kind)
        if kind is None:
            continue
        text, lead = _trim(seg.text)
        if not text and kind is not _BlockKind.FORWARD_HEADER:
            continue
        if kind is _BlockKind.QUOTE:
            source = archive.get(seg.source_id) if seg.source_id else None
            prev = blocks[-1] if blocks else None
            if (
                source is not None
                and prev is not None
                and prev.kind is _BlockKind.QUOTE
                and prev.source is source
            ):
                continue
            blocks.append(_Block(kind=kind, text=text, source_id=seg.source_id, source=source))
            continue
        links: tuple[_LocalLink, ...] = ()
        if kind in (_BlockKind.TEXT, _BlockKind.FORWARD, _BlockKind.SIGNATURE):
            links = _place_links(text, seg.start + lead, m.body, m.links)
        blocks.append(_Block(kind=kind, text=text, forward=seg.forward, links=links))
    shown: list[_Block] = []
    for i, b in enumerate(blocks):
        nxt = blocks[i + 1] if i + 1 < len(blocks) else None
        if (
            b.kind is _BlockKind.ATTRIBUTION
            and nxt is not None
            and nxt.kind is _BlockKind.QUOTE
            and nxt.source is not None
        ):
            continue
        shown.append(b)
    return tuple(shown)


def _unlinked_quote(b: _Block) -> str:
    """Why a quote keeps its text: it cannot be shown as a link to its message."""
    if b.source_id is None:
        return "quoted text, source not identified"
    return "quoted text from a message not in this archive"


def _preview(text: str, width: int = 72) -> str:
    """The first words of a text, on one line."""
    line = " ".join(text.split())
    return line if len(line) <= width else line[: width - 1].rstrip() + "…"


def _paragraphs(text: str) -> Iterator[tuple[int, int]]:
    """Spans of the paragraphs of `text`: runs of lines between blank lines, without the
    line break that ends each run."""
    pos = 0
    start: int | None = None
    end = 0
    for line in text.splitlines(keepends=True):
        if line.strip():
            if start is None:
                start = pos
            end = pos + len(line.rstrip("\r\n"))
        elif start is not None:
            yield start, end
            start = None
        pos += len(line)
    if start is not None:
        yield start, end


def _links_between(links: Sequence[_LocalLink], start: int, end: int) -> list[_LocalLink]:
    return [
        _LocalLink(start=ll.start - start, end=ll.end - start, link=ll.link)
        for ll in links
        if start <= ll.start and ll.end <= end
    ]


# --------------------------------------------------------------------------------------------
# Names, dates, anchors


_SLUG_UNSAFE = regex.compile(r"[^A-Za-z0-9._-]+")


def _anchors(views: Sequence[_ThreadView]) -> dict[str, str]:
    """A unique, URL-safe anchor for every message: `m-` and a readable slug of its id."""
    anchors: dict[str, str] = {}
    used: set[str] = set()
    for view in views:
        for p in view.placed:
            mid = p.message.id
            slug = _SLUG_UNSAFE.sub("-", mid).strip("-.")[:64] or "message"
            anchor = f"m-{slug}"
            if anchor in used:
                # Ids that differ only in unsafe characters slug alike: the hash of the
                # full id keeps them apart, and stays the same from one export to the next.
                anchor += "-" + hashlib.sha1(mid.encode("utf-8")).hexdigest()[:10]
            used.add(anchor)
            anchors[mid] = anchor
    return anchors


def _author(m: Message) -> str:
    return m.author.name or m.author.address or "unknown author"


def _show_date(d: datetime | None) -> str:
    """A short, unambiguous date: `2025-06-05 10:22 +03:00`, without a zone when none is known."""
    if d is None:
        return ""
    shown = f"{d:%Y-%m-%d %H:%M}"
    off = d.utcoffset()
    if off is not None:
        minutes = int(off.total_seconds()) // 60
        sign = "+" if minutes >= 0 else "-"
        shown += f" {sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    return shown


def _date_range(view: _ThreadView) -> str:
    dates = [p.message.date for p in view.placed if p.message.date is not None]
    if not dates:
        return ""
    try:
        first, last = min(dates), max(dates)
    except TypeError:  # naive and aware dates do not compare; keep archive order
        first, last = dates[0], dates[-1]
    a, b = f"{first:%Y-%m-%d}", f"{last:%Y-%m-%d}"
    return a if a == b else f"{a} – {b}"


def _title(archive: Archive) -> str:
    names = sorted({Path(m.source.path).name for m in archive.messages})
    if not names:
        return "Empty archive"
    if len(names) == 1:
        return names[0]
    return f"{names[0]} and {len(names) - 1} more"


def _summary(archive: Archive, views: Sequence[_ThreadView]) -> str:
    n, t = len(archive.messages), len(views)
    return f"{n} message{'s' * (n != 1)} in {t} thread{'s' * (t != 1)}"


# WHATWG URL parsing drops these before reading a scheme, so `java\tscript:` would still run.
_URL_IGNORED = regex.compile(r"[\t\n\r]")
_C0_AND_SPACE = "".join(map(chr, range(33)))
_URL_BLANK = regex.compile(r"[\s\x00-\x1f]")
_SAFE_SCHEMES = frozenset({"http", "https", "mailto"})


def _safe_href(address: str) -> str | None:
    """`address` if a browser may follow it from an archive page, else None.

    Only http(s) with a host, and mailto, are clickable: `javascript:`, `data:`, `file:` and
    the like could run code or read local files when a reader clicks them.
    """
    cleaned: str = _URL_IGNORED.sub("", address).strip(_C0_AND_SPACE)
    if not cleaned or _URL_BLANK.search(cleaned):
        return None
    try:
        parts = urllib.parse.urlsplit(cleaned)
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _SAFE_SCHEMES:
        return None
    if scheme != "mailto" and not parts.netloc:
        return None
    return cleaned


def _clickable(lk: Link) -> str | None:
    """The address to link to, or None: unsafe, or cut by the archive and never completed."""
    if lk.truncated and not lk.completed:
        return None
    return _safe_href(lk.original)


def _link_note(lk: Link) -> str:
    notes = []
    if lk.rewriter is not Rewriter.NONE:
        notes.append(f"restored from a {lk.rewriter.value} link")
    if lk.completed:
        notes.append("completed from a full copy elsewhere in the archive")
    elif lk.truncated:
        notes.append("address cut short by the archive")
    return "; ".join(notes)


# --------------------------------------------------------------------------------------------
# Markdown


# Line starts that Markdown would read as structure (heading, quote, list, rule, fence,
# table, setext underline): a backslash before the marker keeps the line plain text.
_MD_BLOCK_START = regex.compile(
    r"^(?P<indent> {0,3})(?:(?P<num>[0-9]{1,9})(?P<punct>[.)])(?=[ \t]|$)"
    r"|(?P<mark>[#>=|~`]|[-+*](?=[ \t]|$)|[-*_](?=[-*_ \t]*$)))"
)
_MD_MAX_DEPTH = 10
"""Deeper replies are indented like this depth: each names its parent anyway."""


_MD_MAYBE_BLOCK = frozenset(" #>=|~`-+*_0123456789")
"""The first characters of the lines `_MD_BLOCK_START` can match: most lines skip the regex."""


def _md_escape_line(line: str) -> str:
    if not line or line[0] not in _MD_MAYBE_BLOCK:
        return line
    m = _MD_BLOCK_START.match(line)
    if m is None:
        return line
    if m.group("num") is not None:
        return f"{m.group('indent')}{m.group('num')}\\{line[m.end('num') :]}"
    return f"{m.group('indent')}\\{line[m.start('mark') :]}"


_QUOTE_MARKERS = regex.compile(r"^[ \t]{0,3}(?:>[ \t]?){1,30}", regex.MULTILINE)


def _unquoted(text: str) -> str:
    """Quoted text without its `>` markers: the page shows that it is a quote by itself."""
    plain: str = _QUOTE_MARKERS.sub("", text)
    return plain


def _md_inline(text: str) -> str:
    """Text safe inside Markdown: no raw HTML (a `<` could open a tag a renderer keeps)."""
    return text.replace("<", "\\<")


def _shown(lk: Link) -> str:
    """A link as shown to a reader: its original, still marked `...` where the archive cut it."""
    return lk.original + ("..." if lk.truncated and not lk.completed else "")


def _md_text(text: str, links: Sequence[_LocalLink], pad: str) -> str:
    """Markdown for a block of text, each line after `pad`: links restored to their originals,
    structure escaped, blank lines (which separate paragraphs) left empty."""
    parts: list[str] = []
    pos = 0
    for ll in links:
        parts.append(_md_inline(text[pos : ll.start]))
        href = _clickable(ll.link)
        if href is not None and not any(c in href for c in "<> "):
            parts.append(f"<{href}>")
        else:
            parts.append(_md_inline(_shown(ll.link)))
        pos = ll.end
    parts.append(_md_inline(text[pos:]))
    blank = pad.rstrip()
    return "\n".join(
        pad + _md_escape_line(line) if line.strip() else blank
        for line in "".join(parts).split("\n")
    )


_MD_LABEL_SPECIAL = regex.compile(r"([\\\[\]*_`<])")


def _md_label(text: str) -> str:
    """Text safe inside a link label or emphasis: no brackets, stars or raw HTML."""
    escaped: str = _MD_LABEL_SPECIAL.sub(r"\\\1", text)
    return escaped


def _md_indent(text: str, pad: str) -> str:
    return "\n".join(pad + line if line else "" for line in text.split("\n"))


def _md_message(
    m: Message, depth: int, archive: Archive, anchors: Mapping[str, str]
) -> Iterator[str]:
    shown = min(depth, _MD_MAX_DEPTH)
    pad = "  " * (shown + 1)
    head = [f'<a id="{anchors[m.id]}"></a>**{_md_label(_author(m))}**']
    if m.date is not None:
        head.append(_show_date(m.date))
    if m.parent_id is not None:
        parent = archive.get(m.parent_id)
        how = f" ({m.parent_evidence.value})" if m.parent_evidence else ""
        if parent is not None and parent.id in anchors:
            head.append(f"reply to [{_md_label(_author(parent))}](#{anchors[parent.id]}){how}")
        else:
            head.append(f"reply to a message not in this archive{how}")
    yield "  " * shown + "- " + " · ".join(head) + "\n"
    for b in _blocks(m, archive):
        yield "\n"
        if b.kind is _BlockKind.QUOTE:
            if b.source is not None:
                src = b.source
                label = _md_label(", ".join(x for x in (_author(src), _show_date(src.date)) if x))
                yield f"{pad}> quoting [{label}](#{anchors[src.id]})\n"
            else:
                lines = "\n".join(
                    ("> " + line).rstrip() for line in _md_inline(_unquoted(b.text)).split("\n")
                )
                yield _md_indent(f"> *{_unlinked_quote(b)}:*\n>\n{lines}", pad)
                yield "\n"
        elif b.kind is _BlockKind.SIGNATURE:
            # One line, not a block: a sign-off reads as one, and `*...*` cannot span lines.
            sig = [ln.strip() for ln in b.text.split("\n")]
            sig = [ln for ln in sig if ln.strip("-_ ")]
            if sig:
                yield f"{pad}*— {_md_label(' · '.join(sig))}*\n"
        elif b.kind is _BlockKind.FORWARD_HEADER:
            yield f"{pad}**Forwarded message**{_md_label(_forward_note(b.forward))}\n"
        elif b.kind is _BlockKind.PLACEHOLDER:
            yield f"{pad}*{_md_label(' '.join(b.text.split()))}*\n"
        else:
            quoted = "> " if b.kind is _BlockKind.FORWARD else ""
            yield _md_text(b.text, b.links, pad + quoted) + "\n"


def _forward_note(fwd: ForwardInfo | None) -> str:
    """`: author, date, “subject”` of a forwarded message, or nothing when none is known."""
    if fwd is None:
        return ""
    bits = [str(fwd.author)] if str(fwd.author) else []
    if fwd.date is not None or fwd.date_text:
        bits.append(_show_date(fwd.date) if fwd.date else fwd.date_text)
    if fwd.subject:
        bits.append(f"“{fwd.subject}”")
    return ": " + ", ".join(bits) if bits else ""


def write_markdown(archive: Archive, out: TextIO, *, title: str | None = None) -> None:
    """Write a readable thread document: a section per thread, replies indented under parents.

    Each message shows its author, date, parent (with the evidence for it) and its own words;
    a quote is a `> quoting <author>, <date>` link to the message it comes from.
    """
    views = _thread_views(archive)
    anchors = _anchors(views)
    out.write(f"# {_md_label(title or _title(archive))}\n\n")
    s = archive.stats
    out.write(
        f"{_summary(archive, views)} · {s.input_chars:,} characters read · "
        f"{s.new_chars:,} of new text (ratio {s.ratio:.2f}) · "
        f"{s.duplicates_collapsed:,} duplicates collapsed · "
        f"{s.quotes_marked + s.quotes_unmarked:,} quotes linked · "
        f"{s.links_restored:,} links restored\n"
    )
    for view in views:
        root = view.root
        n = len(view.placed)
        out.write(f"\n## {_md_label(root.subject.strip() or '(no subject)')}\n\n")
        meta = [f"{n} message{'s' * (n != 1)}"]
        if rng := _date_range(view):
            meta.append(rng)
        out.write(f"*{' · '.join(meta)}*\n\n")
        for p in view.placed:
            for chunk in _md_message(p.message, p.depth, archive, anchors):
                out.write(chunk)
            out.write("\n")
    if archive.problems:
        out.write("\n## Problems\n\n")
        for prob in archive.problems:
            out.write(f"- {_md_inline(str(prob))}\n")


# --------------------------------------------------------------------------------------------
# HTML


_CSS = """
:root { color-scheme: light dark; --fg: #1d1d1f; --dim: #6e6e73; --line: #d2d2d7;
  --bg: #fff; --card: #f7f7f9; --accent: #0b57d0; }
@media (prefers-color-scheme: dark) { :root { --fg: #e8e8ed; --dim: #9a9aa0; --line: #3a3a3f;
  --bg: #161618; --card: #1f1f22; --accent: #8ab4f8; } }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 62rem; padding: 1.5rem; background: var(--bg);
  color: var(--fg); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
a { color: var(--accent); }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; overflow-wrap: anywhere; }
h2 { font-size: 1.2rem; margin: 0; overflow-wrap: anywhere; }
.summary { color: var(--dim); margin: 0 0 1rem; }
dl.stats { display: grid; grid-template-columns: repeat(auto-fill, minmax(10.5rem, 1fr));
  gap: .5rem; margin: 0 0 1.5rem; }
dl.stats div { background: var(--card); border: 1px solid var(--line); border-radius: 6px;
  padding: .35rem .6rem; }
dl.stats dt { color: var(--dim); font-size: .8rem; }
dl.stats dd { margin: 0; font-size: 1.15rem; font-weight: 600; font-variant-numeric: tabular-nums; }
nav.toc summary { cursor: pointer; }
nav.toc summary h2 { display: inline; }
nav.toc ol { padding-left: 1.5rem; margin: .25rem 0 0; }
nav.toc { margin-bottom: 1.5rem; }
nav.toc .count, .meta { color: var(--dim); font-size: .85rem; }
section.thread { border-top: 2px solid var(--line); padding-top: 1rem; margin-top: 1.5rem; }
section.thread > header { margin-bottom: .75rem; }
ul.tree, ul.tree ul { list-style: none; margin: 0; }
ul.tree { padding: 0; }
ul.tree ul { padding-left: 1.1rem; border-left: 2px solid var(--line); margin-left: .4rem; }
ul.tree ul.deep { padding-left: .3rem; }
article.message { background: var(--card); border: 1px solid var(--line); border-radius: 6px;
  padding: .5rem .75rem; margin: .5rem 0; }
article.message:target { outline: 2px solid var(--accent); }
article.message > header { font-size: .9rem; margin-bottom: .25rem; }
.author { font-weight: 600; }
.address, .reply, time, .permalink { color: var(--dim); }
.permalink { text-decoration: none; }
.body p { margin: .4rem 0; white-space: pre-wrap; overflow-wrap: anywhere; }
p.quote { font-size: .85rem; color: var(--dim); border-left: 3px solid var(--line);
  padding-left: .5rem; }
details.quote { border-left: 3px solid var(--line); padding-left: .5rem; color: var(--dim);
  font-size: .85rem; }
details.quote summary { cursor: pointer; }
details.quote .preview { font-style: italic; }
details.quote[open] .preview { display: none; }
details.quote div, blockquote.forward { white-space: pre-wrap; overflow-wrap: anywhere; }
blockquote.forward { margin: .4rem 0; padding: .25rem .6rem; border-left: 3px solid var(--accent); }
.forward-header { font-size: .85rem; color: var(--dim); margin-top: .5rem; }
.signature, .attribution, .placeholder { color: var(--dim); font-size: .85rem;
  white-space: pre-wrap; opacity: .8; overflow-wrap: anywhere; }
.signature { margin-top: .4rem; }
.dead { text-decoration: underline dotted; }
footer.copies { color: var(--dim); font-size: .8rem; margin-top: .25rem; }
"""

# A policy in the page itself: even if a body smuggled markup past the escaping, the browser
# would load nothing and run nothing. Clicking a link (navigation) stays allowed.
_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _html_text(text: str, links: Sequence[_LocalLink]) -> str:
    """Escaped text with its links made clickable at their original addresses, where safe."""
    parts: list[str] = []
    pos = 0
    for ll in links:
        parts.append(_e(text[pos : ll.start]))
        lk = ll.link
        href = _clickable(lk)
        note = _link_note(lk)
        title = f' title="{_e(note)}"' if note else ""
        restored = " restored" if lk.rewriter is not Rewriter.NONE else ""
        if href is not None:
            parts.append(
                f'<a class="link{restored}" href="{_e(href)}" rel="noopener noreferrer nofollow"'
                f"{title}>{_e(lk.original)}</a>"
            )
        else:
            parts.append(f'<span class="link dead"{title}>{_e(_shown(lk))}</span>')
        pos = ll.end
    parts.append(_e(text[pos:]))
    return "".join(parts)


def _html_paragraphs(b: _Block) -> str:
    return "".join(
        f"<p>{_html_text(b.text[s:e], _links_between(b.links, s, e))}</p>"
        for s, e in _paragraphs(b.text)
    )


def _html_time(d: datetime | None) -> str:
    if d is None:
        return ""
    return f' <time datetime="{_e(d.isoformat())}">{_e(_show_date(d))}</time>'


def _html_message(m: Message, archive: Archive, anchors: Mapping[str, str]) -> str:
    anchor = anchors[m.id]
    out = [f'<article class="message" id="{_e(anchor)}"><header>']
    out.append(f'<span class="author">{_e(_author(m))}</span>')
    if m.author.name and m.author.address:
        out.append(f' <span class="address">&lt;{_e(m.author.address)}&gt;</span>')
    out.append(_html_time(m.date))
    out.append(f' <a class="permalink" href="#{_e(anchor)}" title="{_e(m.id)}">#</a>')
    if m.parent_id is not None:
        parent = archive.get(m.parent_id)
        how = f" (by {_e(m.parent_evidence.value)})" if m.parent_evidence else ""
        if parent is not None and parent.id in anchors:
            out.append(
                f'<br><span class="reply">reply to <a href="#{_e(anchors[parent.id])}">'
                f"{_e(_author(parent))}</a>{how}</span>"
            )
        else:
            out.append(
                f'<br><span class="reply">reply to a message not in this archive{how}</span>'
            )
    out.append('</header><div class="body">')
    for b in _blocks(m, archive):
        if b.kind is _BlockKind.TEXT:
            out.append(_html_paragraphs(b))
        elif b.kind is _BlockKind.QUOTE:
            if b.source is not None:
                src = b.source
                label = ", ".join(x for x in (_author(src), _show_date(src.date)) if x)
                out.append(
                    f'<p class="quote">quoting <a class="quote-link" href="#{_e(anchors[src.id])}">'
                    f"{_e(label)}</a></p>"
                )
            else:
                plain = _unquoted(b.text)
                out.append(
                    f'<details class="quote"><summary>{_e(_unlinked_quote(b))}: '
                    f'<span class="preview">{_e(_preview(plain))}</span></summary>'
                    f"<div>{_e(plain)}</div></details>"
                )
        elif b.kind is _BlockKind.SIGNATURE:
            out.append(f'<div class="signature">{_html_text(b.text, b.links)}</div>')
        elif b.kind is _BlockKind.FORWARD_HEADER:
            out.append(
                f'<div class="forward-header">Forwarded message{_e(_forward_note(b.forward))}</div>'
            )
        elif b.kind is _BlockKind.FORWARD:
            out.append(f'<blockquote class="forward">{_html_text(b.text, b.links)}</blockquote>')
        elif b.kind is _BlockKind.ATTRIBUTION:
            out.append(f'<div class="attribution">{_e(b.text)}</div>')
        else:
            out.append(f'<div class="placeholder">{_e(b.text)}</div>')
    out.append("</div>")
    if m.duplicates:
        score = f" (similarity {m.duplicate_score:.2f})" if m.duplicate_score is not None else ""
        copies = ", ".join(_e(str(s)) for s in m.duplicates)
        out.append(f'<footer class="copies">Also archived at {copies}{score}</footer>')
    out.append("</article>")
    return "".join(out)


_HTML_TOC_OPEN = 25
"""Up to this many threads, the contents list starts unfolded."""

_HTML_DEEP = 12
"""From this depth on, replies indent by a sliver so long chains stay readable."""


def _stat_label(key: str) -> str:
    if key == "ratio":
        return "Read per new character"
    return key.replace("_", " ").replace("chars", "characters").capitalize()


def _stat_value(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:,.2f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


def write_html(archive: Archive, out: TextIO, *, title: str | None = None) -> None:
    """Write one self-contained page: stats, a table of threads, then each thread as a tree.

    The page loads nothing from anywhere and runs no script; its content security policy says
    so to the browser as well. Every message has the anchor `#m-<slug of its id>`.
    """
    views = _thread_views(archive)
    anchors = _anchors(views)
    name = title or _title(archive)
    out.write(
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="generator" content="wsisdedup">\n'
        f"<title>{_e(name)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
    )
    out.write(f"<header><h1>{_e(name)}</h1>\n")
    out.write(f'<p class="summary">{_e(_summary(archive, views))}</p>\n')
    out.write('<dl class="stats">\n')
    for key, value in archive.stats.as_dict().items():
        out.write(f"<div><dt>{_e(_stat_label(key))}</dt>")
        out.write(f'<dd data-stat="{_e(key)}">{_e(_stat_value(value))}</dd></div>\n')
    out.write("</dl>\n")
    if archive.problems:
        out.write(
            f'<details class="problems"><summary>{len(archive.problems)} problems</summary><ul>'
        )
        for prob in archive.problems:
            out.write(f"<li>{_e(str(prob))}</li>")
        out.write("</ul></details>\n")
    out.write("</header>\n")
    if views:
        # A long contents list would push the first thread out of sight: it starts folded.
        fold = " open" if len(views) <= _HTML_TOC_OPEN else ""
        out.write(
            f'<nav class="toc"><details{fold}><summary><h2>Threads ({len(views)})</h2></summary>'
            "<ol>\n"
        )
        for view in views:
            subject = view.root.subject.strip() or "(no subject)"
            n = len(view.placed)
            out.write(
                f'<li><a href="#t-{_e(anchors[view.root.id][2:])}">{_e(subject)}</a> '
                f'<span class="count">{n} message{"s" * (n != 1)}, '
                f"{_e(_author(view.root))}</span></li>\n"
            )
        out.write("</ol></details></nav>\n")
    out.write("<main>\n")
    for view in views:
        _write_html_thread(view, archive, anchors, out)
    out.write("</main>\n</body></html>\n")


def _write_html_thread(
    view: _ThreadView, archive: Archive, anchors: Mapping[str, str], out: TextIO
) -> None:
    root = view.root
    n = len(view.placed)
    subject = root.subject.strip() or "(no subject)"
    authors = len({_author(p.message) for p in view.placed})
    meta = [f"{n} message{'s' * (n != 1)}", f"{authors} participant{'s' * (authors != 1)}"]
    if rng := _date_range(view):
        meta.append(rng)
    out.write(f'<section class="thread" id="t-{_e(anchors[view.root.id][2:])}"><header>')
    out.write(f'<h2>{_e(subject)}</h2><div class="meta">{_e(" · ".join(meta))}</div></header>\n')
    out.write('<ul class="tree">')
    current = 0
    for i, p in enumerate(view.placed):
        if i:
            if p.depth > current:
                deep = ' class="deep"' if p.depth >= _HTML_DEEP else ""
                out.write(f"<ul{deep}>")
            else:
                out.write("</li></ul>" * (current - p.depth) + "</li>")
        current = p.depth
        out.write("\n<li>")
        out.write(_html_message(p.message, archive, anchors))
    if view.placed:
        out.write("</li></ul>" * current + "</li>")
    out.write("</ul></section>\n")


# --------------------------------------------------------------------------------------------
# SQLite


_SQL_SCHEMA = """
CREATE TABLE messages (
    num INTEGER PRIMARY KEY,      -- archive order; also the full-text index's rowid
    id TEXT NOT NULL UNIQUE,
    thread_id TEXT,
    parent_id TEXT,
    parent_evidence TEXT,         -- header, attribution, quote or subject
    author_name TEXT NOT NULL,
    author_address TEXT NOT NULL,
    date TEXT,                    -- ISO 8601, with the author's zone where known
    subject TEXT NOT NULL,
    new_text TEXT NOT NULL,
    signature TEXT NOT NULL,
    body TEXT NOT NULL,
    new_chars INTEGER NOT NULL,
    body_chars INTEGER NOT NULL,
    duplicate_score REAL,
    source TEXT NOT NULL,
    source_path TEXT NOT NULL,
    source_format TEXT NOT NULL,
    source_line INTEGER,
    source_byte_offset INTEGER,
    source_index INTEGER NOT NULL
);
CREATE INDEX messages_thread ON messages(thread_id);
CREATE INDEX messages_parent ON messages(parent_id);
CREATE TABLE segments (
    message_id TEXT NOT NULL REFERENCES messages(id),
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    span_start INTEGER NOT NULL,  -- body[span_start:span_end] == text
    span_end INTEGER NOT NULL,
    depth INTEGER NOT NULL,
    source_id TEXT,               -- for quotes: the message the text comes from
    text TEXT NOT NULL,
    PRIMARY KEY (message_id, position)
);
CREATE INDEX segments_source ON segments(source_id);
CREATE TABLE links (
    message_id TEXT NOT NULL REFERENCES messages(id),
    position INTEGER NOT NULL,
    written TEXT NOT NULL,
    original TEXT NOT NULL,
    rewriter TEXT NOT NULL,
    truncated INTEGER NOT NULL,
    completed INTEGER NOT NULL,
    span_start INTEGER NOT NULL,
    span_end INTEGER NOT NULL,
    PRIMARY KEY (message_id, position)
);
CREATE TABLE duplicates (
    message_id TEXT NOT NULL REFERENCES messages(id),
    position INTEGER NOT NULL,
    source TEXT NOT NULL,
    source_path TEXT NOT NULL,
    source_format TEXT NOT NULL,
    source_line INTEGER,
    source_byte_offset INTEGER,
    source_index INTEGER NOT NULL,
    PRIMARY KEY (message_id, position)
);
CREATE TABLE threads (
    id TEXT PRIMARY KEY,          -- the root message's id
    position INTEGER NOT NULL UNIQUE,  -- the order threads are shown in
    root_id TEXT NOT NULL REFERENCES messages(id),
    subject TEXT NOT NULL,
    message_count INTEGER NOT NULL,
    first_date TEXT,
    last_date TEXT
);
CREATE TABLE thread_messages (    -- each message once, depth-first as the tree is shown
    thread_id TEXT NOT NULL REFERENCES threads(id),
    position INTEGER NOT NULL,
    message_id TEXT NOT NULL UNIQUE REFERENCES messages(id),
    depth INTEGER NOT NULL,
    PRIMARY KEY (thread_id, position)
);
CREATE TABLE problems (what TEXT NOT NULL, path TEXT NOT NULL, line INTEGER, byte_offset INTEGER);
CREATE TABLE stats (name TEXT PRIMARY KEY, value NUMERIC);
CREATE VIEW thread_tree AS
    SELECT tm.thread_id, tm.position, tm.depth,
           substr('                                        ', 1, 2 * min(tm.depth, 20))
             || coalesce(nullif(m.author_name, ''), nullif(m.author_address, ''), '?') AS author,
           m.date, m.subject, m.new_chars, m.parent_evidence, m.id AS message_id
    FROM thread_messages AS tm
    JOIN threads AS t ON t.id = tm.thread_id
    JOIN messages AS m ON m.id = tm.message_id
    ORDER BY t.position, tm.position;
CREATE VIRTUAL TABLE messages_fts USING fts5(
    subject, author_name, new_text,
    content='messages', content_rowid='num', tokenize='unicode61 remove_diacritics 2'
);
"""


def _fts5_available() -> bool:
    con = sqlite3.connect(":memory:")
    try:
        con.execute("CREATE VIRTUAL TABLE probe USING fts5(x)")
    except sqlite3.OperationalError:
        return False
    finally:
        con.close()
    return True


def _source_row(s: Source) -> list[str | int | None]:
    """The `source*` columns of a row: the readable form, then each part."""
    return [str(s), s.path, s.format, s.line, s.offset, s.index]


def _iso(d: datetime | None) -> str | None:
    return d.isoformat() if d is not None else None


def _utc_sort_key(d: datetime) -> datetime:
    return d if d.tzinfo is not None else d.replace(tzinfo=UTC)


@contextlib.contextmanager
def _replacing(path: PathArg) -> Iterator[Path]:
    """A temporary path next to `path` that replaces it on success, and vanishes on failure.

    A reader never sees a half-written file, and a failed export leaves the old one intact.
    """
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def write_sqlite(archive: Archive, path: PathArg) -> None:
    """Write a SQLite database: messages, segments, links, duplicates, threads, stats, problems.

    `messages_fts` is an FTS5 index of subject, author and new text (query it with
    `MATCH`); `thread_tree` is a view of every thread, indented, for SQLite browsers.
    Raises `WsisdedupError` if this Python's SQLite has no FTS5.
    """
    if not _fts5_available():
        raise WsisdedupError(
            f"the SQLite library of this Python (version {sqlite3.sqlite_version}) has no FTS5 "
            "full-text search, which the sqlite export needs; use a Python built with a "
            "current SQLite, or another --format"
        )
    views = _thread_views(archive)
    with _replacing(path) as tmp:
        con = sqlite3.connect(tmp)
        try:
            _fill_sqlite(con, archive, views)
            con.commit()
        finally:
            con.close()


def _fill_sqlite(con: sqlite3.Connection, archive: Archive, views: Sequence[_ThreadView]) -> None:
    con.executescript(_SQL_SCHEMA)
    con.executemany(
        "INSERT INTO messages VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            (
                num,
                m.id,
                m.thread_id,
                m.parent_id,
                m.parent_evidence.value if m.parent_evidence else None,
                m.author.name,
                m.author.address,
                _iso(m.date),
                m.subject,
                new_text,
                m.signature,
                m.body,
                len(new_text),
                len(m.body),
                m.duplicate_score,
                *_source_row(m.source),
            )
            for num, m in enumerate(archive.messages, 1)
            for new_text in (m.new_text,)
        ),
    )
    con.executemany(
        "INSERT INTO segments VALUES (?,?,?,?,?,?,?,?)",
        (
            (m.id, i, s.kind.value, s.start, s.end, s.depth, s.source_id, s.text)
            for m in archive.messages
            for i, s in enumerate(m.segments)
        ),
    )
    con.executemany(
        "INSERT INTO links VALUES (?,?,?,?,?,?,?,?,?)",
        (
            (
                m.id,
                i,
                lk.written,
                lk.original,
                lk.rewriter.value,
                int(lk.truncated),
                int(lk.completed),
                lk.start,
                lk.end,
            )
            for m in archive.messages
            for i, lk in enumerate(m.links)
        ),
    )
    con.executemany(
        "INSERT INTO duplicates VALUES (?,?,?,?,?,?,?,?)",
        ((m.id, i, *_source_row(s)) for m in archive.messages for i, s in enumerate(m.duplicates)),
    )
    for position, view in enumerate(views):
        dates = sorted(
            (p.message.date for p in view.placed if p.message.date is not None), key=_utc_sort_key
        )
        con.execute(
            "INSERT INTO threads VALUES (?,?,?,?,?,?,?)",
            (
                view.id,
                position,
                view.root.id,
                view.root.subject,
                len(view.placed),
                _iso(dates[0]) if dates else None,
                _iso(dates[-1]) if dates else None,
            ),
        )
        con.executemany(
            "INSERT INTO thread_messages VALUES (?,?,?,?)",
            ((view.id, i, p.message.id, p.depth) for i, p in enumerate(view.placed)),
        )
    con.executemany(
        "INSERT INTO problems VALUES (?,?,?,?)",
        ((p.what, p.path, p.line, p.offset) for p in archive.problems),
    )
    con.executemany("INSERT INTO stats VALUES (?,?)", archive.stats.as_dict().items())
    con.execute("INSERT INTO messages_fts(messages_fts) VALUES ('rebuild')")


# --------------------------------------------------------------------------------------------
# Parquet


def _pyarrow() -> tuple[Any, Any]:
    """`pyarrow` and `pyarrow.parquet`, imported only when asked for (an optional extra)."""
    try:
        pa = importlib.import_module("pyarrow")
        pq = importlib.import_module("pyarrow.parquet")
    except ImportError as e:
        raise WsisdedupError(
            "writing Parquet needs pyarrow, which is not installed: "
            "pip install 'wsisdedup[parquet]'"
        ) from e
    return pa, pq


def _parquet_schema(pa: Any) -> Any:
    string, int64 = pa.string(), pa.int64()
    quote = pa.struct(
        [
            ("source_id", string),
            ("start", int64),
            ("end", int64),
            ("depth", int64),
            ("text", string),
        ]
    )
    link = pa.struct(
        [
            ("written", string),
            ("original", string),
            ("rewriter", string),
            ("truncated", pa.bool_()),
            ("completed", pa.bool_()),
            ("start", int64),
            ("end", int64),
        ]
    )
    return pa.schema(
        [
            ("id", string),
            ("thread_id", string),
            ("parent_id", string),
            ("parent_evidence", string),
            ("author_name", string),
            ("author_address", string),
            ("date", string),
            ("date_utc", pa.timestamp("us", tz="UTC")),
            ("subject", string),
            ("new_text", string),
            ("signature", string),
            ("quotes", pa.list_(quote)),
            ("links", pa.list_(link)),
            ("duplicates", pa.list_(string)),
            ("duplicate_score", pa.float64()),
            ("source", string),
            ("new_chars", int64),
            ("body_chars", int64),
        ]
    )


def write_parquet(archive: Archive, path: PathArg) -> None:
    """Write the records as one Parquet file (needs the `parquet` extra: pyarrow).

    Columns are those of `message_record`, plus `date_utc`, a timestamp for dates whose zone is
    known (null otherwise). The archive's stats are in the file's metadata under
    `wsisdedup.stats`. Raises `WsisdedupError` when pyarrow is not installed.
    """
    pa, pq = _pyarrow()
    rows = []
    for m in archive.messages:
        rec = message_record(m)
        rec["date_utc"] = (
            m.date.astimezone(UTC)
            if m.date is not None and m.date.utcoffset() is not None
            else None
        )
        rows.append(rec)
    schema = _parquet_schema(pa).with_metadata(
        {"wsisdedup.stats": json.dumps(archive.stats.as_dict())}
    )
    table = pa.Table.from_pylist(rows, schema=schema)
    with _replacing(path) as tmp:
        pq.write_table(table, str(tmp))


# --------------------------------------------------------------------------------------------
# Dispatch


def _to_file(write: Callable[[Archive, TextIO], object]) -> Callable[[Archive, PathArg], None]:
    def to_path(archive: Archive, path: PathArg) -> None:
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            write(archive, f)

    to_path.__name__ = f"{getattr(write, '__name__', 'write')}_file"
    to_path.__doc__ = f"Write to the file at `path`: {write.__doc__}"
    return to_path


STREAM_FORMATS: Mapping[str, Callable[[Archive, TextIO], object]] = {
    "jsonl": write_jsonl,
    "json": write_json_tree,
    "markdown": write_markdown,
    "html": write_html,
}
"""The text formats, as writers to an open text stream (for standard output)."""

FORMATS: Mapping[str, Callable[[Archive, PathArg], None]] = {
    **{name: _to_file(write) for name, write in STREAM_FORMATS.items()},
    "sqlite": write_sqlite,
    "parquet": write_parquet,
}
"""Every format by name, as a writer of an archive to a path."""
