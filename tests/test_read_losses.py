"""Issue 11, "never lose a message without saying so": charsets whose codec raises, folders
with links, loops and special files, and size limits. Each message is read, or a Problem names
it (file and position); the rest of the input is still read."""

from __future__ import annotations

import codecs
import gzip
import io
import os
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import wsisdedup
from wsisdedup.errors import ArchiveFormatError
from wsisdedup.model import Archive, Limits
from wsisdedup.readers.stream import LineCap, open_input

_needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
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


# --- 2. Folders: links, loops, special files, sub-folders ----------------------------------


def _eml(n: int) -> bytes:
    return _msg(n)


def _maildir(root: Path, *names: int) -> Path:
    for sub in ("cur", "new", "tmp"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    for n in names:
        (root / "cur" / f"{1000 + n}.M{n}P1.host:2,S").write_bytes(_eml(n))
    return root


def _ids(archive: Archive) -> list[str]:
    return [m.id for m in archive.messages]


def _problem_at(archive: Archive, path: Path) -> str:
    (what,) = [p.what for p in archive.problems if p.path == str(path)]
    return what


def test_symlink_loop_in_a_maildir_is_a_problem_and_the_rest_is_read(tmp_path: Path) -> None:
    box = _maildir(tmp_path / "box", 1, 2)
    (box / "cur" / "loop").symlink_to("loop")  # a link to itself: ELOOP
    (box / "cur" / "a").symlink_to("b")
    (box / "cur" / "b").symlink_to("a")
    archive = wsisdedup.read(box)
    assert _ids(archive) == ["m1@example.org", "m2@example.org"]
    assert "loop" in _problem_at(archive, box / "cur" / "loop")
    assert "loop" in _problem_at(archive, box / "cur" / "a")


def test_folder_link_back_to_its_parent_is_read_once(tmp_path: Path) -> None:
    root = tmp_path / "lists"
    root.mkdir()
    (root / "a.eml").write_bytes(_eml(1))
    (root / "again").symlink_to(".", target_is_directory=True)
    archive = wsisdedup.read(root)
    assert _ids(archive) == ["m1@example.org"]
    assert "read once" in _problem_at(archive, root / "again")


def test_unlistable_folder_given_is_a_format_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "locked"
    root.mkdir()

    def scandir(path: str | os.PathLike[str]) -> Iterator[os.DirEntry[str]]:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(os, "scandir", scandir)
    with pytest.raises(ArchiveFormatError, match="cannot list folder: Permission denied"):
        wsisdedup.read(root)


def test_symlink_loop_as_the_maildir_given(tmp_path: Path) -> None:
    (tmp_path / "x").symlink_to("y")
    (tmp_path / "y").symlink_to("x")
    with pytest.raises(OSError):  # nothing else to read: the input itself is unusable
        wsisdedup.read(tmp_path / "x")


def test_dangling_link_is_a_problem(tmp_path: Path) -> None:
    box = _maildir(tmp_path / "box", 1)
    (box / "new" / "gone").symlink_to(tmp_path / "nowhere")
    archive = wsisdedup.read(box)
    assert _ids(archive) == ["m1@example.org"]
    assert "dangling" in _problem_at(archive, box / "new" / "gone")


@_needs_fifo
def test_fifo_is_skipped_without_blocking(tmp_path: Path) -> None:
    box = _maildir(tmp_path / "box", 1, 2)
    os.mkfifo(box / "cur" / "1001.fifo")
    archive = wsisdedup.read(box)  # would block forever if the FIFO were opened plainly
    assert _ids(archive) == ["m1@example.org", "m2@example.org"]
    assert "FIFO" in _problem_at(archive, box / "cur" / "1001.fifo")


def test_device_file_is_skipped(tmp_path: Path) -> None:
    root = tmp_path / "mail"
    root.mkdir()
    (root / "a.eml").write_bytes(_eml(1))
    (root / "zero").symlink_to("/dev/zero")  # followed only with follow_links; a device anyway
    archive = wsisdedup.read(root, follow_links=True)
    assert _ids(archive) == ["m1@example.org"]
    assert "character device" in _problem_at(archive, root / "zero")


@_needs_fifo
def test_fifo_swapped_in_after_listing_never_blocks(tmp_path: Path) -> None:
    fifo = tmp_path / "late.fifo"
    os.mkfifo(fifo)
    with (
        pytest.raises(OSError, match="not a regular file"),
        open_input(fifo, str(fifo), regular_only=True),
    ):
        pass


def test_unlistable_folder_is_a_problem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "mail"
    (root / "locked").mkdir(parents=True)
    (root / "a.eml").write_bytes(_eml(1))
    (root / "locked" / "b.eml").write_bytes(_eml(2))
    real = os.scandir

    def scandir(path: str | os.PathLike[str]) -> Iterator[os.DirEntry[str]]:
        if Path(path).name == "locked":  # as chmod 000 does for anyone but root
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    archive = wsisdedup.read(root)
    assert _ids(archive) == ["m1@example.org"]
    assert "cannot list folder: Permission denied" in _problem_at(archive, root / "locked")


def test_sub_folders_of_a_plain_folder_are_read(tmp_path: Path) -> None:
    root = tmp_path / "archive"
    (root / "2019").mkdir(parents=True)
    (root / "2020" / "deep").mkdir(parents=True)
    (root / "2019" / "jan.mbox").write_bytes(_mbox(_msg(1), _msg(2)))
    (root / "2020" / "deep" / "x.eml").write_bytes(_eml(3))
    (root / "readme.eml").write_bytes(_eml(4))
    archive = wsisdedup.read(root)
    assert _ids(archive) == [f"m{n}@example.org" for n in (1, 2, 3, 4)]
    assert archive.problems == ()


def test_maildir_plus_plus_sub_folders_are_read_and_tmp_is_not(tmp_path: Path) -> None:
    box = _maildir(tmp_path / "Maildir", 1)
    _maildir(box / ".lists.devlist", 2)
    (box / "tmp" / "999.partial").write_bytes(_eml(9))  # still being delivered
    (box / "dovecot-uidlist").write_bytes(b"3 V1 N2\n")  # the server's, not a message
    (box / ".git").mkdir()
    (box / ".git" / "HEAD").write_bytes(b"ref: x\n")
    archive = wsisdedup.read(box)
    assert _ids(archive) == ["m1@example.org", "m2@example.org"]
    assert archive.problems == ()
    assert {m.source.format for m in archive.messages} == {"maildir"}


def test_tree_of_maildirs_without_a_maildir_at_its_root(tmp_path: Path) -> None:
    root = tmp_path / "mail"  # mbsync with SubFolders Verbatim, notmuch's mail root
    _maildir(root / "INBOX", 1)
    _maildir(root / "lists" / "devlist", 2)
    archive = wsisdedup.read(root)
    assert _ids(archive) == ["m1@example.org", "m2@example.org"]


def test_link_out_of_the_folder_is_followed_only_when_asked(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "x.eml").write_bytes(_eml(2))
    root = tmp_path / "mail"
    root.mkdir()
    (root / "a.eml").write_bytes(_eml(1))
    (root / "b.eml").symlink_to(outside / "x.eml")
    (root / "more").symlink_to(outside, target_is_directory=True)
    (root / "inside.eml").symlink_to("a.eml")
    archive = wsisdedup.read(root)
    assert _ids(archive) == ["m1@example.org"]
    assert "outside" in _problem_at(archive, root / "b.eml")
    assert "follow_links=True" in _problem_at(archive, root / "more")
    assert "read once" in _problem_at(archive, root / "inside.eml")
    followed = wsisdedup.read(root, follow_links=True)
    assert sorted(_ids(followed)) == ["m1@example.org", "m2@example.org"]


def test_read_many_passes_follow_links(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.eml"
    outside.write_bytes(_eml(2))
    root = tmp_path / "mail"
    root.mkdir()
    (root / "a.eml").write_bytes(_eml(1))
    (root / "b.eml").symlink_to(outside)
    assert len(wsisdedup.read_many([root]).messages) == 1
    assert len(wsisdedup.read_many([root], follow_links=True).messages) == 2


# --- 3. Size limits ------------------------------------------------------------------------


def test_gzip_bomb_with_one_huge_body_keeps_its_start_and_the_other_messages(
    tmp_path: Path,
) -> None:
    huge = b"x" * 99 + b"\n"
    big = _msg(2, body=b"start\n" + huge * 20_000)  # 2 MB
    data = _mbox(_msg(1), big, _msg(3))
    path = tmp_path / "bomb.mbox.gz"
    path.write_bytes(gzip.compress(data))
    archive = wsisdedup.read(path, limits=Limits(message_bytes=50_000))
    by_id = {m.id: m for m in archive.messages}
    assert list(by_id) == ["m1@example.org", "m2@example.org", "m3@example.org"]
    body = by_id["m2@example.org"].body
    assert body.startswith("start\nxxx") and 40_000 < len(body) < 50_000
    (problem,) = archive.problems
    assert "over the limit of 50,000 (Limits.message_bytes)" in problem.what
    assert f"message is {len(big) + 1:,} bytes" in problem.what  # and the blank line after it
    source = by_id["m2@example.org"].source
    assert (problem.path, problem.line, problem.offset) == (str(path), source.line, source.offset)


def test_a_line_of_megabytes_without_a_newline_is_not_gathered_whole(tmp_path: Path) -> None:
    path = tmp_path / "long.mbox"
    size = 64 << 20  # far past the splitter's 8 MiB pieces
    with path.open("wb") as fh:
        fh.write(SEP + _msg(1) + b"\n" + SEP + _msg(2, body=b"y"))
        for _ in range(size // (1 << 20)):
            fh.write(b"y" * (1 << 20))
        fh.write(b"\n\n" + SEP + _msg(3))
    tracemalloc.start()
    try:
        archive = wsisdedup.read(path, limits=Limits(message_bytes=1 << 20))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert _ids(archive) == ["m1@example.org", "m2@example.org", "m3@example.org"]
    assert peak < size // 2  # the line is never held whole
    assert [p.line for p in archive.problems] == [archive.messages[1].source.line]


def test_separator_after_a_line_longer_than_a_piece_still_splits(tmp_path: Path) -> None:
    line = b"z" * (9 << 20) + b"\n"
    data = _mbox(_msg(1, body=line), _msg(2))
    archive = wsisdedup.read(io.BytesIO(data))
    assert _ids(archive) == ["m1@example.org", "m2@example.org"]
    assert archive.messages[0].body == line.decode()
    assert archive.problems == ()


def test_huge_file_in_a_maildir_keeps_its_start(tmp_path: Path) -> None:
    box = _maildir(tmp_path / "box", 1, 3)
    big = _msg(2, body=b"begin\n" + b"w" * 200_000 + b"\n")
    (box / "cur" / "1002.M2P1.host:2,S").write_bytes(big)
    archive = wsisdedup.read(box, limits=Limits(message_bytes=10_000))
    by_id = {m.id: m for m in archive.messages}
    assert list(by_id) == ["m1@example.org", "m2@example.org", "m3@example.org"]
    assert by_id["m2@example.org"].body.startswith("begin\nwww")
    assert len(by_id["m2@example.org"].body) < 10_000
    (problem,) = archive.problems
    assert problem.path == str(box / "cur" / "1002.M2P1.host:2,S")
    assert f"message is {len(big):,} bytes" in problem.what


def test_input_over_its_limit_ends_with_a_problem(tmp_path: Path) -> None:
    data = _mbox(*[_msg(n) for n in range(100)])
    path = tmp_path / "many.mbox.gz"
    path.write_bytes(gzip.compress(data))
    archive = wsisdedup.read(path, limits=Limits(input_bytes=2_000))
    ids = _ids(archive)
    assert 5 < len(ids) < 20
    assert ids == [f"m{n}@example.org" for n in range(len(ids))]
    (problem,) = archive.problems
    assert "over the limit of 2,000 bytes (Limits.input_bytes)" in problem.what
    assert (problem.path, problem.offset) == (str(path), 2_000)


def test_folder_over_its_input_limit_names_the_files_not_read(tmp_path: Path) -> None:
    box = _maildir(tmp_path / "box", *range(1, 11))
    size = len(_msg(1))
    archive = wsisdedup.read(box, limits=Limits(input_bytes=3 * size + 10))
    assert _ids(archive)[:3] == [f"m{n}@example.org" for n in range(1, 4)]
    assert len(archive.messages) == 4  # the fourth file is cut at the limit, and says so
    cut, not_read = archive.problems
    assert cut.path == str(box / "cur" / "1004.M4P1.host:2,S")
    assert "(Limits.input_bytes)" in cut.what and cut.offset == 10
    assert not_read.path == str(box / "cur" / "1005.M5P1.host:2,S")
    assert not_read.what.startswith("not read: the folder's files are over the limit")
    assert not_read.what.endswith("this file and the 5 after it")


def test_long_lines_of_a_text_dump_are_broken_and_reported() -> None:
    dump = "Meeting notes\n" + "Dear all, " * 300 + "\nparticipants (1)\n"
    archive = wsisdedup.read(
        io.BytesIO(dump.encode()), format="text-dump", limits=Limits(line_bytes=1000)
    )
    assert archive.messages
    text = "".join(m.body for m in archive.messages)
    assert "Dear all," in text
    (problem,) = [p for p in archive.problems if "Limits.line_bytes" in p.what]
    assert problem.offset == len("Meeting notes\n") + 1000


def test_line_cap_only_adds_line_breaks() -> None:
    data = b"short\n" + b"a" * 2500 + b"\n" + b"b" * 999 + b"\nc" + b"\n" * 3
    capped = LineCap(io.BytesIO(data), 1000)
    out = io.BufferedReader(capped, buffer_size=64).read()
    assert out.replace(b"\n", b"") == data.replace(b"\n", b"")
    assert max(len(line) for line in out.split(b"\n")) == 1000
    assert capped.broken == 2 and capped.first == 6 + 1000


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValueError, match="message_bytes"):
        Limits(message_bytes=0)
    assert Limits().message_bytes == 256 << 20


# --- 4. Other silent losses ----------------------------------------------------------------


def test_multipart_nested_past_the_depth_limit_says_so() -> None:
    part = b"Content-Type: text/plain\n\nhello deep\n"
    for i in range(25):
        part = b"Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n%s\n--b%d--\n" % (
            i,
            i,
            part,
            i,
        )
    head = b"From: a@example.org\nMessage-ID: <m1@example.org>\n"
    archive = wsisdedup.read(io.BytesIO(head + part))
    (m,) = archive.messages
    assert m.id == "m1@example.org" and "hello deep" not in m.body
    (problem,) = archive.problems
    assert "nested more than 20 deep" in problem.what


def test_message_with_only_attachments_says_what_was_left_out() -> None:
    msg = _msg(
        1,
        b"Content-Type: multipart/mixed; boundary=q\n",
        b"--q\nContent-Type: application/pdf\nContent-Disposition: attachment\n\nJVBERi0x\n"
        b"--q\nContent-Type: image/png\n\niVBORw0K\n--q--\n",
    )
    archive = wsisdedup.read(io.BytesIO(msg))
    (m,) = archive.messages
    assert m.body == ""
    (problem,) = archive.problems
    assert "no text to show" in problem.what
    assert "application/pdf, image/png" in problem.what
    assert (problem.line, problem.offset) == (1, 0)


def test_message_with_text_and_attachments_has_no_problem() -> None:
    msg = _msg(
        1,
        b"Content-Type: multipart/mixed; boundary=q\n",
        b"--q\nContent-Type: text/plain\n\nSee attached.\n"
        b"--q\nContent-Type: application/pdf\n\nJVBERi0x\n--q--\n",
    )
    archive = wsisdedup.read(io.BytesIO(msg))
    assert [m.body for m in archive.messages] == ["See attached.\n"]
    assert archive.problems == ()


def test_empty_maildir_is_an_empty_archive_and_an_empty_folder_an_error(tmp_path: Path) -> None:
    box = _maildir(tmp_path / "box")
    assert wsisdedup.read(box).messages == ()
    (tmp_path / "empty").mkdir()
    with pytest.raises(ArchiveFormatError, match="no message files"):
        wsisdedup.read(tmp_path / "empty")


def test_input_exactly_at_its_limit_is_whole(tmp_path: Path) -> None:
    data = _mbox(_msg(1), _msg(2))
    archive = wsisdedup.read(io.BytesIO(data), limits=Limits(input_bytes=len(data)))
    assert _ids(archive) == ["m1@example.org", "m2@example.org"]
    assert archive.problems == ()
    cut = wsisdedup.read(io.BytesIO(data), limits=Limits(input_bytes=len(data) - 1))
    assert [p.offset for p in cut.problems] == [len(data) - 1]


_NAMES = st.sampled_from(["a", "b", "c", "d.eml", "e", ".hidden"])
_NODE = st.recursive(
    st.sampled_from(["eml", "mbox", "junk", "empty", "link-in", "link-out", "dangling", "loop"]),
    lambda children: st.dictionaries(_NAMES, children, max_size=4),
    max_leaves=12,
)


def _build(folder: Path, tree: dict[str, object], outside: Path, counter: list[int]) -> None:
    for name, node in tree.items():
        path = folder / name
        counter[0] += 1
        n = counter[0]
        if isinstance(node, dict):
            path.mkdir()
            _build(path, node, outside, counter)
        elif node == "eml":
            path.write_bytes(_msg(n))
        elif node == "mbox":
            path.write_bytes(_mbox(_msg(n), _msg(n + 1000)))
        elif node == "junk":
            path.write_bytes(b"\x00\x01binary\xff" * 10)
        elif node == "empty":
            path.write_bytes(b"")
        elif node == "link-in":
            path.symlink_to(folder)  # a folder already being read
        elif node == "link-out":
            path.symlink_to(outside)
        elif node == "dangling":
            path.symlink_to(folder / "nowhere-at-all")
        else:
            path.symlink_to(path)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(tree=st.dictionaries(_NAMES, _NODE, min_size=1, max_size=5))
def test_every_path_of_a_folder_is_read_or_a_problem(
    tmp_path_factory: pytest.TempPathFactory, tree: dict[str, object]
) -> None:
    base = tmp_path_factory.mktemp("tree")
    outside = base / "outside.eml"
    outside.write_bytes(_msg(9999))
    root = base / "root"
    root.mkdir()
    _build(root, tree, outside, [0])
    try:
        archive = wsisdedup.read(root)
    except ArchiveFormatError as exc:
        assert "no message files" in exc.what
        return
    named = {m.source.path for m in archive.messages} | {p.path for p in archive.problems}
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files + dirs:
            path = Path(folder) / name
            if name.startswith(".") or (path.is_dir() and not path.is_symlink()):
                continue
            if path.is_symlink() and path.is_dir() and path.resolve() == Path(folder).resolve():
                assert str(path) in named  # a link back to a folder being read: read once
                continue
            assert str(path) in named, path
    assert "m9999@example.org" not in {m.id for m in archive.messages}
