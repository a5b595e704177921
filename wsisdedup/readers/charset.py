"""Bytes to text with a charset fallback that never raises.

Archives declare charsets that Python does not know (`x-unknown`, `unknown-8bit`), declare the
wrong one (UTF-8 labelled `iso-8859-1`), or declare none (pipermail `.txt`). A reader must still
give text for every message, so decoding tries the declared charset, then UTF-8, then cp1252,
and ends with latin-1, which maps every byte and so cannot fail.
"""

from __future__ import annotations

import codecs

import attrs

__all__ = ["Decoded", "decode_bytes", "normalise_newlines"]

# Labels mail clients write that Python does not know, or knows as a narrower charset than the
# one the sender used: decoding with the superset loses nothing and avoids a fallback.
_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "euc-cn": "gb18030",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "iso-8859-8-i": "iso-8859-8",
    "iso-8859-6-i": "iso-8859-6",
    "x-sjis": "cp932",
    "shift_jis": "cp932",
    "windows-874": "cp874",
    "tis-620": "cp874",
    "x-mac-roman": "mac_roman",
    "macintosh": "mac_roman",
    "unicode-1-1-utf-7": "utf-7",
    "x-user-defined": "latin-1",
    # Latin-1 text in mail is really cp1252 (Windows clients label it so): the C1 control
    # range 0x80-0x9F is never meant as controls but as quotes, dashes and the euro sign.
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "iso_8859-1": "cp1252",
    "l1": "cp1252",
}

# Declared charsets under which text that decodes as UTF-8 is really UTF-8: 8-bit text in these
# charsets almost never forms valid multi-byte UTF-8 sequences, while UTF-8 mislabelled as one of
# them is common (clients that put a default label on whatever the user pasted).
_WESTERN = frozenset({"ascii", "cp1252", "us-ascii", "ansi_x3.4-1968", "windows-1252"})

# Codecs Python counts as text encodings that are no MIME charset (none is in the IANA charset
# registry): `undefined` always raises, `punycode` and `idna` encode host names (and raise a
# bare UnicodeError on ordinary text), the escape codecs rewrite backslashes. A label naming one
# is an unknown charset, decoded with the fallbacks.
_NOT_CHARSETS = frozenset(
    {"undefined", "punycode", "idna", "unicode-escape", "raw-unicode-escape", "unicode-internal"}
)


@attrs.frozen(kw_only=True)
class Decoded:
    """Text decoded from bytes, and why the declared charset was not used (empty if it was)."""

    text: str
    problem: str = ""


def _codec(label: str) -> str | None:
    """The Python codec for a charset label, or None if it has none or is not a text codec."""
    name = _ALIASES.get(label, label)
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):
        return None
    # `codecs.lookup` also finds bytes-to-bytes codecs (base64_codec, zlib_codec) that a
    # hostile label could name; only text encodings may decode a body.
    if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_CHARSETS:
        return None
    return info.name


def decode_bytes(data: bytes | memoryview, charset: str | None) -> Decoded:
    """Decode `data` declared as `charset` (None: undeclared); never raises.

    A label Python does not know, or bytes that are not valid in the declared charset, are
    reported in `Decoded.problem`; an undeclared charset is not a problem.

    >>> decode_bytes("café".encode("utf-8"), "iso-8859-1").text
    'café'
    >>> decode_bytes(b"caf\\xe9", None).text
    'café'
    >>> decode_bytes(b"caf\\xe9", "x-unknown").problem
    "unknown charset 'x-unknown', decoded as cp1252"
    """
    label = (charset or "").strip().strip("\"'").lower()
    declared = _codec(label) if label else None
    problem = ""
    order: tuple[str, ...] = ("utf-8", "cp1252")
    if label and declared is None:
        problem = f"unknown charset {label!r}"
    elif declared is not None:
        if declared in _WESTERN or label in _WESTERN:
            order = ("utf-8", declared, "cp1252")
        else:
            order = (declared, "utf-8", "cp1252")
    for codec in order:
        try:
            # str() decodes any buffer, so a memoryview slice of a message is not copied first.
            text = str(data, codec)
        except Exception:
            # Codecs other than the standard ones raise what they like: a message must never
            # be lost to its charset, so any failure moves on to the next codec.
            if codec == declared and not problem:
                problem = f"text is not valid {label}"
            continue
        if text.isascii():
            # ASCII reads the same under any label: an unknown label did no harm.
            return Decoded(text=text)
        if problem:
            problem += f", decoded as {codec}"
        return Decoded(text=text, problem=problem)
    if label:
        problem = (problem or f"text is not valid {label}") + ", decoded as latin-1"
    return Decoded(text=str(data, "latin-1"), problem=problem)


def normalise_newlines(text: str) -> str:
    """CRLF and lone CR become LF, so positions in a body do not depend on the sender's OS."""
    if "\r" not in text:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")
