"""Regression tests for issue 11: hostile input, silent losses, destructive writes, output safety.

One test per case the issue names. A test that fails on today's library is marked
`xfail(strict=True, reason="issue 11: <case>")` so the branch stays green and a fix shows up as
an XPASS that fails the run: whoever fixes a case removes its mark.

**Linear time without timing assertions.** Absolute times depend on the machine and on the
neighbours, so no test asserts a duration. Each linearity test measures the same call on an
input of n units and of 4n units, in the same process, by CPU time (`time.process_time`, best
of a few runs), and asserts `t(4n) < 8 * t(n) + 0.2 s`. Linear code gives a ratio near 4, so it
passes with twice that as slack plus 0.2 s for noise on short runs; quadratic code gives 16,
which fails as soon as t(n) exceeds 25 ms, and n is chosen so that today's library takes well
over that. The margin goes both ways: neither a slow machine nor a fast fix flips the result.
The memory case measures the tracemalloc peak (allocations through Python's allocators, which
is where the segmenter's per-line objects live) against the input's size.
"""

from __future__ import annotations

import base64
import json
import os
import stat
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest

import wsisdedup
from wsisdedup.cli import main

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import hostile  # noqa: E402

EXIT_UNUSABLE = 2


def canonical_form(text: str) -> object:
    """The canonical form of a text.

    Internal function (`wsisdedup.text.normalise.canonical`): imported here only, so the module
    move of the library can repoint this one line.
    """
    from wsisdedup.text.normalise import canonical

    return canonical(text)


def _cpu(fn: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return best


def assert_linear(call: Callable[[str], object], make: Callable[[int], str], n: int) -> None:
    """`call` on `make(4n)` takes less than 8x its time on `make(n)`, plus 0.2 s of slack
    (see the module docstring for why these numbers)."""
    small, large = make(n), make(4 * n)
    call(make(max(1, n // 100)))  # warm-up: lazy compiles and imports are not the input's cost
    t_small = _cpu(lambda: call(small), repeat=3)
    t_large = _cpu(lambda: call(large), repeat=1)
    assert t_large < 8 * t_small + 0.2, (
        f"t(4n) = {t_large:.3f}s against t(n) = {t_small:.3f}s: ratio "
        f"{t_large / max(t_small, 1e-9):.1f}, linear is about 4"
    )


def _read_mbox_text(tmp_path: Path, text: str, name: str = "in.mbox") -> wsisdedup.Archive:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", newline="")
    return wsisdedup.read(str(path), format="mbox")


def _read_dump_text(tmp_path: Path, text: str) -> wsisdedup.Archive:
    path = tmp_path / "in.txt"
    path.write_text(text, encoding="utf-8", newline="")
    return wsisdedup.read(str(path), format="text-dump")


# --- Linear time on any body ------------------------------------------------------------------


def test_canonical_of_packed_links_is_linear() -> None:
    assert_linear(canonical_form, lambda n: "http://x/" * n, 3000)


def test_read_of_packed_links_is_linear(tmp_path: Path) -> None:
    """The issue's 360 KB mbox that took 88 s: the reader path over packed links."""
    assert_linear(
        lambda text: _read_mbox_text(tmp_path, text),
        lambda n: hostile.mbox_of_body("http://x/" * n),
        3000,
    )


def test_split_body_of_header_like_lines_is_linear() -> None:
    assert_linear(wsisdedup.split_body, lambda n: "From: a\n" * n, 2000)


def test_split_body_of_urldefense_runs_is_linear() -> None:
    """Not in the issue's list: `bench_hostile.py` found split_body and the canonical form
    quadratic on runs of "https://urldefense.com/v3/__" (growth about 80 per 10x)."""
    assert_linear(wsisdedup.split_body, lambda n: "https://urldefense.com/v3/__" * n, 1500)


def test_read_of_quoted_reply_headers_is_linear(tmp_path: Path) -> None:
    """`bench_hostile.py` found reads of runs of reply headers (and of Outlook blocks, and of
    attributions) past the time limit at 1 MB: giving quoted text back to its author
    (`segment.reclaim`) read every own span for every quote."""
    assert_linear(
        lambda text: _read_mbox_text(tmp_path, text),
        lambda n: hostile.mbox_of_body(hostile.GENERATORS["original-message"](n)),
        20_000,
    )


@pytest.mark.parametrize("line", [">\n", "wrote:\n"], ids=["gt", "wrote"])
def test_text_dump_reader_on_short_lines_is_linear(tmp_path: Path, line: str) -> None:
    """Growth guard; today's reader is linear here but slow (see the next test)."""
    assert_linear(
        lambda text: _read_dump_text(tmp_path, text),
        lambda n: hostile.text_dump_of_body(line * n),
        2000,
    )


SEED_DUMP = ROOT / "examples" / "data" / "wsis20-2025-06.txt"


@pytest.mark.parametrize("line", [">\n", "wrote:\n"], ids=["gt", "wrote"])
def test_text_dump_reader_on_short_lines_keeps_pace(tmp_path: Path, line: str) -> None:
    """The reader's speed on runs of short lines, relative to its speed on the seed dump.

    The issue's case is throughput, not growth (today's reader is linear at about a tenth of
    its speed on a real dump), and a unit test asserts no absolute speed. So the same process
    reads the seed dump and a hostile dump of the same size, and the hostile one must cost
    less than 3x the seed (plus 0.1 s for noise): today it costs 10-13x; a reader at the
    issue's 1 MB/s target costs about 1.5x.
    """
    size = SEED_DUMP.stat().st_size
    hostile_path = tmp_path / "hostile.txt"
    hostile_path.write_text(hostile.text_dump_of_body(hostile.repeat(line, size)), "utf-8")
    wsisdedup.read(str(SEED_DUMP), format="text-dump")  # warm-up
    t_seed = _cpu(lambda: wsisdedup.read(str(SEED_DUMP), format="text-dump"), repeat=2)
    t_hostile = _cpu(lambda: wsisdedup.read(str(hostile_path), format="text-dump"), repeat=1)
    assert t_hostile < 3 * t_seed + 0.1, f"{t_hostile / t_seed:.1f}x the seed dump's time"


def test_split_body_memory_on_dash_lines() -> None:
    """10 MB of "-\\n" used 1.1 GB (110x); the target is at most 20x the input."""
    text = "-\n" * 50_000
    wsisdedup.split_body("-\n" * 100)
    tracemalloc.start()
    try:
        wsisdedup.split_body(text)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak <= 20 * len(text), f"peak {peak / len(text):.0f}x the input"


@pytest.mark.parametrize(
    "unit",
    ["From: a\n", "To: x\n", "wrote:\n", "-- \n", "[cid:x]"],
    ids=["from", "to", "wrote", "sig-delimiter", "cid"],
)
def test_split_body_memory_on_runs_of_one_structure(unit: str) -> None:
    """`bench_hostile.py` found 1 MB of these at 24-40x the input (a unit or span a line, and
    the units kept to the end of `split_body`); the target is at most 20x."""
    text = hostile.repeat(unit, 400_000)
    wsisdedup.split_body(unit * 100)
    tracemalloc.start()
    try:
        wsisdedup.split_body(text)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak <= 20 * len(text), f"peak {peak / len(text):.0f}x the input"


# Bodies that `split_body` cuts into a segment a line: Outlook separators (each opens a quote
# one level deeper) and PGP headers with no signature (a placeholder and a line of text each).
_SEGMENT_A_LINE = ["-----Original Message-----\n", "-----BEGIN PGP SIGNED MESSAGE-----\n\ntext\n"]


@pytest.mark.parametrize("unit", _SEGMENT_A_LINE, ids=["original-message", "pgp-open"])
def test_segments_of_one_short_text_share_it(unit: str) -> None:
    """A copy of its text a segment made the segments of 1 MB of "-----Original Message-----"
    lines hold 9x the input after `split_body`; segments with the same text share one."""
    body = wsisdedup.split_body(unit * 1000)
    assert len(body.segments) >= 1000
    assert len({id(s.text) for s in body.segments[1:]}) <= 2
    assert "".join(s.text for s in body.segments) == body.text


@pytest.mark.parametrize("unit", _SEGMENT_A_LINE, ids=["original-message", "pgp-open"])
def test_split_body_memory_on_a_segment_a_line(unit: str) -> None:
    """What a Body of a segment a line holds, and the peak while the segments are made: the
    units, the spans, the merged spans and the segments were all whole at once (17x the
    input; the peak of the PGP body is its units, ~14x)."""
    text = hostile.repeat(unit, 400_000)
    wsisdedup.split_body(unit * 100)
    tracemalloc.start()
    try:
        body = wsisdedup.split_body(text)
        kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(body.segments) > len(text) // 60
    assert kept <= 7.5 * len(text), f"the body holds {kept / len(text):.1f}x the input"
    if unit.startswith("-----Original"):
        assert peak <= 9 * len(text), f"peak {peak / len(text):.1f}x the input"


def _tokens_of(text: str) -> object:
    """The matching stage's tokens of a body, its own content as the segmenter says.

    Internal function (`wsisdedup.match.tokenise`) of the stage `bench_hostile.py` found
    at 23x (read-mbox, 1 MB of one line repeated)."""
    from wsisdedup.match import IndexDoc, tokenise

    return tokenise(IndexDoc.from_segments("x", text, wsisdedup.split_body(text).segments))


_TOKEN_BODIES = ["From: a\n", *_SEGMENT_A_LINE]


@pytest.mark.parametrize("unit", _TOKEN_BODIES, ids=["from", "original-message", "pgp-open"])
def test_tokens_memory_on_runs_of_one_line(unit: str) -> None:
    """Tokens of 1 MB of these took the matching stage to 25-35x the input (a dict of tuples
    per line of the offset map, 64-bit offsets, sampled hashes and own ranges as tuples of
    Python ints, 64K-word working lists); the whole read must stay under 20x."""
    text = hostile.repeat(unit, 400_000)
    _tokens_of(unit * 100)
    split = wsisdedup.split_body(text)  # not part of the measure
    tracemalloc.start()
    try:
        from wsisdedup.match import IndexDoc, tokenise

        tokens = tokenise(IndexDoc.from_segments("x", text, split.segments))
        kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert tokens is not None
    assert kept <= 10 * len(text), f"the tokens hold {kept / len(text):.1f}x the input"
    assert peak <= 13 * len(text), f"peak {peak / len(text):.1f}x the input"


def test_own_ranges_find_their_tokens_in_a_few_lookups(monkeypatch: pytest.MonkeyPatch) -> None:
    """A body of thousands of one-line own segments (PGP headers without a signature) bisected
    all its tokens per segment: 17 offset lookups each on 1 MB, 0.64 MB/s. Each own range now
    finds its first and last token through the inverse of the offset map (`first_from`), two
    look-ups a range whatever the body's length."""
    from wsisdedup.text.normalise import OffsetMap

    text = hostile.repeat(_SEGMENT_A_LINE[1], 200_000)
    own = [s for s in wsisdedup.split_body(text).segments if s.kind.value in ("new", "signature")]
    assert len(own) > 3000
    calls = {"first_from": 0, "_locate": 0}

    def counting(name: str) -> Callable[..., object]:
        real = getattr(OffsetMap, name)

        def counted(self: OffsetMap, *args: int) -> object:
            calls[name] += 1
            return real(self, *args)

        return counted

    for name in calls:
        monkeypatch.setattr(OffsetMap, name, counting(name))
    _tokens_of(text)
    assert calls["first_from"] >= len(own)  # the inverse map is what finds them
    lookups = calls["first_from"] + calls["_locate"]
    assert lookups <= 4 * len(own), f"{lookups / len(own):.1f} lookups per own segment"


# --- Never lose a message without saying so -------------------------------------------------

_GOOD = (
    "From ann@example.org Thu Jun  5 10:22:00 2025\n"
    "From: Ann <ann@example.org>\n"
    "Date: Thu, 5 Jun 2025 10:22:00 +0000\n"
    "Subject: good\n"
    "Message-ID: <good@example.org>\n"
    "\n"
    "the good message\n"
    "\n"
)


def _bad_charset_mbox(content_type: str, body: bytes, subject: bytes = b"bad") -> bytes:
    return (
        _GOOD.encode()
        + b"From bob@example.org Thu Jun  5 11:22:00 2025\n"
        + b"From: Bob <bob@example.org>\n"
        + b"Date: Thu, 5 Jun 2025 11:22:00 +0000\n"
        + b"Subject: "
        + subject
        + b"\nMessage-ID: <bad@example.org>\n"
        + b"MIME-Version: 1.0\n"
        + b"Content-Type: "
        + content_type.encode()
        + b"\nContent-Transfer-Encoding: 8bit\n\n"
        + body
        + b"\n\n"
    )


_CHARSET_CASES = [
    pytest.param(
        "text/plain; charset=undefined",
        b"keep me caf\xe9",
        b"bad",
        id="charset-undefined",
    ),
    pytest.param(
        "text/plain; charset=punycode",
        b"keep me caf\xe9 \xff\xfe",
        b"bad",
        id="charset-punycode",
    ),
    pytest.param(
        "text/plain; charset=idna",
        b"keep me caf\xe9 \xff\xfe",
        b"bad",
        id="charset-idna-bad-bytes",
    ),
    pytest.param(
        "text/plain; charset=utf-8",
        b"keep me",
        b"=?undefined?q?x?=",
        id="header-undefined-encoded-word",
    ),
]


@pytest.mark.parametrize(("content_type", "body", "subject"), _CHARSET_CASES)
def test_bad_charset_keeps_the_message(
    tmp_path: Path, content_type: str, body: bytes, subject: bytes
) -> None:
    path = tmp_path / "charset.mbox"
    path.write_bytes(_bad_charset_mbox(content_type, body, subject))
    archive = wsisdedup.read(str(path), format="mbox")
    bodies = {m.body.strip() for m in archive.messages}
    assert "the good message" in bodies
    kept = [m for m in archive.messages if "keep me" in m.body]
    assert len(kept) == 1, f"message dropped; problems: {[str(p) for p in archive.problems]}"


_EML = (
    b"From: Ann <ann@example.org>\nSubject: hi\nMessage-ID: <m1@example.org>\n"
    b"Date: Thu, 5 Jun 2025 10:22:00 +0000\n\nhello body\n"
)


def _maildir(root: Path) -> Path:
    for sub in ("cur", "new", "tmp"):
        (root / sub).mkdir(parents=True)
    (root / "cur" / "1.eml").write_bytes(_EML)
    return root


def _assert_read_with_problem(folder: Path, name: str) -> None:
    archive = wsisdedup.read(str(folder))
    assert [m.body.strip() for m in archive.messages] == ["hello body"]
    assert any(name in p.path or name in p.what for p in archive.problems), [
        str(p) for p in archive.problems
    ]


def test_maildir_symlink_loop_is_a_problem(tmp_path: Path) -> None:
    folder = _maildir(tmp_path / "md")
    os.symlink("loop", folder / "cur" / "loop")
    _assert_read_with_problem(folder, "loop")


def test_maildir_dangling_link_is_a_problem(tmp_path: Path) -> None:
    folder = _maildir(tmp_path / "md")
    os.symlink("nowhere", folder / "cur" / "dangling")
    _assert_read_with_problem(folder, "dangling")


def test_maildir_fifo_is_a_problem(tmp_path: Path) -> None:
    folder = _maildir(tmp_path / "md")
    os.mkfifo(folder / "cur" / "fifo")
    _assert_read_with_problem(folder, "fifo")


def test_maildir_device_is_a_problem(tmp_path: Path) -> None:
    folder = _maildir(tmp_path / "md")
    _char_device(folder / "cur" / "device")
    _assert_read_with_problem(folder, "device")


def test_maildir_link_out_of_the_folder_is_not_followed(tmp_path: Path) -> None:
    """A link to a file outside the given folder is not read unless asked; it is a Problem."""
    outside = tmp_path / "outside.eml"
    outside.write_bytes(_EML.replace(b"m1@", b"out@").replace(b"hello", b"outside"))
    folder = _maildir(tmp_path / "md")
    os.symlink(outside, folder / "cur" / "escape")
    _assert_read_with_problem(folder, "escape")


def test_subfolder_of_plain_folder_is_read_or_a_problem(tmp_path: Path) -> None:
    """notmuch reads sub-folders; refusing one with a Problem is the other sound choice."""
    folder = tmp_path / "plain"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.eml").write_bytes(_EML)
    (folder / "sub" / "b.eml").write_bytes(_EML.replace(b"m1@", b"m2@").replace(b"hello", b"sub"))
    archive = wsisdedup.read(str(folder))
    bodies = sorted(m.body.strip() for m in archive.messages)
    reported = any("sub" in p.path for p in archive.problems)
    assert bodies == ["hello body", "sub body"] or (bodies == ["hello body"] and reported)


@pytest.mark.skipif(os.geteuid() == 0, reason="root lists any folder: cannot make one unlistable")
def test_unlistable_folder_is_a_problem(tmp_path: Path) -> None:  # pragma: no cover - as root
    folder = _maildir(tmp_path / "md")
    (folder / "new").chmod(0)
    try:
        _assert_read_with_problem(folder, "new")
    finally:
        (folder / "new").chmod(0o755)


def _deep_thread_mbox(depth: int) -> str:
    parts = []
    for i in range(depth):
        subject = "x" if i == 0 else "Re: x"
        reply = f"In-Reply-To: <m{i - 1}@example.org>\n" if i else ""
        parts.append(
            f"From ann@example.org Thu Jun  5 10:22:00 2025\n"
            f"From: Ann <ann@example.org>\n"
            f"Date: Thu, 5 Jun 2025 10:{i // 60 % 60:02d}:{i % 60:02d} +0000\n"
            f"Subject: {subject}\nMessage-ID: <m{i}@example.org>\n{reply}\nreply {i}\n\n"
        )
    return "".join(parts)


def test_clean_json_of_a_1000_deep_thread(tmp_path: Path) -> None:
    archive = tmp_path / "deep.mbox"
    archive.write_text(_deep_thread_mbox(1000), encoding="utf-8")
    out = tmp_path / "deep.json"
    code = main(["clean", str(archive), "-o", str(out), "--format", "json"])
    assert code == 0
    # The writer no longer recurses; Python's own decoder does, so allow the depth to read it.
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, 5000))
    try:
        json.loads(out.read_text(encoding="utf-8"))
    finally:
        sys.setrecursionlimit(old)


# --- Writes never destroy data ---------------------------------------------------------------


def _small_mbox(tmp_path: Path, n: int = 3) -> Path:
    path = tmp_path / "list.mbox"
    path.write_text(_deep_thread_mbox(n), encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt", ["jsonl", "sqlite"])
def test_clean_refuses_to_overwrite_its_input(tmp_path: Path, fmt: str) -> None:
    archive = _small_mbox(tmp_path)
    before = archive.read_bytes()
    code = main(["clean", str(archive), "-o", str(archive), "--format", fmt])
    assert code == EXIT_UNUSABLE
    assert archive.read_bytes() == before


@pytest.mark.parametrize("fmt", ["jsonl", "sqlite"])
def test_clean_refuses_a_symlink_to_its_input(tmp_path: Path, fmt: str) -> None:
    archive = _small_mbox(tmp_path)
    before = archive.read_bytes()
    link = tmp_path / "out.link"
    link.symlink_to(archive.name)
    code = main(["clean", str(archive), "-o", str(link), "--format", fmt])
    assert code == EXIT_UNUSABLE
    assert archive.read_bytes() == before
    assert link.is_symlink()


@pytest.mark.parametrize(
    "fmt",
    [
        "jsonl",
        "sqlite",
    ],
)
def test_clean_onto_a_symlink_is_deliberate(tmp_path: Path, fmt: str) -> None:
    """Either refused (link and target untouched) or written through the link (the link stays
    a link): silently replacing the link with a new file is neither."""
    archive = _small_mbox(tmp_path)
    target = tmp_path / "old.out"
    target.write_bytes(b"OLD")
    link = tmp_path / "out.link"
    link.symlink_to(target.name)
    code = main(["clean", str(archive), "-o", str(link), "--format", fmt])
    assert link.is_symlink()
    if code == EXIT_UNUSABLE:
        assert target.read_bytes() == b"OLD"
    else:
        assert target.read_bytes() != b"OLD"


def _char_device(path: Path) -> Path:
    """A character device like /dev/null, but in the test's own folder: a writer that renames
    over a device must only ever replace this node, never the machine's /dev/null."""
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except (OSError, AttributeError) as exc:
        pytest.skip(f"cannot make a device node here: {exc}")
    return path


@pytest.mark.parametrize("fmt", ["jsonl", "sqlite"])
def test_clean_refuses_a_device(tmp_path: Path, fmt: str) -> None:
    archive = _small_mbox(tmp_path)
    device = _char_device(tmp_path / "null")
    code = main(["clean", str(archive), "-o", str(device), "--format", fmt])
    assert stat.S_ISCHR(os.lstat(device).st_mode), "the device node was replaced"
    assert code == EXIT_UNUSABLE


_LIMITED_CLEAN = """
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (2048, 2048))
from wsisdedup.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize(
    "fmt",
    [
        "jsonl",
        "sqlite",
    ],
)
def test_failed_write_leaves_the_old_file(tmp_path: Path, fmt: str) -> None:
    """A write that fails part-way (here: a file-size limit, as a full disk would) leaves the
    old output intact and ends with one error line and exit code 2, no traceback."""
    archive = _small_mbox(tmp_path, n=60)
    out = tmp_path / f"out.{fmt}"
    out.write_bytes(b"OLD")
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            _LIMITED_CLEAN,
            *("clean", str(archive), "-o", str(out)),
            "--format",
            fmt,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.read_bytes() == b"OLD"
    assert "Traceback" not in done.stderr
    assert done.returncode == EXIT_UNUSABLE
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


# --- Output safety ---------------------------------------------------------------------------

_MARKDOWN_BODY = (
    "Hello <script>alert(1)</script> there.\n"
    "[click](javascript:alert(1)) and [data](data:text/html,<b>x</b>)\n"
    "[x]: javascript:alert(1)\n"
    "see [x] and ![img](http://remote.example/x.png)\n"
    "<img src=http://remote.example/y.png onerror=alert(1)>\n"
)


class _Tags(HTMLParser):
    """Every start tag with its attributes, and for each text run the tags open around it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.stack: list[tuple[str, dict[str, str | None]]] = []
        self.texts: list[tuple[str, list[tuple[str, dict[str, str | None]]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in {"br", "img", "meta", "link", "hr", "input", "wbr"}:
            self.stack.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data: str) -> None:
        self.texts.append((data, list(self.stack)))


def _export(tmp_path: Path, fmt: str, subject: str, body: str) -> str:
    if not subject.isascii():  # an RFC 2047 encoded word: raw 8-bit headers are another test
        subject = "=?utf-8?b?" + base64.b64encode(subject.encode()).decode() + "?="
    mbox = (
        "From ann@example.org Thu Jun  5 10:22:00 2025\n"
        "From: Ann <ann@example.org>\n"
        "Date: Thu, 5 Jun 2025 10:22:00 +0000\n"
        f"Subject: {subject}\nMessage-ID: <m@example.org>\n"
        "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
        f"Content-Transfer-Encoding: 8bit\n\n{body}\n"
    )
    archive = tmp_path / "in.mbox"
    archive.write_text(mbox, encoding="utf-8")
    out = tmp_path / f"out.{fmt}"
    assert main(["clean", str(archive), "-o", str(out), "--format", fmt]) in (0, 1)
    return out.read_text(encoding="utf-8")


def test_markdown_output_renders_no_live_html(tmp_path: Path) -> None:
    text = _export(tmp_path, "markdown", "md", _MARKDOWN_BODY)
    try:
        import markdown
    except ImportError:  # pragma: no cover - Python-Markdown is a dev dependency
        assert "<script>" not in text and "<img" not in text
        assert "](javascript:" not in text and "]: javascript:" not in text
        assert "![img](" not in text
        return
    parser = _Tags()
    parser.feed(markdown.markdown(text))
    tags = {tag for tag, _ in parser.tags}
    assert not tags & {"script", "img", "iframe", "object", "embed"}, tags
    for tag, attrs in parser.tags:
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            low = (value or "").strip().lower()
            assert not low.startswith(("javascript:", "data:", "vbscript:")), (tag, name, value)


def test_html_isolates_direction_of_user_text(tmp_path: Path) -> None:
    subject = "abc\u202etxt.exe"
    text = _export(tmp_path, "html", subject, "body")
    parser = _Tags()
    parser.feed(text)
    runs = [stack for data, stack in parser.texts if "\u202e" in data]
    assert runs, "the subject is not in the page"
    for stack in runs:
        assert any(tag == "bdi" or attrs.get("dir") == "auto" for tag, attrs in stack), stack
