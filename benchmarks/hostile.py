"""Generators of hostile inputs for issue 11: bodies and archives that stress one pattern each.

Each body generator is a function `(size_bytes) -> str` that repeats the one line or token a
pattern family looks for until the text is `size_bytes` long (within one unit). A pattern that
re-scans its input, or a grouping step that compares every line with every other, shows up as
super-linear growth on exactly these inputs, and real archives rarely trigger it, which is why
they are generated here rather than found in `examples/data/`.

The families follow `wsisdedup/patterns/*.py`: links and rewriters (`links.py`), quotes,
attributions, reply headers, forwards, signatures, placeholders, scrubber notes, disclaimers and
banners (`quotes.py`), list footers and separator rules (`footers.py`). Archive-level
generators wrap a body into an mbox or a text dump (the seed format of
`examples/data/wsis20-2025-06.txt`) so that the readers are measured too.

Used by `benchmarks/bench_hostile.py` and by `tests/test_hostile.py`; keep it dependency-free.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = [
    "ARCHIVES",
    "GENERATORS",
    "Generator",
    "mbox_of_body",
    "mbox_of_tiny_messages",
    "repeat",
    "text_dump_of_body",
    "text_dump_of_short_lines",
]

Generator = Callable[[int], str]


def repeat(unit: str, size: int) -> str:
    """`unit` repeated to `size` characters (at least once), so every size holds whole units:
    a cut unit would end the run on a different, usually harmless, line."""
    return unit * max(1, size // len(unit))


def _unit(unit: str) -> Generator:
    def gen(size: int) -> str:
        return repeat(unit, size)

    gen.__doc__ = f"Runs of {unit!r}."
    return gen


def _long_line(size: int) -> str:
    """One line with no newline and no spaces: per-line work must not be quadratic in width."""
    return "a" * max(1, size)


def _mixed_attributions(size: int) -> str:
    """Attribution lines in several languages, each a candidate for the attribution rows."""
    lines = (
        "On Thu, Jun 5, 2025 at 10:22 AM Ann <ann@example.org> wrote:\n",
        "Am 05.06.2025 um 10:22 schrieb Ann <ann@example.org>:\n",
        "Le jeu. 5 juin 2025 à 10:22, Ann <ann@example.org> a écrit :\n",
        "El jue, 5 jun 2025 a las 10:22, Ann (<ann@example.org>) escribió:\n",
        "Il giorno gio 5 giu 2025 alle ore 10:22 Ann <ann@example.org> ha scritto:\n",
        "W dniu 5.06.2025 o 10:22, Ann pisze:\n",
        "2025年6月5日(木) 10:22 Ann <ann@example.org>:\n",
        "Op do 5 jun 2025 om 10:22 schreef Ann <ann@example.org>:\n",
    )
    return repeat("".join(lines), size)


def _unterminated_attribution(size: int) -> str:
    """Lines that open an attribution ("On ... ") and never say "wrote": lazy `.{1,250}?`
    rows must give up within their bound instead of scanning the rest of the body."""
    return repeat("On Thu, Jun 5, 2025 at 10:22 AM Ann said something long enough to scan ", size)


def _outlook_header_block(size: int) -> str:
    """Outlook reply-header blocks back to back: each block starts a reply-header group."""
    block = (
        "-----Original Message-----\n"
        "From: Ann <ann@example.org>\n"
        "Sent: Thursday, June 5, 2025 10:22 AM\n"
        "To: list@example.org\n"
        "Subject: Re: x\n"
    )
    return repeat(block, size)


def _reply_header_fields(size: int) -> str:
    """Header fields in several languages (From/Von/De/Van/Od/От...) without a separator."""
    return repeat(
        "From: a\nVon: a\nDe : a\nVan: a\nOd: a\nОт: a\nSent: x\nGesendet: x\nEnvoyé : x\n", size
    )


def _forward_markers(size: int) -> str:
    return repeat("---------- Forwarded message ---------\n", size)


def _pgp_unterminated(size: int) -> str:
    """PGP openers with no signature end: the signed block must not be searched from each."""
    return repeat("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA1\n\ntext\n", size)


def _banner_unterminated(size: int) -> str:
    """Proofpoint warning-banner openers without a closer (`BANNER_MAX_CHARS` bounds each)."""
    return repeat("!-------------------------------------------------------------------|\n", size)


def _disclaimers(size: int) -> str:
    return repeat("CONFIDENTIALITY NOTICE: This e-mail is intended for the recipient.\n\n", size)


def _scrubber(size: int) -> str:
    return repeat(
        "-------------- next part --------------\nAn HTML attachment was scrubbed...\n"
        "URL: <http://lists.example.org/pipermail/attachments/x.html>\n",
        size,
    )


def _mailman_footer(size: int) -> str:
    return repeat(
        "_______________________________________________\n"
        "devel mailing list\ndevel@lists.example.org\n"
        "https://lists.example.org/mailman/listinfo/devel\n",
        size,
    )


def _obfuscated_addresses(size: int) -> str:
    return repeat("ann at example.org ", size)


def _percent_run(size: int) -> str:
    """A link whose path is one long run of percent escapes: decoders must be linear."""
    head = "http://x/"
    return head + repeat("%41", max(3, size - len(head)))


def _wrapped_link(size: int) -> str:
    """A link cut across lines with `> ` prefixes: the unwrapper joins continuation lines."""
    return "> http://example.org/" + repeat("> abcdefghij/\n", max(14, size - 21))


GENERATORS: dict[str, Generator] = {
    # links.py: packed links, rewriters, banners, obfuscated addresses
    "packed-http": _unit("http://x/"),
    "urldefense-v3": _unit("https://urldefense.com/v3/__"),
    "percent-run": _percent_run,
    "wrapped-link": _wrapped_link,
    "obfuscated-at": _obfuscated_addresses,
    "banner-open": _banner_unterminated,
    # quotes.py: quote markers and depth
    "gt-line": _unit(">\n"),
    "deep-quote": lambda size: repeat("> ", max(2, size - 2)) + "x\n",
    # attributions
    "wrote-line": _unit("wrote:\n"),
    "on-token": _unit("On "),
    "on-unterminated": _unterminated_attribution,
    "attribution-mixed": _mixed_attributions,
    # reply headers and forwards
    "from-header": _unit("From: a\n"),
    "von-header": _unit("Von: a\n"),
    "sent-header": _unit("Sent: x\n"),
    "header-fields-mixed": _reply_header_fields,
    "original-message": _unit("-----Original Message-----\n"),
    "outlook-blocks": _outlook_header_block,
    "forward-marker": _forward_markers,
    # signatures, separators, notices
    "dash-line": _unit("-\n"),
    "sig-delimiter": _unit("-- \n"),
    "star": _unit("*"),
    "pgp-open": _pgp_unterminated,
    "disclaimer": _disclaimers,
    # placeholders, scrubber notes, list footers
    "cid": _unit("[cid:x]"),
    "scrubber": _scrubber,
    "mailman-footer": _mailman_footer,
    # whitespace, encodings, line shapes
    "tab-line": _unit("\t\n"),
    "qp-soft": _unit("=20\n"),
    "long-line": _long_line,
}
"""One generator per risky pattern family, by name (the name is the table's `pattern`)."""


# --- Archives ----------------------------------------------------------------------------------

_MBOX_HEAD = (
    "From ann@example.org Thu Jun  5 10:22:00 2025\n"
    "From: Ann <ann@example.org>\n"
    "Date: Thu, 5 Jun 2025 10:22:00 +0000\n"
    "Subject: hostile\n"
    "Message-ID: <hostile-{n}@example.org>\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=utf-8\n"
    "Content-Transfer-Encoding: 8bit\n"
    "\n"
)


def _escape_from(body: str) -> str:
    """mboxrd escaping: a body line starting with `From ` would otherwise split the message."""
    if "From " not in body:
        return body
    lines = body.split("\n")
    return "\n".join(">" + line if line.lstrip(">").startswith("From ") else line for line in lines)


def mbox_of_body(body: str) -> str:
    """An mbox holding `body` in one message, so `read()` measures the reader and the pipeline
    on that body rather than the separator scan."""
    text = _escape_from(body)
    if not text.endswith("\n"):
        text += "\n"
    return _MBOX_HEAD.format(n=0) + text + "\n"


def mbox_of_tiny_messages(size: int) -> str:
    """An mbox of as many one-line messages as fit in `size`: per-message and per-thread costs
    (threading, footers learnt across messages, ids) must stay linear in the message count."""
    parts: list[str] = []
    total = 0
    n = 0
    while total < size or n == 0:
        part = _MBOX_HEAD.format(n=n) + f"message {n}\n\n"
        parts.append(part)
        total += len(part)
        n += 1
    return "".join(parts)


def text_dump_of_body(body: str) -> str:
    """A text dump (the seed format) with `body` as its one thread: a subject line, the lines,
    and the participants roster that ends a dump."""
    return "hostile subject\n" + body.rstrip("\n") + "\n\nparticipants (1)\n\n* Ann\n"


def text_dump_of_short_lines(size: int) -> str:
    """A text dump whose body is runs of short distinct lines: the shingle index and the
    line-by-line splitting must stay linear in the line count."""
    lines: list[str] = []
    total = 0
    i = 0
    while total < size or i == 0:
        line = f"w{i} x\n"
        lines.append(line)
        total += len(line)
        i += 1
    return text_dump_of_body("".join(lines))


ARCHIVES: dict[str, Callable[[int], str]] = {
    "mbox-tiny-messages": mbox_of_tiny_messages,
    "text-dump-short-lines": text_dump_of_short_lines,
}
"""Whole archives by name; each is read with the reader its name gives (mbox or text-dump)."""
