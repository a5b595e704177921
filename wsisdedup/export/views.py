"""What the tree-shaped outputs show: thread walks, blocks, names, dates, anchors and links.

Shared by the JSON tree and SQLite (thread walks) and by the two views for people, Markdown and
HTML (everything else). The names here are private to the export package.

The two views for people (Markdown and HTML) show each message's own words once: a quote is a
link to the message it comes from, never the repeated text, footers are left out and
signatures set aside. Only a quote whose source is not in the archive keeps its text, since
the reader could not see it anywhere else.
"""

from __future__ import annotations

import enum
import hashlib
import urllib.parse
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import attrs
import regex

from wsisdedup.model import Archive, ForwardInfo, Link, Message, SegmentKind

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


def _trim_quote(text: str) -> str:
    """A quote's text without its leading and trailing lines of only `>` markers and blanks.

    Such lines carry nothing to read: the blank `>` line between two quoted paragraphs, or
    after the last one, would otherwise show as an empty quote box or an empty quote.
    """
    lines = text.split("\n")
    shown = [i for i, line in enumerate(lines) if line.strip("> \t\r")]
    if not shown:
        return ""
    return "\n".join(lines[shown[0] : shown[-1] + 1])


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

    Footers are dropped (the list wrote them, not the author), and so are quotes with nothing
    but `>` markers. Consecutive quotes of one source become one block: one link stands for
    all of it. An attribution line is dropped
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
            text = _trim_quote(text)
            if not text:
                # Only `>` markers: nothing to show, and a quote of one source around it
                # stays one block.
                continue
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
    """The days a thread spans, in UTC: each date in its own zone could print the later moment
    as the earlier day ("2010-01-03 – 2010-01-02"). A date without a zone is taken as UTC."""
    dates = [
        d.astimezone(UTC) if d.utcoffset() is not None else d.replace(tzinfo=UTC)
        for p in view.placed
        if (d := p.message.date) is not None
    ]
    if not dates:
        return ""
    a, b = f"{min(dates):%Y-%m-%d}", f"{max(dates):%Y-%m-%d}"
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


# --------------------------------------------------------------------------------------------
# Quotes, links and forwards as shown to a reader


_QUOTE_MARKERS = regex.compile(r"^[ \t]{0,3}(?:>[ \t]?){1,30}", regex.MULTILINE)


def _unquoted(text: str) -> str:
    """Quoted text without its `>` markers: the page shows that it is a quote by itself."""
    plain: str = _QUOTE_MARKERS.sub("", text)
    return plain


def _shown(lk: Link) -> str:
    """A link as shown to a reader: its original, still marked `...` where the archive cut it."""
    return lk.original + ("..." if lk.truncated and not lk.completed else "")


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
