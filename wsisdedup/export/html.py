"""HTML: one self-contained page of every thread as a tree, with no script and nothing loaded."""

from __future__ import annotations

import html
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, TextIO

from wsisdedup.export.views import (
    _anchors,
    _author,
    _Block,
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
    _ThreadView,
    _title,
    _unlinked_quote,
    _unquoted,
)
from wsisdedup.model import Archive, Link, Message, Rewriter

__all__ = ["write_html"]


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
/* Names, addresses and subjects are the authors' text: a long unbroken one wraps. */
article.message > header, nav.toc li, .meta { overflow-wrap: anywhere; }
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


def _link_note(lk: Link) -> str:
    notes = []
    if lk.rewriter is not Rewriter.NONE:
        notes.append(f"restored from a {lk.rewriter.value} link")
    if lk.completed:
        notes.append("completed from a full copy elsewhere in the archive")
    elif lk.truncated:
        notes.append("address cut short by the archive")
    return "; ".join(notes)


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
        f'<p dir="auto">{_html_text(b.text[s:e], _links_between(b.links, s, e))}</p>'
        for s, e in _paragraphs(b.text)
    )


def _html_time(d: datetime | None) -> str:
    if d is None:
        return ""
    return f' <time datetime="{_e(d.isoformat())}">{_e(_show_date(d))}</time>'


def _html_message(m: Message, archive: Archive, anchors: Mapping[str, str]) -> str:
    anchor = anchors[m.id]
    out = [f'<article class="message" id="{_e(anchor)}"><header>']
    out.append(f'<span class="author" dir="auto">{_e(_author(m))}</span>')
    if m.author.name and m.author.address:
        out.append(f' <span class="address" dir="auto">&lt;{_e(m.author.address)}&gt;</span>')
    out.append(_html_time(m.date))
    out.append(f' <a class="permalink" href="#{_e(anchor)}" title="{_e(m.id)}">#</a>')
    if m.parent_id is not None:
        parent = archive.get(m.parent_id)
        how = f" (by {_e(m.parent_evidence.value)})" if m.parent_evidence else ""
        if parent is not None and parent.id in anchors:
            out.append(
                f'<br><span class="reply">reply to <a dir="auto" href="#{_e(anchors[parent.id])}">'
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
                    f'<p class="quote">quoting <a class="quote-link" dir="auto" '
                    f'href="#{_e(anchors[src.id])}">'
                    f"{_e(label)}</a></p>"
                )
            else:
                plain = _unquoted(b.text)
                out.append(
                    f'<details class="quote"><summary>{_e(_unlinked_quote(b))}: '
                    f'<span class="preview" dir="auto">{_e(_preview(plain))}</span></summary>'
                    f'<div dir="auto">{_e(plain)}</div></details>'
                )
        elif b.kind is _BlockKind.SIGNATURE:
            out.append(f'<div class="signature" dir="auto">{_html_text(b.text, b.links)}</div>')
        elif b.kind is _BlockKind.FORWARD_HEADER:
            out.append(
                f'<div class="forward-header" dir="auto">'
                f"Forwarded message{_e(_forward_note(b.forward))}</div>"
            )
        elif b.kind is _BlockKind.FORWARD:
            out.append(
                f'<blockquote class="forward" dir="auto">{_html_text(b.text, b.links)}</blockquote>'
            )
        elif b.kind is _BlockKind.ATTRIBUTION:
            out.append(f'<div class="attribution" dir="auto">{_e(b.text)}</div>')
        else:
            out.append(f'<div class="placeholder" dir="auto">{_e(b.text)}</div>')
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
    out.write(f'<header><h1 dir="auto">{_e(name)}</h1>\n')
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
                f'<li><a dir="auto" href="#t-{_e(anchors[view.root.id][2:])}">{_e(subject)}</a> '
                f'<span class="count" dir="auto">{n} message{"s" * (n != 1)}, '
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
    out.write(
        f'<h2 dir="auto">{_e(subject)}</h2><div class="meta" dir="auto">'
        f"{_e(' · '.join(meta))}</div></header>\n"
    )
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
