"""Issue 11, "never lose a message without saying so": charsets whose codec raises, folders
with links, loops and special files, and size limits. Each message is read, or a Problem names
it (file and position); the rest of the input is still read."""

from __future__ import annotations

import codecs
import io
from collections.abc import Iterator
from pathlib import Path

import pytest

import wsisdedup
from wsisdedup.model import Archive

SEP = b"From sender@example.org Mon Jan  2 10:00:00 2023\n"


def _mbox(*messages: bytes) -> bytes:
    return b"".join(SEP + m + b"\n" for m in messages)


def _msg(n: int, headers: bytes = b"", body: bytes = b"") -> bytes:
    return (
        b"From: Person %d <p%d@example.org>\nSubject: Message %d\nMessage-ID: <m%d@example.org>\n"
        % (n, n, n, n)
        + headers
        + b"\n"
        + (body or b"Body of message %d.\n" % n)
    )


def _read(tmp_path: Path, data: bytes, name: str = "list.mbox") -> Archive:
    path = tmp_path / name
    path.write_bytes(data)
    return wsisdedup.read(path)


def _bodies(archive: Archive) -> dict[str, str]:
    return {m.id: m.body for m in archive.messages}


# --- 1. Charsets whose codec raises --------------------------------------------------------

_CHARSET_CASES = {
    # label: (body bytes, the text the body must read as)
    "undefined": (b"caf\xe9 au lait\n", "café au lait"),
    "punycode": (b"hello-\n", "hello-"),  # raises a bare UnicodeError on ASCII too
    "idna": (b"caf\xe9..\n", "café.."),
    "utf-7": (b"a +ZeVnLA- b +\xe9\n", "a +ZeVnLA- b +é"),
    "base64": (b"caf\xe9\n", "café"),
    "rot13": (b"caf\xe9\n", "café"),
    "rot_13": (b"caf\xe9\n", "café"),
    "zlib": (b"caf\xe9\n", "café"),
    "hex": (b"caf\xe9\n", "café"),
    "uu": (b"caf\xe9\n", "café"),
    "bz2": (b"caf\xe9\n", "café"),
    "unicode_escape": (b"a \\N{x} \\n b\n", "a \\N{x} \\n b"),
}


@pytest.mark.parametrize("label", sorted(_CHARSET_CASES))
def test_body_charset_whose_codec_raises_keeps_the_message(tmp_path: Path, label: str) -> None:
    body, text = _CHARSET_CASES[label]
    headers = b"Content-Type: text/plain; charset=%s\n" % label.encode()
    archive = _read(tmp_path, _mbox(_msg(1), _msg(2, headers, body), _msg(3)))
    bodies = _bodies(archive)
    assert list(bodies) == ["m1@example.org", "m2@example.org", "m3@example.org"]
    assert text in bodies["m2@example.org"]
    assert not any("cannot parse" in p.what for p in archive.problems)


@pytest.mark.parametrize("label", ["undefined", "punycode", "idna", "base64", "rot13", "zlib"])
def test_encoded_word_whose_codec_raises_keeps_the_message(tmp_path: Path, label: str) -> None:
    headers = b"X-Note: 1\n"
    msg = _msg(2, headers).replace(
        b"Subject: Message 2", b"Subject: =?%s?q?caf=E9?=" % label.encode()
    )
    archive = _read(tmp_path, _mbox(_msg(1), msg, _msg(3)))
    by_id = {m.id: m for m in archive.messages}
    assert list(by_id) == ["m1@example.org", "m2@example.org", "m3@example.org"]
    assert by_id["m2@example.org"].subject == "café"
    assert by_id["m2@example.org"].body == "Body of message 2.\n"


def test_forwarded_part_with_a_raising_charset_keeps_the_message(tmp_path: Path) -> None:
    inner = b"Subject: =?undefined?q?x?=\nContent-Type: text/plain; charset=punycode\n\nhello\n"
    msg = _msg(2, b"Content-Type: message/rfc822\n", inner)
    archive = _read(tmp_path, _mbox(_msg(1), msg))
    bodies = _bodies(archive)
    assert "hello" in bodies["m2@example.org"]


def _raising_codec(name: str) -> codecs.CodecInfo | None:
    if name.replace("_", "-") != "x-raises-runtime":  # search functions get normalised names
        return None

    def decode(data: object, errors: str = "strict") -> tuple[str, int]:
        raise RuntimeError("this codec is broken")

    def encode(text: object, errors: str = "strict") -> tuple[bytes, int]:
        raise RuntimeError("this codec is broken")

    return codecs.CodecInfo(encode, decode, name="x-raises-runtime")


@pytest.fixture
def raising_codec() -> Iterator[None]:
    codecs.register(_raising_codec)
    try:
        yield
    finally:
        codecs.unregister(_raising_codec)


def test_codec_raising_anything_else_keeps_the_message(tmp_path: Path, raising_codec: None) -> None:
    headers = b"Content-Type: text/plain; charset=x-raises-runtime\n"
    archive = _read(tmp_path, _mbox(_msg(1), _msg(2, headers, b"caf\xe9\n")))
    (m,) = [m for m in archive.messages if m.id == "m2@example.org"]
    assert m.body == "café\n"
    assert any("not valid x-raises-runtime" in p.what for p in archive.problems)


def test_stream_input_with_a_raising_charset() -> None:
    data = _msg(1, b"Content-Type: text/plain; charset=undefined\n", b"ok\n")
    archive = wsisdedup.read(io.BytesIO(data))
    assert [m.body for m in archive.messages] == ["ok\n"]
