"""Link patterns: what a link looks like in a body, who rewrote it, and the artefacts around it.

Security gateways rewrite every link of a message into an address on their own host that carries
the original inside it. Each gateway is one row of `REWRITERS`: the host it uses, the path that
marks a rewritten link, how the original is carried, and where it ends. A new gateway is a new row.
The decoders themselves live in `wsisdedup.text.links`; this module holds only data.

Every pattern is anchored or starts on a literal, and no pattern nests unbounded quantifiers, so a
body of 10 MB (or a 1 MB "link") costs linear time.
"""

from __future__ import annotations

import enum

import attrs
import regex

from wsisdedup.model import Rewriter

__all__ = [
    "BANNER_END",
    "BANNER_MAX_CHARS",
    "BANNER_START",
    "COMPLETABLE_PREFIX",
    "CONTINUATION_TOKEN",
    "DOMAIN_LABEL",
    "DOUBLE_ENCODED_SCHEME",
    "ELLIPSES",
    "ENTITY",
    "HOST",
    "LINE_END",
    "LINE_PREFIX",
    "LINK",
    "LINK_HINT",
    "OBFUSCATED_ADDRESS",
    "ONE_SLASH_SCHEME",
    "PARTIAL_PARAM",
    "PERCENT_RUN",
    "REWRITERS",
    "REWRITER_HOST",
    "REWRITTEN",
    "RUN_LENGTH",
    "SCHEME",
    "TERMINATOR",
    "TERMINATOR_MAX_CHARS",
    "TRAILING_PUNCTUATION",
    "TRIMMABLE",
    "UNSAFE_IN_TEXT",
    "URL_CHAR",
    "URL_JUNK",
    "URL_JUNK_STRONG",
    "Carrier",
    "RewriterRule",
]

# --- Finding links in text -------------------------------------------------------------------

URL_CHAR = r"[^\s<>\"{}|\\^`\x00-\x1f\x7f“”‘’«»…]"
"""A character that can sit inside a link written in plain text.

White space and `<>"` end a link (`label<url>`, `"url"`); so do curly quotes and the ellipsis
character, which archives append to links they cut. `[]()` are allowed (IPv6 hosts, wiki titles)
and trimmed at the end when unbalanced.
"""

LINK = regex.compile(
    r"(?<![\w.+\-@])"
    r"(?:"
    # http, https and ftp links with their scheme (the only links we can restore).
    r"(?i:https?|ftp)://" + URL_CHAR + r"+"
    # mailto: with a Mailman-obfuscated address (`mailto:user at host.tld`).
    r"|(?i:mailto):[\w.%+'=/!#$&*~\-]{1,64} (?:at|AT) [A-Za-z0-9.\-]{1,253}"
    r"(?:\?" + URL_CHAR + r"*)?"
    # mailto: with a plain address.
    r"|(?i:mailto):" + URL_CHAR + r"+"
    r")"
)
"""A link in plain text, before trailing punctuation is trimmed."""

LINK_HINT = regex.compile(r":(?<=[sSpP]:)(?=//)|:(?<=(?i:mailto):)")
"""The colon of every link, after the last letter of its scheme: a search that starts on a
literal runs many times faster than `LINK.search`, which is then matched only where the scheme
before the colon starts."""

TRAILING_PUNCTUATION = frozenset(",.;:!?'*")
"""Characters that end a sentence or a `*bold*` marker rather than the link before them."""

TRIMMABLE = TRAILING_PUNCTUATION | {")", "]"}
"""Every character `_trim` may take off the end of a link."""

ELLIPSES = ("...", "…")
"""What archives append to a link they cut (HyperKitty: the first 76 characters plus `...`)."""

LINE_PREFIX = regex.compile(r"[ \t>]{0,200}")
"""Indentation and `>` quote markers at the start of a line (matched at a line start)."""

CONTINUATION_TOKEN = regex.compile(URL_CHAR + r"+")
"""The run of link characters that continues a link wrapped onto the next line."""

URL_JUNK = regex.compile(r"[%&=;/?_~+#$!*]|\.[A-Za-z0-9]")
"""What makes a token look like a piece of an address, not a word: encoding characters or a dot
inside it (`le.or`, `etsi.org`; a sentence's full stop comes last)."""

URL_JUNK_STRONG = regex.compile(r"[%&=;/?]")
"""Characters only an address has: a token followed by more words must hold one to continue."""

# --- Taking an address apart -----------------------------------------------------------------

SCHEME = regex.compile(r"(?i:https?|ftp)://|(?i:mailto):")
"""What a decoded address must start with to be accepted (matched at its start): the schemes
`LINK` finds, so that a restored address reads back as one link and `unwrap_links` is
idempotent. Anything else decoded from a gateway is a misreading and the link is kept."""

HOST = regex.compile(
    r"[A-Za-z][A-Za-z0-9+.\-]{0,31}://(?:[^/?#@\s]{0,256}@)?(?P<host>[^/?#:\s]{1,253})"
    r"(?::[0-9]{0,5})?"
)
"""Scheme, optional user info, host and port of an absolute address (matched at its start)."""

PERCENT_RUN = regex.compile(r"(?:%[0-9A-Fa-f]{2})+")
"""A run of percent escapes: decoded together so that multi-byte UTF-8 sequences survive."""

ENTITY = regex.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z]{2,8});")
"""An HTML character reference with its semicolon (bare `&copy` is left alone: it may be a
query parameter)."""

UNSAFE_IN_TEXT = regex.compile(r"[\s<>\"{}|\\^`\x00-\x1f\x7f“”‘’«»…]")
"""Characters a decoded address may hold that cannot stand in a link written in text: they are
percent-encoded again so the restored address reads back as one link."""

DOUBLE_ENCODED_SCHEME = regex.compile(r"[A-Za-z][A-Za-z0-9+.\-]{0,31}%3[Aa]")
"""An address whose scheme colon is still `%3A` after one decoding was encoded twice (Safe Links
inside another gateway): decode it once more (matched at the start)."""

PARTIAL_PARAM = regex.compile(r"&[A-Za-z_;]{0,12}\Z")
"""The start of the next parameter left at the end of a value the archive cut (`...%2F&da`)."""

LINE_END = regex.compile(r"[ \t\r]{0,200}\n")
"""Trailing blanks and the line break after a link (matched where the link ends)."""

COMPLETABLE_PREFIX = regex.compile(r"[A-Za-z][A-Za-z0-9+.\-]{0,31}://[^/?#\s]{1,253}[/?#]")
"""A cut address is completed only once it reaches past its host (matched at the start)."""

ONE_SLASH_SCHEME = regex.compile(r"([A-Za-z][A-Za-z0-9+.\-]{0,31}):/(?!/)")
"""Proofpoint v3 writes `https:/host` for `https://host` (matched at the start)."""


def _run_lengths() -> dict[int, int]:
    """Proofpoint v3 run codes: `A`-`Z` = 2..27, `a`-`z` = 28..53, `0`-`9` = 54..63, `-` = 64,
    `_` = 65. Keys are byte values because the runs count UTF-8 bytes."""
    codes = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    return {ord(c): i + 2 for i, c in enumerate(codes)}


RUN_LENGTH = _run_lengths()


class Carrier(enum.Enum):
    """How a rewritten link carries the original address."""

    QUERY = "query"
    """A query parameter holding the percent-encoded address."""
    PROOFPOINT_V2 = "proofpoint-v2"
    """A query parameter in which `-` stands for `%` and `_` for `/`."""
    PROOFPOINT_V3 = "proofpoint-v3"
    """The address between `__` and `__;`, with `*` tokens filled from a base64 payload."""
    BASE64_QUERY = "base64-query"
    """A query parameter holding the base64-encoded address."""
    LAST_PATH_SEGMENT = "last-path-segment"
    """The percent-encoded address as the path after a token: `/<token>/<address>`."""
    OPAQUE = "opaque"
    """A token only the gateway can resolve: the link is recognised and kept as written."""


@attrs.frozen(kw_only=True)
class RewriterRule:
    """One security gateway's link shape."""

    rewriter: Rewriter
    host: regex.Pattern[str]
    """Fullmatches the host name, lower-cased."""
    path: regex.Pattern[str]
    """Matched at the start of what follows the host (and port)."""
    carrier: Carrier
    param: regex.Pattern[str] | None = None
    """Finds the parameter that holds the address; the value starts at the match's end."""
    stop: regex.Pattern[str] | None = None
    """The parameters that follow the address: the value ends where one of them starts. Values
    are therefore read whole even when a gateway left `&` unencoded inside them."""
    last: bool = False
    """The parameter is always the last one: its value runs to the end of the address."""
    html_unescape: bool = False
    """The decoded address is HTML-unescaped as well (Proofpoint v1 and v2)."""
    terminated: bool = False
    """A complete link of this shape ends with a `TERMINATOR`; without one it was cut."""


def _host(pattern: str) -> regex.Pattern[str]:
    return regex.compile(pattern)


def _param(names: str) -> regex.Pattern[str]:
    # Searched in the query (what follows the `?`): the first parameter or one after a `&`.
    return regex.compile(r"(?:\A|&)(?:" + names + r")=")


def _stop(names: str) -> regex.Pattern[str]:
    return regex.compile(r"&(?:" + names + r")=")


REWRITERS: tuple[RewriterRule, ...] = (
    # Proofpoint URL Defense v1: ?u=<percent-encoded>&k=...
    RewriterRule(
        rewriter=Rewriter.PROOFPOINT_V1,
        terminated=True,
        host=_host(r"urldefense(?:\.proofpoint)?\.(?:com|us)"),
        path=regex.compile(r"/v1/url\?"),
        carrier=Carrier.QUERY,
        param=_param("u"),
        stop=_stop("k|r|m|s"),
        html_unescape=True,
    ),
    # Proofpoint URL Defense v2: ?u=<'-' for '%', '_' for '/'>&d=...&c=...&e=
    RewriterRule(
        rewriter=Rewriter.PROOFPOINT_V2,
        terminated=True,
        host=_host(r"urldefense(?:\.proofpoint)?\.(?:com|us)"),
        path=regex.compile(r"/v2/url\?"),
        carrier=Carrier.PROOFPOINT_V2,
        param=_param("u"),
        stop=_stop("d|c|r|m|s|e"),
        html_unescape=True,
    ),
    # Proofpoint URL Defense v3: /v3/__<address>__;<payload>!!<org>!<signature>$
    RewriterRule(
        rewriter=Rewriter.PROOFPOINT_V3,
        terminated=True,
        host=_host(r"urldefense(?:\.proofpoint)?\.(?:com|us)"),
        path=regex.compile(r"/v3/__"),
        carrier=Carrier.PROOFPOINT_V3,
    ),
    # Microsoft Outlook Safe Links, any region: <region>.safelinks.protection.outlook.com/?url=
    RewriterRule(
        rewriter=Rewriter.SAFELINKS,
        terminated=True,
        host=_host(
            r"(?:[a-z0-9\-]{1,63}\.){0,3}safelinks\.protection\.(?:outlook\.com|office365\.us)"
        ),
        path=regex.compile(r"/?\?"),
        carrier=Carrier.QUERY,
        param=_param("url"),
        stop=_stop("data|sdata|reserved"),
    ),
    # Trend Micro Email Security: /wis/clicktime/v1/query?url= and /v2/clickthrough?url=
    RewriterRule(
        rewriter=Rewriter.TRENDMICRO,
        terminated=True,
        host=_host(r"(?:[a-z0-9\-]{1,63}\.){0,4}trendmicro\.(?:com|eu)"),
        path=regex.compile(r"/wis/clicktime/v[0-9]{1,2}/(?:query|clickthrough)\?"),
        carrier=Carrier.QUERY,
        param=_param("url"),
        stop=_stop("umid|uuid|auth|locale"),
    ),
    # Sophos Email: <region>.protection.sophos.com/?d=<domain>&u=<base64>
    RewriterRule(
        rewriter=Rewriter.SOPHOS,
        host=_host(r"(?:[a-z0-9\-]{1,63}\.){0,3}protection\.sophos\.com"),
        path=regex.compile(r"/?\?"),
        carrier=Carrier.BASE64_QUERY,
        param=_param("u"),
        stop=_stop("i|t|h|s|p|d"),
    ),
    # Barracuda Link Protection: linkprotect.cudasvc.com/url?a=<percent-encoded>&c=...
    RewriterRule(
        rewriter=Rewriter.BARRACUDA,
        host=_host(r"linkprotect\.cudasvc\.com"),
        path=regex.compile(r"/url\?"),
        carrier=Carrier.QUERY,
        param=_param("a"),
        stop=_stop("c|p|typo"),
    ),
    # Cisco Secure Email (IronPort): secure-web.cisco.com/<token>/<percent-encoded address>
    RewriterRule(
        rewriter=Rewriter.CISCO,
        host=_host(r"secure-web\.cisco\.com"),
        path=regex.compile(r"/[^/?#]{1,8192}/"),
        carrier=Carrier.LAST_PATH_SEGMENT,
    ),
    # FireEye / Trellix: protect2.fireeye.com/v1/url?k=...&u=<percent-encoded> (u comes last)
    RewriterRule(
        rewriter=Rewriter.FIREEYE,
        host=_host(r"protect[0-9]{0,2}\.fireeye\.com"),
        path=regex.compile(r"/v[0-9]{1,2}/url\?"),
        carrier=Carrier.QUERY,
        param=_param("u"),
        last=True,
    ),
    # Google redirect: google.<tld>/url?q= (or ?url=)
    RewriterRule(
        rewriter=Rewriter.GOOGLE,
        host=_host(r"(?:www\.)?google\.[a-z]{2,3}(?:\.[a-z]{2})?"),
        path=regex.compile(r"/url\?"),
        carrier=Carrier.QUERY,
        param=_param("q|url"),
        stop=_stop("sa|source|ust|usg|ved|rct|esrc|cd|cad|uact|usd"),
    ),
    # Facebook link shim: l.facebook.com/l.php?u=
    RewriterRule(
        rewriter=Rewriter.FACEBOOK,
        host=_host(r"(?:l|lm|m|www)\.facebook\.com"),
        path=regex.compile(r"/l\.php\?"),
        carrier=Carrier.QUERY,
        param=_param("u"),
        stop=_stop("h|s|c|e|__tn__"),
    ),
    # Mimecast URL Protect: protect-<region>.mimecast.com/s/<token>?domain=<host> (not offline)
    RewriterRule(
        rewriter=Rewriter.MIMECAST,
        host=_host(r"protect(?:-[a-z0-9]{1,16}){0,2}\.mimecast(?:-offshore)?\.com"),
        path=regex.compile(r"/s/"),
        carrier=Carrier.OPAQUE,
    ),
)
"""One row per gateway. A host and path pair belongs to one row, so the order does not matter."""

REWRITER_HOST = regex.compile(r"(?:" + "|".join(sorted({r.host.pattern for r in REWRITERS})) + r")")
"""Every rewriter host: one `fullmatch` tells a plain link from a candidate rewritten one."""

REWRITTEN = regex.compile(
    r"[A-Za-z][A-Za-z0-9+.\-]{0,31}://(?:[^/?#@\s]{0,256}@)?(?i:" + REWRITER_HOST.pattern + r")"
    r"(?::[0-9]{0,5})?(?:[/?#]|\Z)"
)
"""A link on a rewriter's host (matched at its start): the only links worth decoding."""

TERMINATOR = regex.compile(
    r"(?:"
    r"\$"  # Proofpoint v3 signature end
    r"|(?:&(?:amp;)?|%26(?:amp%3[Bb])?)e(?:=|%3[Dd])"  # Proofpoint v2, also percent-encoded
    r"|&(?:amp;)?s=[0-9a-fA-F]{64}"  # Proofpoint v1
    r"|reserved(?:=|%3[Dd]|%253[Dd])0"  # Outlook Safe Links, also inside another gateway
    r"|&(?:amp;)?auth=[0-9a-fA-F]{40}-[0-9a-fA-F]{40}"  # Trend Micro
    r")\Z"
)
"""How a complete rewritten link ends. A rewritten link that stops at a line end without one of
these was wrapped by the mail client, and its next line continues it."""

TERMINATOR_MAX_CHARS = 100
"""Longer than any `TERMINATOR`: only this much of the end of a link is searched."""

# --- Artefacts around rewritten links --------------------------------------------------------

DOMAIN_LABEL = regex.compile(
    r"\["
    r"[A-Za-z0-9\-]{1,63}(?:(?:\.|\[\.\])[A-Za-z0-9\-]{1,63}){0,10}(?:\.|\[\.\])[A-Za-z]{2,24}"
    r"\](?=[\s<>)\].,;:!?]|\Z)"
)
"""Proofpoint's `[domain]` (or defanged `[domain[.]tld]`) label after a link's text.

Proofpoint writes it after the anchor text of every rewritten link, which may be the address
itself or words; archives that flatten the message keep the label and drop the link, so a
bracketed host name standing alone in prose is the artefact. It follows white space (or starts
the text): the caller checks that, since a pattern starting on the literal `[` scans faster.
"""

BANNER_START = regex.compile(r"!-{3,200}\|")
"""First line of a Proofpoint warning banner: `!-----...-----|`."""

BANNER_END = regex.compile(r"\|-{3,200}!")
"""Last line of a Proofpoint warning banner: `|-----...-----!`."""

BANNER_MAX_CHARS = 4000
"""A banner is a few lines; an opener without a closer this close is not a banner."""

# --- Obfuscated addresses --------------------------------------------------------------------

OBFUSCATED_ADDRESS = regex.compile(
    r"(?P<scheme>(?i:mailto):)?"
    r"(?P<local>[\w.%+'=/!#$&*~\-]{1,64})"
    r" (?:at|AT|\(at\)|\[at\]) "
    r"(?P<host>[A-Za-z0-9\-]{1,63}(?:\.[A-Za-z0-9\-]{1,63}){0,10}\.[A-Za-z]{2,24})"
    r"(?P<query>\?[^\s]{0,2000})?"
)
"""Mailman's `user at host.tld` (and `(at)` / `[at]`), fullmatched: only a whole value that is
an address is rewritten, never words in a sentence."""
