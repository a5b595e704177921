"""Markdown: a readable thread document, replies indented under their parents.

Structure in the authors' text is escaped, so a line never turns into a heading, a list or raw
HTML.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TextIO

import regex

from wsisdedup.export.views import (
    _anchors,
    _author,
    _BlockKind,
    _blocks,
    _clickable,
    _date_range,
    _forward_note,
    _LocalLink,
    _show_date,
    _shown,
    _summary,
    _thread_views,
    _title,
    _unlinked_quote,
    _unquoted,
)
from wsisdedup.model import Archive, Message

__all__ = ["write_markdown"]


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


# Inline, authors' text is escaped so that Python-Markdown and CommonMark renderers both show
# it as text: `&` and `<` become entities (both render entities, and neither has a backslash
# escape for `<` that Python-Markdown honours, so `\<script>` would be raw HTML there), and the
# characters that open links, images, link reference definitions, emphasis and code get a
# backslash, which both honour. A body's `[x](javascript:...)`, `[x]: javascript:...` or
# `![](http://tracker/...)` is therefore shown, never made live or loaded.
_MD_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_MD_SPECIAL = regex.compile(r"[&<>\\\[\]*_`!]")


def _md_escape_char(m: regex.Match[str]) -> str:
    c = m.group()
    return _MD_ENTITIES.get(c) or "\\" + c


def _md_inline(text: str) -> str:
    """Authors' text safe inline: shown as written, never raw HTML, a link or an image."""
    escaped: str = _MD_SPECIAL.sub(_md_escape_char, text)
    return escaped


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


def _md_label(text: str) -> str:
    """Text safe inside a link label or emphasis: the same escaping as `_md_inline`."""
    return _md_inline(text)


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
