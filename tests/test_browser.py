"""The HTML thread view in a real browser: headless Chromium loads it and takes a screenshot.

Skipped where Chromium is not installed; CI installs Debian's `chromium` package.
"""

from __future__ import annotations

import fcntl
import json
import os
import select
import shutil
import struct
import subprocess
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path

import attrs
import pytest
from archive_factory import many_threads_archive, sample_archive

from wsisdedup import export
from wsisdedup.export.html import write_html_files
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


# ----------------------------------------------------------------------------------------------
# Clicking through pages: the DevTools protocol over a pipe, with nothing but the standard library.

Json = dict[str, object]


class DevTools:
    """A headless Chromium driven through `--remote-debugging-pipe`: commands go in on the
    browser's file descriptor 3 and replies come out on 4, as JSON ended by a NUL byte."""

    def __init__(self, profile: Path, log: Path) -> None:
        assert CHROMIUM is not None
        cmd_r, cmd_w = os.pipe()
        res_r, res_w = os.pipe()
        # Move the browser's ends above 3 and 4 first, so that one dup2 cannot clobber the other.
        high_cmd = fcntl.fcntl(cmd_r, fcntl.F_DUPFD, 10)
        high_res = fcntl.fcntl(res_w, fcntl.F_DUPFD, 10)

        def in_child() -> None:
            os.dup2(high_cmd, 3)
            os.dup2(high_res, 4)

        self._log = open(log, "w", encoding="utf-8")  # noqa: SIM115 (closed in close())
        self.proc = subprocess.Popen(
            [
                CHROMIUM,
                *FLAGS,
                f"--user-data-dir={profile}",
                "--remote-debugging-pipe",
                f"--window-size={WIDTH},{HEIGHT}",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self._log,
            preexec_fn=in_child,  # the test runs no threads: safe
            pass_fds=(3, 4),
        )
        for fd in (cmd_r, res_w, high_cmd, high_res):
            os.close(fd)
        self._w, self._r = cmd_w, res_r
        self._buf = b""
        self._last = 0
        self.events: list[Json] = []
        self.session = ""

    def send(self, method: str, **params: object) -> Json:
        self._last += 1
        msg: Json = {"id": self._last, "method": method, "params": params}
        if self.session:
            msg["sessionId"] = self.session
        os.write(self._w, json.dumps(msg).encode("utf-8") + b"\0")
        while True:
            got = self._read()
            if got.get("id") == self._last:
                assert "error" not in got, (method, got["error"])
                result = got["result"]
                assert isinstance(result, dict)
                return result
            self.events.append(got)

    def _read(self, timeout: float = 60) -> Json:
        deadline = time.monotonic() + timeout
        while b"\0" not in self._buf:
            ready, _, _ = select.select([self._r], [], [], max(0.0, deadline - time.monotonic()))
            assert ready, "the browser did not answer"
            chunk = os.read(self._r, 1 << 16)
            assert chunk, "the browser closed its pipe"
            self._buf += chunk
        one, self._buf = self._buf.split(b"\0", 1)
        got = json.loads(one)
        assert isinstance(got, dict)
        return got

    def loads(self, action: Callable[[], object]) -> str:
        """Do `action`, wait until the page it leads to has loaded, and return that page's URL."""
        self.events = [e for e in self.events if e.get("method") != "Page.loadEventFired"]
        action()
        while not any(e.get("method") == "Page.loadEventFired" for e in self.events):
            self.events.append(self._read())
        history = self.send("Page.getNavigationHistory")
        entries = history["entries"]
        assert isinstance(entries, list) and isinstance(history["currentIndex"], int)
        url = entries[history["currentIndex"]]["url"]
        assert isinstance(url, str)
        return url

    def node(self, selector: str) -> int:
        root = self.send("DOM.getDocument")["root"]
        assert isinstance(root, dict)
        found = self.send("DOM.querySelector", nodeId=root["nodeId"], selector=selector)["nodeId"]
        assert isinstance(found, int) and found, f"nothing matches {selector}"
        return found

    def attributes(self, selector: str) -> dict[str, str]:
        flat = self.send("DOM.getAttributes", nodeId=self.node(selector))["attributes"]
        assert isinstance(flat, list)
        return dict(zip(flat[0::2], flat[1::2], strict=True))

    def click(self, selector: str) -> None:
        """A real mouse click in the middle of the first element `selector` matches."""
        node = self.node(selector)
        self.send("DOM.scrollIntoViewIfNeeded", nodeId=node)
        quads = self.send("DOM.getContentQuads", nodeId=node)["quads"]
        assert isinstance(quads, list) and quads
        quad = quads[0]
        x, y = sum(quad[0::2]) / 4, sum(quad[1::2]) / 4
        for kind in ("mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)

    def dom(self) -> str:
        root = self.send("DOM.getDocument")["root"]
        assert isinstance(root, dict)
        html = self.send("DOM.getOuterHTML", nodeId=root["nodeId"])["outerHTML"]
        assert isinstance(html, str)
        return html

    def close(self) -> str:
        """Close the browser; its log (console messages included)."""
        try:
            self.session = ""
            self.send("Browser.close")
        finally:
            try:
                self.proc.wait(30)
            finally:
                if self.proc.poll() is None:
                    self.proc.kill()
                os.close(self._w)
                os.close(self._r)
                self._log.close()
        return Path(self._log.name).read_text(encoding="utf-8")


@contextmanager
def devtools(tmp_path: Path) -> Iterator[DevTools]:
    browser = DevTools(tmp_path / "profile-click", tmp_path / "chromium.log")
    try:
        infos = browser.send("Target.getTargets")["targetInfos"]
        assert isinstance(infos, list)
        (page,) = [t for t in infos if t["type"] == "page"]
        attached = browser.send("Target.attachToTarget", targetId=page["targetId"], flatten=True)
        browser.session = str(attached["sessionId"])
        browser.send("Page.enable")
        yield browser
    finally:
        log = browser.close()
    assert console_lines(log) == []


def test_index_page_clicks_through_to_thread_pages(tmp_path: Path) -> None:
    """Issue 14: a large archive's index opens, and a click on a thread goes to its page; from
    there a quote of another thread's message goes to that page and message, and the index
    link back to the index. The pages run no script: the clicks are the browser's own."""
    archive = many_threads_archive(12)
    index = tmp_path / "list.html"
    write_html_files(archive, index, max_messages=1)
    folder = tmp_path / "list_files"
    with devtools(tmp_path) as browser:
        url = browser.loads(lambda: browser.send("Page.navigate", url=index.as_uri()))
        assert url == index.as_uri()
        assert "Topic 11: plans" in browser.dom()

        url = browser.loads(lambda: browser.click("tr#t-root-5-example\\.org a"))
        assert url == (folder / "t-root-5-example.org.html").as_uri()
        ids = _Ids()
        ids.feed(browser.dom())
        assert sorted(ids.titles) == [
            "reply-5-0@example.org",
            "reply-5-1@example.org",
            "root-5@example.org",
        ]

        url = browser.loads(lambda: browser.click("#m-root-5-example\\.org a.quote-link"))
        assert url == (folder / "t-root-4-example.org.html").as_uri() + "#m-root-4-example.org"
        assert browser.attributes("article.message:target")["id"] == "m-root-4-example.org"

        url = browser.loads(lambda: browser.click('nav.pages a[rel="index"]'))
        assert url == index.as_uri()
