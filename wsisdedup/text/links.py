"""Restoring the links that security gateways and archives rewrote.

Every copy of a sentence that passed a gateway carries its own rewritten copy of each link, so two
copies of the same paragraph differ only in their links; archives then cut long links to 76
characters plus `...`. These pure functions give back the address the author wrote.

- `unwrap_url`: one address in, the original out (gateways nested in any order are peeled until
  nothing changes). Never raises; linear in the length of its input.
- `find_links`: every link of a body as a `Link` (written form, original, outermost rewriter,
  truncation, span). A rewritten link that a mail client wrapped over several (quoted) lines is
  joined back into one.
- `unwrap_links`: the text with each rewritten link replaced by its original. Proofpoint's
  plain-text artefacts are left in place: `https://isoc.live/19420/ [isoc.live] <https://urldefense
  .com/v3/__...>` becomes `https://isoc.live/19420/ [isoc.live] <https://isoc.live/19420/>`, which
  reads as the author's link with its anchor target. Removing the `[domain]` label and the `<...>`
  target is a matter for the canonical form: `link_artefact_spans` reports them.
- `complete_truncated`: completes cut links from full copies elsewhere in the archive.
- `deobfuscate_address`: Mailman's `user at host.tld`, for address fields and link targets only.

The gateway shapes are rows of `wsisdedup.patterns.links.REWRITERS`; this module holds the
decoders, one per way of carrying an address (`Carrier`).
"""

from __future__ import annotations

import base64
import binascii
import bisect
import html
from collections.abc import Sequence

import attrs
import regex

from wsisdedup.model import Link, Rewriter
from wsisdedup.patterns import links as p

__all__ = [
    "complete_truncated",
    "deobfuscate_address",
    "find_links",
    "link_artefact_spans",
    "unwrap_links",
    "unwrap_url",
]

MAX_NESTING = 16
"""Gateways peeled from one address at most. Real chains are two or three deep; the bound keeps a
crafted address linear (each layer costs a pass over it)."""

MAX_CONTINUATION_LINES = 64
"""Lines a wrapped rewritten link may be joined from."""

MAX_LINE_LOOKBACK = 4096
"""How far back the start of a link's line is looked for; a longer line was not wrapped."""

_SURROGATE = regex.compile(r"[\udc80-\udcff]")
_B64_JUNK = regex.compile(r"[^A-Za-z0-9_\-]")


# --- Small decoders --------------------------------------------------------------------------


def _bytes_to_text(data: bytes) -> str:
    """UTF-8 bytes as text; bytes that are not UTF-8 stay percent-encoded, as a browser would
    send them, instead of turning into replacement characters."""
    text = data.decode("utf-8", "surrogateescape")
    if not _SURROGATE.search(text):
        return text
    escaped: str = _SURROGATE.sub(lambda m: f"%{ord(m.group()) - 0xDC00:02X}", text)
    return escaped


def _decode_percent_run(m: regex.Match[str]) -> str:
    return _bytes_to_text(bytes.fromhex(m.group().replace("%", "")))


def _percent_decode(text: str) -> str:
    """Percent-decoding that never raises: runs of escapes are decoded together (multi-byte UTF-8)
    and escapes that are not UTF-8 are kept as written.

    >>> _percent_decode("68%E2%80%9395%FF")
    '68–95%FF'
    """
    if "%" not in text:
        return text
    decoded: str = p.PERCENT_RUN.sub(_decode_percent_run, text)
    return decoded


def _unescape_entities(text: str) -> str:
    """HTML character references with their semicolon (Proofpoint v1/v2 addresses carry them)."""
    if "&" not in text:
        return text
    unescaped: str = p.ENTITY.sub(lambda m: html.unescape(m.group()), text)
    return unescaped


def _unescape_amp(text: str) -> str:
    """`&amp;` between parameters: plain-text parts made from HTML keep the escape."""
    if "&" not in text:
        return text
    return text.replace("&amp;", "&").replace("&#38;", "&")


def _b64decode(text: str) -> bytes:
    """Lenient base64 (standard or URL-safe, padded or not): characters outside the alphabet are
    dropped and a dangling last character is ignored, so malformed input still yields bytes."""
    s = _B64_JUNK.sub("", text.replace("+", "-").replace("/", "_"))
    if len(s) % 4 == 1:
        s = s[:-1]
    try:
        return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
    except (binascii.Error, ValueError):  # pragma: no cover - the filtering above prevents it
        return b""


_ASCII_UNSAFE = {c: f"%{c:02X}" for c in range(128) if p.UNSAFE_IN_TEXT.match(chr(c))}


def _reescape(address: str) -> str:
    """Percent-encode what decoding let in but a link written in text cannot hold (white space,
    `<>"`, ...), so the restored address reads back as one link."""
    if not p.UNSAFE_IN_TEXT.search(address):
        return address
    address = address.translate(_ASCII_UNSAFE)
    escaped: str = p.UNSAFE_IN_TEXT.sub(
        lambda m: "".join(f"%{b:02X}" for b in m.group().encode("utf-8", "surrogatepass")),
        address,
    )
    return escaped


def _split_ellipsis(address: str) -> tuple[str, str]:
    """The address without the `...` or `…` an archive appended, and that marker."""
    for marker in p.ELLIPSES:
        if address.endswith(marker):
            return address[: -len(marker)], marker
    return address, ""


# --- One gateway layer -----------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class _Step:
    """The address one gateway layer held."""

    inner: str
    terminated: bool
    """The carried address ended at a known delimiter, so it is whole even if the link was cut."""


@attrs.frozen(kw_only=True)
class _RuleMatch:
    rule: p.RewriterRule
    rest: str
    """What follows the rule's path: the query, the v3 body or the Cisco path."""


def _match_rule(address: str) -> _RuleMatch | None:
    """The gateway row whose host and path this address has."""
    m = p.HOST.match(address)
    if m is None:
        return None
    host = m.group("host").lower()
    if not p.REWRITER_HOST.fullmatch(host):
        return None
    for rule in p.REWRITERS:
        if rule.host.fullmatch(host):
            path = rule.path.match(address, m.end())
            if path is not None:
                return _RuleMatch(rule=rule, rest=address[path.end() :])
    return None


def _query_value(rule: p.RewriterRule, query: str, truncated: bool) -> _Step | None:
    """The raw value of the rule's parameter, read up to the parameter that follows it."""
    if rule.param is None:
        return None
    m = rule.param.search(query)
    if m is None:
        return None
    start = m.end()
    if rule.last:
        return _Step(inner=query[start:], terminated=False)
    stop = rule.stop.search(query, start) if rule.stop is not None else None
    if stop is not None:
        return _Step(inner=query[start : stop.start()], terminated=True)
    if truncated:
        value = query[start:]
        cut = p.PARTIAL_PARAM.search(value)
        return _Step(inner=value[: cut.start()] if cut else value, terminated=False)
    amp = query.find("&", start)
    return _Step(inner=query[start:] if amp < 0 else query[start:amp], terminated=True)


def _fill_v3_tokens(raw: bytes, data: bytes) -> tuple[bytes, bool]:
    """Replace Proofpoint v3 tokens in `raw` with bytes of `data`, in order; and whether every
    token was filled.

    `*` takes one byte; `**X` takes `RUN_LENGTH[X]` bytes. Splitting on `*` walks the tokens with
    plain list operations (no match object per token), one pass however many `*` there are. Once
    the payload is too short, the remaining tokens are kept as written.
    """
    parts = raw.split(b"*")
    out = [parts[0]]
    append = out.append
    runs = p.RUN_LENGTH
    count, available = len(parts), len(data)
    used = 0
    i = 1
    while i < count:
        nxt = parts[i + 1] if i + 1 < count else b""
        if not parts[i] and nxt and nxt[0] in runs:
            # `**X`: this `*` is followed at once by another `*` and a run code.
            token, n, rest, i = b"**" + nxt[:1], runs[nxt[0]], nxt[1:], i + 2
        else:
            token, n, rest, i = b"*", 1, parts[i], i + 1
        if used + n > available:
            append(token + rest)
            out.extend(b"*" + part for part in parts[i:])
            return b"".join(out), False
        append(data[used : used + n])
        append(rest)
        used += n
    return b"".join(out), True


def _proofpoint_v3(body: str, truncated: bool) -> _Step | None:
    """`<address>__;<payload>!!...`: fill the `*` tokens of the address with payload bytes.

    `*` takes one byte, `**X` a run of bytes (see `RUN_LENGTH`); runs count UTF-8 bytes, so the
    substitution is done on bytes and decoded at the end. Tokens the payload is too short for are
    left as written. Cut before `__;`, the address is a prefix of the original.
    """
    sep = body.find("__;")
    if sep < 0:
        if not truncated:
            return None
        # Trailing underscores may be the start of the cut `__;`; dropping them keeps a prefix.
        url, payload, terminated = body.rstrip("_"), "", False
    else:
        url = body[:sep]
        tail = body[sep + 3 :]
        bang = tail.find("!")
        payload = tail if bang < 0 else tail[:bang]
        terminated = True
    data = _b64decode(payload) if payload else b""
    out, filled = _fill_v3_tokens(url.encode("utf-8", "surrogatepass"), data)
    inner = _bytes_to_text(out)
    one_slash = p.ONE_SLASH_SCHEME.match(inner)
    if one_slash is not None:
        inner = one_slash.group(1) + "://" + inner[one_slash.end() :]
    return _Step(inner=inner, terminated=terminated and filled)


def _decode(found: _RuleMatch, truncated: bool) -> _Step | None:
    """Peel one gateway layer, or None when this one cannot be decoded offline."""
    rule = found.rule
    rest = _unescape_amp(found.rest)
    step: _Step | None
    if rule.carrier is p.Carrier.OPAQUE:
        return None
    if rule.carrier is p.Carrier.PROOFPOINT_V3:
        step = _proofpoint_v3(rest, truncated)
    elif rule.carrier is p.Carrier.LAST_PATH_SEGMENT:
        step = _Step(inner=_percent_decode(rest), terminated=False)
    else:
        raw = _query_value(rule, rest, truncated)
        if raw is None:
            return None
        value = raw.inner
        if rule.carrier is p.Carrier.PROOFPOINT_V2:
            value = value.replace("-", "%").replace("_", "/")
        if rule.carrier is p.Carrier.BASE64_QUERY:
            value = _bytes_to_text(_b64decode(_percent_decode(value)))
        else:
            value = _percent_decode(value)
            if p.DOUBLE_ENCODED_SCHEME.match(value):
                value = _percent_decode(value)
        step = _Step(inner=value, terminated=raw.terminated)
    if step is None:
        return None
    inner = _unescape_entities(step.inner) if rule.html_unescape else step.inner
    if not p.SCHEME.match(inner):
        return None  # not an address: keep the link as written rather than guess
    return _Step(inner=inner, terminated=step.terminated)


# --- A whole chain of gateways ---------------------------------------------------------------


@attrs.frozen(kw_only=True)
class _Unwrapped:
    original: str
    rewriter: Rewriter
    """The outermost gateway recognised (also when it could not be decoded)."""
    restored: bool
    """At least one layer was peeled."""
    truncated: bool
    """`original` is a prefix of the real address."""
    wants_more: bool
    """A gateway in the chain ends its links with a `TERMINATOR`, or the link stops before the
    parameter that carries the address (decides whether a wrapped next line is joined)."""


def _unwrap(address: str, truncated: bool) -> _Unwrapped:
    rewriter = Rewriter.NONE
    current = address
    restored = wants = False
    for _ in range(MAX_NESTING):
        found = _match_rule(current)
        if found is None:
            break
        if rewriter is Rewriter.NONE:
            rewriter = found.rule.rewriter
        rule = found.rule
        # A link that ends before its gateway's parameter, or whose gateway ends links with a
        # terminator, is incomplete without the rest (a wrapped line may hold it).
        wants = (
            wants
            or rule.terminated
            or (rule.param is not None and not rule.param.search(_unescape_amp(found.rest)))
        )
        step = _decode(found, truncated)
        if step is None:
            break
        current = step.inner
        truncated = truncated and not step.terminated
        restored = True
    return _Unwrapped(
        original=_reescape(current) if restored else address,
        rewriter=rewriter,
        restored=restored,
        truncated=truncated,
        wants_more=wants,
    )


def unwrap_url(url: str) -> str:
    """The address the author wrote, with every known gateway removed.

    Nested gateways are peeled until nothing changes; `&amp;` escapes are undone. A link that can
    only be resolved by its gateway (Mimecast, short links) or that is not rewritten comes back
    unchanged. A link the archive cut (ending in `...` or `…`) keeps its marker unless the
    original survived whole (a urldefense v3 link cut after its `__;`).

    >>> unwrap_url("https://www.google.com/url?q=https://example.org/landing&sa=D")
    'https://example.org/landing'
    >>> unwrap_url("https://urldefense.com/v3/__https:/example.org/a__;!!x...")
    'https://example.org/a'
    """
    body, marker = _split_ellipsis(url)
    result = _unwrap(body, truncated=bool(marker))
    if not result.restored:
        return url
    return result.original + (marker if result.truncated else "")


# --- Links in text ---------------------------------------------------------------------------


def _trim(address: str) -> tuple[str, str]:
    """The link without trailing sentence punctuation, and its ellipsis marker if it has one.

    `.,;:!?'*` at the end belong to the sentence or to `*bold*`; `)` and `]` only when the link
    does not open them. A final `...` is the archive's cut marker and ends the trimming.
    """
    if address[-1] not in p.TRIMMABLE:
        return address, ""
    end = len(address)
    parens = address.count("(") - address.count(")")
    brackets = address.count("[") - address.count("]")
    while end:
        if address.endswith("...", 0, end):
            return address[: end - 3], "..."
        c = address[end - 1]
        if c in p.TRAILING_PUNCTUATION:
            end -= 1
        elif c == ")" and parens < 0:
            parens += 1
            end -= 1
        elif c == "]" and brackets < 0:
            brackets += 1
            end -= 1
        else:
            break
    return address[:end], ""


def _line_end(text: str, pos: int) -> int:
    """Where the next line starts, if only blanks lie between `pos` and the line break; else -1."""
    m = p.LINE_END.match(text, pos)
    return m.end() if m is not None else -1


def _looks_continued(token: str, alone: bool) -> bool:
    """Is this line-initial token the rest of a wrapped link rather than the next words?

    Clients re-wrapping quoted text leave pieces such as `etsi.org%2F...&am`, `p` or `;data=...`.
    A token alone on its line continues the link if it is encoded junk, a long run or one to three
    letters/digits; a token followed by words must hold a character only addresses have.
    """
    if all(c in p.TRAILING_PUNCTUATION or c in ")]" for c in token):
        return False
    if not alone:
        return p.URL_JUNK_STRONG.search(token) is not None
    if len(token) <= 3 and token.isascii() and token.isalnum():
        return True
    return len(token) >= 16 or p.URL_JUNK.search(token) is not None


@attrs.frozen(kw_only=True)
class _Joined:
    address: str
    end: int


def _join_wrapped(text: str, start: int, end: int, address: str) -> _Joined | None:
    """Join the lines a mail client wrapped a rewritten link onto.

    Only called for a rewritten link that should end with a terminator and does not. The
    following lines continue it while they carry the same number of `>` markers and begin with
    a token that looks like a piece of an address (`_looks_continued`).
    """
    if _line_end(text, end) < 0:
        return None
    line_start = text.rfind("\n", max(0, start - MAX_LINE_LOOKBACK), start) + 1
    if line_start == 0 and start > MAX_LINE_LOOKBACK:
        return None
    prefix = p.LINE_PREFIX.match(text, line_start)
    depth = prefix.group().count(">") if prefix is not None else 0
    joined = address
    new_end = end
    for _ in range(MAX_CONTINUATION_LINES):
        if p.TERMINATOR.search(joined, max(0, len(joined) - p.TERMINATOR_MAX_CHARS)):
            break
        nxt = _line_end(text, new_end)
        if nxt < 0:
            break
        line_prefix = p.LINE_PREFIX.match(text, nxt)
        if line_prefix is None or line_prefix.group().count(">") != depth:
            break
        token = p.CONTINUATION_TOKEN.match(text, line_prefix.end())
        if token is None:
            break
        alone = token.end() == len(text) or _line_end(text, token.end()) >= 0
        if not _looks_continued(token.group(), alone):
            break
        joined += token.group()
        new_end = token.end()
        if not alone:
            break
    if new_end == end:
        return None
    return _Joined(address=joined, end=new_end)


_Found = tuple[Link, bool]
"""A link and whether a gateway layer was peeled from it (`unwrap_links` replaces only those)."""


def _link_at(text: str, m: regex.Match[str]) -> _Found | None:
    start, end = m.span()
    address = m.group()
    is_mailto = address[6] == ":"
    rewritten = not is_mailto and p.REWRITTEN.match(address) is not None
    if (
        rewritten
        and _line_end(text, end) >= 0
        and not p.TERMINATOR.search(address, max(0, len(address) - p.TERMINATOR_MAX_CHARS))
        and _unwrap(address, truncated=False).wants_more
    ):
        joined = _join_wrapped(text, start, end, address)
        if joined is not None:
            address, end = joined.address, joined.end
    body, marker = _trim(address)
    end -= len(address) - len(body) - len(marker)
    if not marker and end < len(text) and text[end] == "…":
        marker = "…"
        end += 1
    if is_mailto:
        if len(body) <= len("mailto:"):
            return None
        link = Link(
            written=text[start:end],
            original=deobfuscate_address(body),
            truncated=bool(marker),
            start=start,
            end=end,
        )
        return link, False
    if not rewritten:
        if len(body) <= body.find("://") + 3:
            return None  # a bare scheme
        link = Link(
            written=text[start:end], original=body, truncated=bool(marker), start=start, end=end
        )
        return link, False
    result = _unwrap(body, truncated=bool(marker))
    link = Link(
        written=text[start:end],
        original=result.original if result.restored else body,
        rewriter=result.rewriter,
        truncated=result.truncated,
        start=start,
        end=end,
    )
    return link, result.restored


def _scheme_start(text: str, colon: int) -> int:
    """Where the scheme before this `LINK_HINT` colon would start (`https`, `http`, `ftp` or
    `mailto`), judged from its last letters; `LINK.match` there confirms it."""
    if text.startswith("://", colon):
        last = text[colon - 1 : colon].lower()
        if last == "s":
            return colon - 5
        if last == "p":
            return colon - 4 if text[colon - 4 : colon - 3].lower() == "h" else colon - 3
        return -1
    return colon - 6


def _next_link(text: str, pos: int) -> regex.Match[str] | None:
    """The next `LINK` match starting at or after `pos`, found from its colon (`LINK_HINT`): a
    search for a literal is many times faster than `LINK.search`."""
    while True:
        hint = p.LINK_HINT.search(text, pos)
        if hint is None:
            return None
        colon = hint.start()
        begin = _scheme_start(text, colon)
        if begin >= pos:
            m = p.LINK.match(text, begin)
            if m is not None:
                return m
        pos = colon + 1


def _scan(text: str) -> list[_Found]:
    found: list[_Found] = []
    pos = 0
    while True:
        m = _next_link(text, pos)
        if m is None:
            return found
        item = _link_at(text, m)
        if item is None:
            pos = m.end()
            continue
        found.append(item)
        pos = max(item[0].end, m.start() + 1)


def find_links(text: str) -> tuple[Link, ...]:
    """Every link in `text` (http, https, ftp, mailto), in order, with its original address.

    For each `Link`: `written == text[start:end]` (for a rewritten link a client wrapped over
    several quoted lines, that slice holds the line breaks and `>` markers; `original` is the
    joined, unwrapped address). `rewriter` is the outermost gateway. `truncated` says that
    `original` is only a prefix (the `...` or `…` marker is in `written`, not in `original`). A
    cut rewritten link whose original survived whole is not truncated: urldefense v3 cut after its
    `__;`, or a query gateway cut after the parameter that follows the address. A `mailto:`
    target has Mailman's `user at host` undone. `completed` is always False here: see
    `complete_truncated`.
    """
    return tuple(link for link, _ in _scan(text))


def unwrap_links(text: str) -> str:
    """`text` with every rewritten link replaced by its original address.

    Links no gateway rewrote, and rewritten links that cannot be decoded offline, are left as
    written. A link that is still cut after decoding keeps its `...` marker. Labels and anchor
    targets around links stay (see the module docstring). Idempotent.

    >>> unwrap_links("see https://www.google.com/url?q=https%3A%2F%2Fexample.org%2F&sa=D.")
    'see https://example.org/.'
    """
    parts: list[str] = []
    pos = 0
    for link, restored in _scan(text):
        if not restored:
            continue
        _, marker = _split_ellipsis(link.written)
        parts.append(text[pos : link.start])
        parts.append(link.original + (marker if link.truncated else ""))
        pos = link.end
    if not parts:
        return text
    parts.append(text[pos:])
    return "".join(parts)


def complete_truncated(
    links_by_message: Sequence[tuple[Link, ...]],
) -> tuple[tuple[Link, ...], ...]:
    """Complete cut links from full links elsewhere in the same archive.

    A truncated link's `original` is replaced by the one full original (of any message, its own
    included) that starts with it, and marked `completed`; `truncated` stays True, as a record of
    what the body shows. A prefix that does not reach past its host, or that several different
    full addresses start with, is left alone. Pure: returns new tuples, the same shape as the input.
    """
    full = sorted(
        {link.original for links in links_by_message for link in links if not link.truncated}
    )

    def complete(link: Link) -> Link:
        if not link.truncated or link.completed:
            return link
        prefix = link.original
        if not p.COMPLETABLE_PREFIX.match(prefix):
            return link
        i = bisect.bisect_left(full, prefix)
        if i == len(full) or not full[i].startswith(prefix):
            return link
        if i + 1 < len(full) and full[i + 1].startswith(prefix):
            return link  # ambiguous: several addresses begin this way
        return attrs.evolve(link, original=full[i], completed=True)

    return tuple(tuple(complete(link) for link in links) for links in links_by_message)


# --- Artefacts and addresses -----------------------------------------------------------------


def _banner_spans(text: str) -> list[tuple[int, int]]:
    ends = [m.start() for m in p.BANNER_END.finditer(text)]
    if not ends:
        return []
    spans: list[tuple[int, int]] = []
    done = 0
    for m in p.BANNER_START.finditer(text):
        if m.start() < done:
            continue
        i = bisect.bisect_left(ends, m.end())
        if i < len(ends) and ends[i] - m.end() <= p.BANNER_MAX_CHARS:
            close = p.BANNER_END.match(text, ends[i])
            if close is not None:
                spans.append((m.start(), close.end()))
                done = close.end()
    return spans


def link_artefact_spans(text: str) -> tuple[tuple[int, int], ...]:
    """Spans of `text` that gateways and HTML-to-text conversion added around links.

    - Proofpoint's `[domain]` / `[domain[.]tld]` label after a link's text (standing alone in prose
      when an archive flattened the message and dropped the link);
    - an anchor target `<url>` after its label (`label<url>`, `label <url>`), angle brackets
      included: copies of a paragraph differ in whether they carry it;
    - a Proofpoint warning banner, from its `!---...---|` line to its `|---...---!` line.

    Sorted, not overlapping. For the canonical form used in matching; output keeps them.
    """
    spans: list[tuple[int, int]] = [
        m.span()
        for m in p.DOMAIN_LABEL.finditer(text)
        if m.start() == 0 or text[m.start() - 1].isspace()
    ]
    for link in find_links(text):
        if link.start > 0 and text[link.start - 1] == "<" and text.startswith(">", link.end):
            spans.append((link.start - 1, link.end + 1))
    spans.extend(_banner_spans(text))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            if e > merged[-1][1]:
                merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
    return tuple(merged)


def deobfuscate_address(s: str) -> str:
    """Undo Mailman's address obfuscation: `user at host.tld` -> `user@host.tld`.

    Only a value that is wholly an address (optionally `mailto:` and a `?query`) with a dotted
    host is rewritten; anything else comes back unchanged. Meant for `Person` addresses and link
    targets, never for the author's text.

    >>> deobfuscate_address("mailto:perry at stsci.edu")
    'mailto:perry@stsci.edu'
    >>> deobfuscate_address("look at this")
    'look at this'
    """
    m = p.OBFUSCATED_ADDRESS.fullmatch(s)
    if m is None:
        return s
    return f"{m['scheme'] or ''}{m['local']}@{m['host']}{m['query'] or ''}"
