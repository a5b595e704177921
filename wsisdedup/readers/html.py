"""HTML bodies to plain text that keeps what later stages look for.

A message sent only as HTML must still segment like a plain-text one, so the text keeps line
structure (`<br>`, block elements), paragraphs (a blank line), quotes (`<blockquote>` becomes
`> ` lines, so the quote finder sees them), list items, and links written as `label <url>`, the
form plain-text mail clients use. Scripts, styles and the document head are dropped. Uses the
standard library's `html.parser`, which never raises on malformed markup.
"""

from __future__ import annotations

from html.parser import HTMLParser

import regex

__all__ = ["html_to_text"]

_SKIP = frozenset({"script", "style", "head", "title", "template", "xml"})
# Elements that start and end on their own line.
_LINE = frozenset(
    {
        "address", "article", "aside", "center", "dd", "details", "dialog", "div", "dl", "dt",
        "fieldset", "figcaption", "figure", "footer", "form", "header", "hr", "li", "main", "nav",
        "ol", "section", "summary", "table", "tbody", "tfoot", "thead", "tr", "ul",
    }
)  # fmt: skip
# Elements set off by a blank line, as paragraphs are.
_PARAGRAPH = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "blockquote"})
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)
_SPACE = regex.compile(r"[ \t\n\r\f\v\u00a0]+")
_BLANKS = regex.compile(r"\n{3,}")
# A `<` that starts a tag closed within 2,000 characters, or a lone `<`.
_TAG_OR_LT = regex.compile(r"<(?:[A-Za-z/!?][^<>]{0,2000}>)?")


class _TextMaker(HTMLParser):
    """Collects text with pending line breaks, quote depth and list nesting."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.breaks = 0  # newlines owed before the next text
        self.space = False  # a space owed before the next word on this line
        self.at_line_start = True
        self.skip = 0
        self.pre = 0
        self.quote = 0
        self.lists: list[str] = []
        self.link_href: str | None = None
        self.link_text: list[str] = []

    # -- output ---------------------------------------------------------------------------
    def _break(self, n: int) -> None:
        if self.out:
            self.breaks = max(self.breaks, n)
        self.space = False

    def _write(self, text: str) -> None:
        if self.breaks:
            self.out.append("\n" * self.breaks)
            self.breaks = 0
            self.at_line_start = True
        if self.at_line_start:
            prefix = "> " * self.quote
            if self.lists and not self.pre:
                prefix += "  " * (len(self.lists) - 1)
            if prefix:
                self.out.append(prefix)
            self.at_line_start = False
            self.space = False
        elif self.space:
            self.out.append(" ")
            self.space = False
        self.out.append(text)
        if self.link_href is not None:
            self.link_text.append(text)

    # -- parser callbacks ---------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            # Mail HTML often leaves <head> unclosed: the body starts the text regardless.
            self.skip = 0
            return
        if tag in _SKIP:
            if tag not in _VOID:
                self.skip += 1
            return
        if self.skip:
            return
        if tag == "br":
            self._newline()
        elif tag in _PARAGRAPH:
            self._break(2)
            if tag == "pre":
                self.pre += 1
            elif tag == "blockquote":
                self.quote += 1
        elif tag in ("ul", "ol"):
            self._break(1)
            self.lists.append(tag)
        elif tag == "li":
            self._break(1)
            self._write("-")
            self.space = True
        elif tag in _LINE:
            self._break(1)
        elif tag in ("td", "th"):
            self.space = True
        elif tag == "a":
            href = dict(attrs).get("href") or ""
            self.link_href = href.strip()
            self.link_text = []
        elif tag == "img":
            alt = collapse_space(dict(attrs).get("alt") or "")
            if alt:
                self._write(f"[image: {alt}]")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            if tag not in _VOID:
                self.skip = max(0, self.skip - 1)
            return
        if self.skip:
            return
        if tag == "a":
            self._end_link()
        elif tag in _PARAGRAPH:
            if tag == "pre":
                self.pre = max(0, self.pre - 1)
            elif tag == "blockquote":
                self.quote = max(0, self.quote - 1)
            self._break(2)
        elif tag in ("ul", "ol"):
            if self.lists:
                self.lists.pop()
            self._break(1)
        elif tag in _LINE:
            self._break(1)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_data(self, data: str) -> None:
        if self.skip or not data:
            return
        if self.pre:
            lines = data.replace("\r\n", "\n").split("\n")
            for i, line in enumerate(lines):
                if i:
                    self._newline()
                if line:
                    self._write(line)
            return
        if data[0] in " \t\n\r\f\v\u00a0" and not self.at_line_start:
            self.space = True
        text = collapse_space(data)
        if text:
            self._write(text)
            if data[-1] in " \t\n\r\f\v\u00a0":
                self.space = True

    def _newline(self) -> None:
        if self.breaks:
            self.breaks += 1
        else:
            self.out.append("\n")
            self.at_line_start = True
        self.space = False

    def _end_link(self) -> None:
        href, label = self.link_href, "".join(self.link_text).strip()
        self.link_href, self.link_text = None, []
        if not href or href.startswith(("#", "javascript:")):
            return
        target = href[7:] if href.lower().startswith("mailto:") else href
        if not label:
            self._write(target)
            return
        if _same_place(label, target):
            return
        self.space = True
        self._write(f"<{target}>")


def _same_place(label: str, target: str) -> bool:
    """True if the label already shows the link (`http://x.org` labelled `x.org`)."""
    bare = target.rstrip("/").casefold()
    for scheme in ("https://", "http://"):
        if bare.startswith(scheme):
            bare = bare[len(scheme) :]
    shown = label.rstrip("/").casefold()
    for scheme in ("https://", "http://"):
        if shown.startswith(scheme):
            shown = shown[len(scheme) :]
    return shown == bare


def collapse_space(text: str) -> str:
    return str(_SPACE.sub(" ", text)).strip()


def _escape_stray_lt(html: str) -> str:
    """Escape every `<` that does not open a tag closed soon after.

    `html.parser` looks ahead for the end of each tag it starts; on a `<` whose tag never
    closes it looks to the end of the input and then moves on by one character, so text full
    of such `<` (`<a <a <a ...`, mangled markup) takes quadratic time: 150 KB took minutes.
    Escaped, such a `<` is plain text, which is what a browser shows for it too.

    >>> _escape_stray_lt("a <b> c < d <<e><![if x]>f<![endif]>")
    'a <b> c &lt; d &lt;<e>f'
    """
    if "<" not in html:
        return html
    html = _drop_comments(html)
    return str(_TAG_OR_LT.sub(_tag_or_escape, html))


def _tag_or_escape(match: regex.Match[str]) -> str:
    tag = str(match.group())
    if len(tag) == 1:
        return "&lt;"
    if tag.startswith("<!["):
        # Marked sections: Word's `<![if !supportLists]>` / `<![endif]>` markers (their content
        # is kept) and CDATA. The parser searches for their end to the end of the input.
        return ""
    return tag


def _drop_comments(html: str) -> str:
    """Remove `<!-- ... -->` comments (Outlook's conditional blocks among them) in one pass.

    The parser's own comment search is quadratic on comments that never close; here, once one
    does not close, none after it can, and all of them are escaped as text.

    >>> _drop_comments("a<!--[if mso]>x<![endif]-->b<!-- open <!-- c")
    'ab&lt;!-- open &lt;!-- c'
    """
    if "<!--" not in html:
        return html
    out: list[str] = []
    pos = 0
    while (start := html.find("<!--", pos)) >= 0:
        out.append(html[pos:start])
        end = html.find("-->", start + 4)
        if end < 0:
            out.append(html[start:].replace("<!--", "&lt;!--"))
            return "".join(out)
        pos = end + 3
    out.append(html[pos:])
    return "".join(out)


def html_to_text(html: str) -> str:
    """Plain text of an HTML body, keeping lines, paragraphs, quotes and links.

    >>> html_to_text('<p>Hi <b>all</b>,</p><p>see <a href="https://x.org/a">the doc</a></p>')
    'Hi all,\\n\\nsee the doc <https://x.org/a>'
    """
    maker = _TextMaker()
    try:
        maker.feed(_escape_stray_lt(html))
        maker.close()
    except (AssertionError, ValueError):  # pragma: no cover - html.parser is lenient
        pass
    text = "".join(maker.out)
    lines = [line.rstrip() for line in text.split("\n")]
    return str(_BLANKS.sub("\n\n", "\n".join(lines))).strip("\n")
