"""The HTML thread view in a real browser: headless Chromium loads it and takes a screenshot.

Skipped where Chromium is not installed; CI installs Debian's `chromium` package.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import zlib
from collections.abc import Sequence
from html.parser import HTMLParser
from pathlib import Path

import attrs
import pytest
from archive_factory import sample_archive

from wsisdedup import export
from wsisdedup.model import Archive

CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
)
# Skipped on a developer's machine without Chromium; in CI (which installs it) a missing browser
# is a failure, not a skip.
pytestmark = pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("CI"),
    reason="chromium is not installed (apt-get install -y chromium)",
)

WIDTH, HEIGHT = 1200, 1600
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Console messages (a blocked load, a script error) go to stderr as `INFO:CONSOLE` lines.
    "--enable-logging=stderr",
    "--v=0",
)


def chromium(page: Path, profile: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *extra, page.as_uri()],
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )


def console_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.titles: dict[str, str] = {}
        self.chunks: list[str] = []

    @property
    def text(self) -> str:
        """The page's text as a reader sees it: tags gone, entities decoded, blanks collapsed."""
        return " ".join("".join(self.chunks).split())

    def handle_data(self, data: str) -> None:
        self.chunks.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"] or "")
        if tag == "a" and "permalink" in (a.get("class") or "").split():
            self.titles[a.get("title") or ""] = (a.get("href") or "")[1:]


# ----------------------------------------------------------------------------------------------
# PNG, decoded by hand: no imaging library is a dependency.


@attrs.frozen(kw_only=True)
class Image:
    width: int
    height: int
    pixel_bytes: int
    rows: tuple[bytes, ...]

    def pixels(self, row: bytes) -> list[bytes]:
        n = self.pixel_bytes
        return [row[i : i + n] for i in range(0, len(row), n)]


_CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}  # grey, RGB, grey+alpha, RGBA


def decode_png(data: bytes) -> Image:
    """Decode an 8-bit, non-interlaced PNG (what Chromium writes) into rows of pixel bytes."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, [], b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat.append(body)
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and interlace == 0 and colour in _CHANNELS, (depth, colour, interlace)
    bpp = _CHANNELS[colour]
    raw = zlib.decompress(b"".join(idat))
    stride = width * bpp
    assert len(raw) == height * (stride + 1)
    rows: list[bytes] = []
    prev = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind_of_filter = raw[start]
        line = bytearray(raw[start + 1 : start + 1 + stride])
        _unfilter(kind_of_filter, line, prev, bpp)
        rows.append(bytes(line))
        prev = line
    return Image(width=width, height=height, pixel_bytes=bpp, rows=tuple(rows))


def _unfilter(kind: int, line: bytearray, prev: Sequence[int], bpp: int) -> None:
    """Undo one row's PNG filter in place (PNG spec, section 9)."""
    n = len(line)
    if kind == 0:
        return
    if kind == 1:  # Sub
        for i in range(bpp, n):
            line[i] = (line[i] + line[i - bpp]) & 0xFF
    elif kind == 2:  # Up
        line[:] = bytes(map(lambda a, b: (a + b) & 0xFF, line, prev))
    elif kind == 3:  # Average
        for i in range(n):
            left = line[i - bpp] if i >= bpp else 0
            line[i] = (line[i] + ((left + prev[i]) >> 1)) & 0xFF
    elif kind == 4:  # Paeth
        for i in range(n):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            line[i] = (line[i] + pred) & 0xFF
    else:
        raise AssertionError(f"unknown PNG filter {kind}")


def test_png_decoder_reads_what_it_is_given() -> None:
    # A 3x2 RGB image, rows filtered with Sub and Up, built by hand.
    r0 = bytes([10, 20, 30, 11, 21, 31, 12, 22, 32])
    r1 = bytes([200, 0, 0, 0, 200, 0, 0, 0, 200])
    sub = bytes([r0[i] - (r0[i - 3] if i >= 3 else 0) & 0xFF for i in range(9)])
    up = bytes([(r1[i] - r0[i]) & 0xFF for i in range(9)])
    raw = b"\x01" + sub + b"\x02" + up

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 3, 2, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )
    img = decode_png(png)
    assert (img.width, img.height, img.pixel_bytes) == (3, 2, 3)
    assert img.rows == (r0, r1)


# ----------------------------------------------------------------------------------------------


def render(archive: Archive, tmp_path: Path) -> tuple[str, Image]:
    """The page's DOM after loading, and its screenshot; no console messages allowed."""
    page = tmp_path / "thread.html"
    export.FORMATS["html"](archive, page)
    dom = chromium(page, tmp_path / "profile-dom", "--dump-dom")
    assert console_lines(dom.stderr) == []
    png = tmp_path / "thread.png"
    shot = chromium(
        page, tmp_path / "profile-shot", f"--screenshot={png}", f"--window-size={WIDTH},{HEIGHT}"
    )
    assert console_lines(shot.stderr) == []
    return dom.stdout, decode_png(png.read_bytes())


def assert_not_blank(img: Image) -> None:
    """Text on a page: many rows hold more than one colour, and there are many colours."""
    assert (img.width, img.height) == (WIDTH, HEIGHT)
    mixed = [row for row in img.rows if row != row[: img.pixel_bytes] * img.width]
    assert len(mixed) > 0.3 * img.height, f"only {len(mixed)} of {img.height} rows show anything"
    colours: set[bytes] = set()
    for row in img.rows[::16]:
        colours.update(img.pixels(row))
    assert len(colours) > 16, f"only {len(colours)} colours: no text was drawn"


def assert_messages_loaded(dom: str, archive: Archive) -> None:
    ids = _Ids()
    ids.feed(dom)
    assert sorted(ids.titles) == sorted(m.id for m in archive.messages)
    assert set(ids.titles.values()) <= ids.ids
    text = ids.text
    for m in archive.messages[:20]:
        # The opening words of each message's new text are on the page (links inside the text
        # become anchors, so compare the text as read, not the markup).
        opening = " ".join(m.new_text.split("\n", 1)[0].split())[:60]
        if opening:
            assert opening in text


def test_sample_page_loads_and_draws(tmp_path: Path) -> None:
    archive = sample_archive()
    dom, img = render(archive, tmp_path)
    assert_messages_loaded(dom, archive)
    assert_not_blank(img)


def test_a_blank_page_fails_the_check(tmp_path: Path) -> None:
    page = tmp_path / "blank.html"
    page.write_text("<!DOCTYPE html><title>blank</title><p></p>", encoding="utf-8")
    png = tmp_path / "blank.png"
    chromium(page, tmp_path / "profile", f"--screenshot={png}", f"--window-size={WIDTH},{HEIGHT}")
    with pytest.raises(AssertionError, match="rows show anything"):
        assert_not_blank(decode_png(png.read_bytes()))


def test_seed_page_loads_and_draws(tmp_path: Path) -> None:
    from conftest import SEED

    import wsisdedup

    try:
        archive = wsisdedup.read(SEED)
    except NotImplementedError:
        pytest.skip("the pipeline cannot read plain-text archive dumps yet")
    assert len(archive) > 0
    dom, img = render(archive, tmp_path)
    assert_messages_loaded(dom, archive)
    assert_not_blank(img)
