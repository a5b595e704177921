"""HTML: self-contained pages of every thread as a tree, with no script and nothing loaded.

A small archive is one page. A large one (`write_html_files`: more than `SPLIT_MESSAGES`
messages, or a page of more than `SPLIT_BYTES`) is an index page plus one page per thread in
a folder beside it, the layout a browser's "Save page as" makes: `list.html` and
`list_files/t-<thread>.html`.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import logging
import urllib.parse
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

import attrs

from wsisdedup.errors import OutputError
from wsisdedup.export.atomic import PathArg, archive_inputs, check_target, replacing_text
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

__all__ = ["SPLIT_BYTES", "SPLIT_MESSAGES", "pages_folder", "write_html", "write_html_files"]

log = logging.getLogger(__name__)

_Write = Callable[[str], object]
"""Where a page goes, a piece at a time: a stream's `write`, or a list's `append`."""

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
nav.pages { display: flex; flex-wrap: wrap; gap: .25rem 1.25rem; font-size: .9rem;
  margin: 0 0 1rem; overflow-wrap: anywhere; }
nav.pages.end { margin: 1.5rem 0 0; }
table.threads { border-collapse: collapse; width: 100%; font-size: .9rem; }
table.threads th, table.threads td { text-align: left; vertical-align: top; padding: .3rem .5rem;
  border-bottom: 1px solid var(--line); overflow-wrap: anywhere; }
table.threads th { color: var(--dim); font-weight: 600; overflow-wrap: normal; }
table.threads td.count { text-align: right; font-variant-numeric: tabular-nums; }
table.threads td.dates { white-space: nowrap; color: var(--dim); }
table.threads td.authors { color: var(--dim); }
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


@attrs.frozen(kw_only=True)
class _Where:
    """Where each message is shown: its anchor, and the page it is on, seen from page `here`.

    On the single page `pages` is empty: every message is on this page.
    """

    anchors: Mapping[str, str]
    pages: Mapping[str, str] = attrs.field(factory=dict)
    """Message id -> the file name of its thread's page, all in one folder."""
    here: str = ""

    def href(self, mid: str) -> str:
        page = self.pages.get(mid, "")
        return f"{'' if page == self.here else page}#{self.anchors[mid]}"


def _html_message(m: Message, archive: Archive, where: _Where) -> str:
    anchors = where.anchors
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
                f'<br><span class="reply">reply to <a dir="auto" '
                f'href="{_e(where.href(parent.id))}">{_e(_author(parent))}</a>{how}</span>'
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
                    f'href="{_e(where.href(src.id))}">'
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


def _write_head(write: _Write, title: str) -> None:
    write(
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"{_GENERATOR}\n"
        f"<title>{_e(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
    )


_GENERATOR = '<meta name="generator" content="wsisdedup">'
"""Marks the pages this module wrote: only those are ever removed from a pages folder."""


def _write_header(write: _Write, archive: Archive, views: Sequence[_ThreadView], name: str) -> None:
    """The archive's title, figures and problems: the top of the single page and the index."""
    write(f'<header><h1 dir="auto">{_e(name)}</h1>\n')
    write(f'<p class="summary">{_e(_summary(archive, views))}</p>\n')
    write('<dl class="stats">\n')
    for key, value in archive.stats.as_dict().items():
        write(f"<div><dt>{_e(_stat_label(key))}</dt>")
        write(f'<dd data-stat="{_e(key)}">{_e(_stat_value(value))}</dd></div>\n')
    write("</dl>\n")
    if archive.problems:
        write(f'<details class="problems"><summary>{len(archive.problems)} problems</summary><ul>')
        for prob in archive.problems:
            write(f"<li>{_e(str(prob))}</li>")
        write("</ul></details>\n")
    write("</header>\n")


def _subject(view: _ThreadView) -> str:
    return view.root.subject.strip() or "(no subject)"


def _count(n: int, what: str) -> str:
    return f"{n:,} {what}{'s' * (n != 1)}"


def write_html(archive: Archive, out: TextIO, *, title: str | None = None) -> None:
    """Write one self-contained page: stats, a table of threads, then each thread as a tree.

    The page loads nothing from anywhere and runs no script; its content security policy says
    so to the browser as well. Every message has the anchor `#m-<slug of its id>`.
    """
    views = _thread_views(archive)
    _write_single(archive, views, out.write, title or _title(archive))


def _write_single(archive: Archive, views: Sequence[_ThreadView], write: _Write, name: str) -> None:
    where = _Where(anchors=_anchors(views))
    _write_head(write, name)
    _write_header(write, archive, views, name)
    if views:
        # A long contents list would push the first thread out of sight: it starts folded.
        fold = " open" if len(views) <= _HTML_TOC_OPEN else ""
        write(
            f'<nav class="toc"><details{fold}><summary><h2>Threads ({len(views)})</h2></summary>'
            "<ol>\n"
        )
        for view in views:
            n = len(view.placed)
            write(
                f'<li><a dir="auto" href="#t-{_e(where.anchors[view.root.id][2:])}">'
                f"{_e(_subject(view))}</a> "
                f'<span class="count" dir="auto">{n} message{"s" * (n != 1)}, '
                f"{_e(_author(view.root))}</span></li>\n"
            )
        write("</ol></details></nav>\n")
    write("<main>\n")
    for view in views:
        _write_html_thread(view, archive, where, write)
    write("</main>\n</body></html>\n")


def _write_html_thread(view: _ThreadView, archive: Archive, where: _Where, write: _Write) -> None:
    n = len(view.placed)
    authors = len({_author(p.message) for p in view.placed})
    meta = [f"{n} message{'s' * (n != 1)}", f"{authors} participant{'s' * (authors != 1)}"]
    if rng := _date_range(view):
        meta.append(rng)
    write(f'<section class="thread" id="t-{_e(where.anchors[view.root.id][2:])}"><header>')
    write(
        f'<h2 dir="auto">{_e(_subject(view))}</h2><div class="meta" dir="auto">'
        f"{_e(' · '.join(meta))}</div></header>\n"
    )
    write('<ul class="tree">')
    current = 0
    for i, p in enumerate(view.placed):
        if i:
            if p.depth > current:
                deep = ' class="deep"' if p.depth >= _HTML_DEEP else ""
                write(f"<ul{deep}>")
            else:
                write("</li></ul>" * (current - p.depth) + "</li>")
        current = p.depth
        write("\n<li>")
        write(_html_message(p.message, archive, where))
    if view.placed:
        write("</li></ul>" * current + "</li>")
    write("</ul></section>\n")


# --------------------------------------------------------------------------------------------
# A large archive: an index page and one page per thread

SPLIT_MESSAGES = 2_000
"""More messages than this make an index and a page per thread (`write_html_files`).

About 2.9 KB of page per message on real lists, so 2,000 messages are a 5 to 6 MB page: the
size a browser still opens in a second or two and searches with Ctrl+F at ease.
"""

SPLIT_BYTES = 5_000_000
"""A single page larger than this (UTF-8 bytes) becomes an index and a page per thread, as
long messages fill a page with fewer of them than `SPLIT_MESSAGES`."""


class _TooLarge(Exception):
    """The single page passed its size limit: the archive gets an index and thread pages."""


def _capped(write: _Write, limit: int) -> _Write:
    size = 0

    def capped(text: str) -> object:
        nonlocal size
        size += len(text.encode("utf-8"))
        if size > limit:
            raise _TooLarge
        return write(text)

    return capped


def pages_folder(path: PathArg) -> Path:
    """The folder of the thread pages of the index page at `path`: `list.html` ->
    `list_files`, beside the file a symbolic link `path` points to."""
    target = Path(path)
    if target.is_symlink():
        target = target.resolve()
    return target.with_name(f"{target.stem}_files")


def write_html_files(
    archive: Archive,
    path: PathArg,
    *,
    title: str | None = None,
    max_messages: int = SPLIT_MESSAGES,
    max_bytes: int = SPLIT_BYTES,
) -> None:
    """Write the HTML view to `path`: one page (`write_html`) for an archive of at most
    `max_messages` messages and `max_bytes` of page, else an index page at `path` and one page
    per thread in `pages_folder(path)` (`list.html` and `list_files/t-<thread>.html`).

    Each file is written to a temporary name and renamed (`atomic.replacing_text`): the thread
    pages first, the index last, so an interrupted write leaves the previous index and every
    page it links to. Then pages of threads that are gone (and, after a single page, the
    whole folder's pages) are removed; only pages this module wrote are ever removed. A thread
    page whose content is unchanged is not written again. One page is in memory at a time.
    """
    inputs = archive_inputs(archive)
    target = check_target(path, inputs=inputs)
    folder = pages_folder(path)
    views = _thread_views(archive)
    name = title or _title(archive)
    if len(archive.messages) <= max_messages:
        try:
            with replacing_text(path, inputs=inputs) as f:
                _write_single(archive, views, _capped(f.write, max_bytes), name)
        except _TooLarge:
            log.info(
                "%s: more than %d bytes on one page, writing a page per thread", path, max_bytes
            )
        else:
            _remove_pages(folder, keep=frozenset())
            return
    anchors = _anchors(views)
    names = _page_names(views, anchors)
    where = _Where(
        anchors=anchors,
        pages={
            p.message.id: page for view, page in zip(views, names, strict=True) for p in view.placed
        },
    )
    index_href = "../" + urllib.parse.quote(target.name)
    _make_folder(folder)
    for i in range(len(views)):
        page = _thread_page(archive, views, names, i, where, index_href=index_href, name=name)
        _replace_page(folder / names[i], page, inputs)
    hrefs = [f"{urllib.parse.quote(folder.name)}/{page}" for page in names]
    with replacing_text(path, inputs=inputs) as f:
        _write_index(f.write, archive, views, hrefs, anchors, name)
    _remove_pages(folder, keep=frozenset(names))
    log.info("%s: an index of %d threads, each on its page in %s", path, len(views), folder)


def _page_names(views: Sequence[_ThreadView], anchors: Mapping[str, str]) -> list[str]:
    """A file name for each thread's page: `t-<slug of its root's id>.html`.

    Unique without regard to case, since macOS and Windows file systems ignore it.
    """
    names: list[str] = []
    used: set[str] = set()
    for view in views:
        slug = anchors[view.root.id][2:]
        name = f"t-{slug}.html"
        if name.lower() in used:
            digest = hashlib.sha1(view.id.encode("utf-8")).hexdigest()[:10]
            name = f"t-{slug}-{digest}.html"
            while name.lower() in used:
                name = f"t-{slug}-{digest}-{len(names)}.html"
        used.add(name.lower())
        names.append(name)
    return names


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(exist_ok=True)
    except FileExistsError as exc:
        raise OutputError(
            "is not a folder; cannot put the thread pages in it", path=str(folder)
        ) from exc
    except OSError as exc:
        raise OutputError(f"cannot be made: {exc.strerror or exc}", path=str(folder)) from exc


def _replace_page(page: Path, text: str, inputs: Sequence[str]) -> None:
    data = text.encode("utf-8")
    try:
        if page.is_file() and page.stat().st_size == len(data) and page.read_bytes() == data:
            return
    except OSError:
        pass  # unreadable: written again below, which says what is wrong
    with replacing_text(page, inputs=inputs) as f:
        f.write(text)


def _nav(links: Sequence[tuple[str, str, str]], cls: str) -> str:
    return (
        f'<nav class="{cls}">'
        + "".join(
            f'<a rel="{rel}" dir="auto" href="{_e(href)}">{_e(text)}</a>'
            for rel, href, text in links
        )
        + "</nav>\n"
    )


def _thread_page(
    archive: Archive,
    views: Sequence[_ThreadView],
    names: Sequence[str],
    i: int,
    where: _Where,
    *,
    index_href: str,
    name: str,
) -> str:
    """The page of thread `i`: links to the index and to the threads before and after it,
    then the thread as a tree."""
    links = [("index", index_href, f"↑ All {len(views):,} threads of {name}")]
    if i > 0:
        links.append(("prev", names[i - 1], f"← {_subject(views[i - 1])}"))
    if i + 1 < len(views):
        links.append(("next", names[i + 1], f"{_subject(views[i + 1])} →"))
    chunks: list[str] = []
    _write_head(chunks.append, f"{_subject(views[i])} · {name}")
    chunks.append(_nav(links, "pages"))
    chunks.append("<main>\n")
    _write_html_thread(views[i], archive, attrs.evolve(where, here=names[i]), chunks.append)
    chunks.append("</main>\n")
    chunks.append(_nav(links, "pages end"))
    chunks.append("</body></html>\n")
    return "".join(chunks)


_INDEX_AUTHORS = 3
"""The index names this many of a thread's authors, then says how many more there are."""


def _authors(view: _ThreadView) -> str:
    names = list(dict.fromkeys(_author(p.message) for p in view.placed))
    shown = ", ".join(names[:_INDEX_AUTHORS])
    more = len(names) - _INDEX_AUTHORS
    return f"{shown} and {more} more" if more > 0 else shown


def _write_index(
    write: _Write,
    archive: Archive,
    views: Sequence[_ThreadView],
    hrefs: Sequence[str],
    anchors: Mapping[str, str],
    name: str,
) -> None:
    """The index page: the archive's figures, then a row per thread linking to its page."""
    _write_head(write, name)
    _write_header(write, archive, views, name)
    write(
        '<main><table class="threads"><thead><tr><th>Thread</th><th>Messages</th>'
        "<th>Dates</th><th>Authors</th></tr></thead><tbody>\n"
    )
    for view, href in zip(views, hrefs, strict=True):
        # The row keeps the thread's anchor of the single page: `list.html#t-...` still leads
        # to the thread.
        write(
            f'<tr id="t-{_e(anchors[view.root.id][2:])}"><td><a dir="auto" href="{_e(href)}">'
            f"{_e(_subject(view))}</a></td>"
            f'<td class="count">{len(view.placed):,}</td>'
            f'<td class="dates">{_e(_date_range(view))}</td>'
            f'<td class="authors" dir="auto">{_e(_authors(view))}</td></tr>\n'
        )
    write("</tbody></table></main>\n</body></html>\n")


def _ours(page: Path) -> bool:
    """Whether `page` is a page this module wrote (its head names wsisdedup)."""
    try:
        with open(page, "rb") as f:
            return _GENERATOR.encode() in f.read(1024)
    except OSError:
        return False


def _remove_pages(folder: Path, *, keep: frozenset[str]) -> None:
    """Remove the thread pages in `folder` not in `keep`, and the folder once it is empty.

    Only pages this module wrote go: anything else a user keeps there stays.
    """
    if not folder.is_dir():
        return
    for page in sorted(folder.glob("t-*.html")):
        if page.name in keep or page.is_symlink() or not page.is_file() or not _ours(page):
            continue
        try:
            page.unlink()
        except OSError as exc:
            log.warning("%s: could not remove an old thread page: %s", page, exc.strerror or exc)
    if not keep:
        # Not removed when it holds files this module did not write.
        with contextlib.suppress(OSError):
            folder.rmdir()
