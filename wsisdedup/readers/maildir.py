"""Folders: Maildirs (`cur/` and `new/`), folders of message files, and trees of both.

A folder is walked the way notmuch walks a mail root: every sub-folder is read, every regular
file in it is a message file (an `.eml`, an mbox, ... each sniffed on its own), a Maildir's
`tmp/` is skipped (messages there are still being delivered) and so are the files beside its
`cur/` and `new/` (the server's index and uid lists, never messages). Names that start with a
dot are editor and OS litter (`.DS_Store`, `.git`), skipped, except a dot-folder that is a
Maildir: Maildir++ keeps its sub-folders so (`.Sent`, `.lists.devlist`).

Nothing is skipped without a word: a folder that cannot be listed, a dangling or looping
symbolic link, a link that leads out of the folder given (followed only if asked), a FIFO, a
device or a socket, and a folder or file reached a second time (by a link) each become a
Problem naming the path. A file that cannot be read becomes a Problem too, and the other files
are still read. Messages come in file-name order, which for Maildir is delivery order (Maildir
names start with the delivery time in seconds).
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import attrs

from wsisdedup.errors import ArchiveFormatError
from wsisdedup.model import Problem

__all__ = ["MessageFile", "is_maildir", "read_tree", "walk"]

T = TypeVar("T")


@attrs.frozen(kw_only=True)
class MessageFile:
    """A file to read: its path, and whether it is one message of a Maildir."""

    path: Path
    maildir: bool


@attrs.frozen(kw_only=True)
class _Folder:
    """A folder to descend into, and whether it holds a Maildir's messages (`cur/`, `new/`)."""

    path: Path
    messages: bool = False


_Item = MessageFile | _Folder | Problem


def is_maildir(path: Path) -> bool:
    """True if `path` has the `cur/` or `new/` subfolder of a Maildir."""
    return (path / "cur").is_dir() or (path / "new").is_dir()


_KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


@attrs.define
class _Walk:
    """What a walk has seen: folders and files by device and inode, so a loop ends."""

    root: str
    follow_links: bool
    seen: dict[tuple[int, int], str] = attrs.field(factory=dict)

    def problem(self, path: str | Path, what: str) -> Problem:
        return Problem(what=what, path=str(path))

    def first_visit(self, path: str | Path, st: os.stat_result, kind: str) -> Problem | None:
        key = (st.st_dev, st.st_ino)
        earlier = self.seen.get(key)
        if earlier is not None:
            what = f"same {kind} as {earlier} (reached again by a link): read once"
            return self.problem(path, what)
        self.seen[key] = str(path)
        return None

    def entry(self, entry: os.DirEntry[str]) -> tuple[str, os.stat_result] | Problem:
        """What an entry is ("dir" or "file", with its stat), or the Problem of skipping it."""
        try:
            st = entry.stat(follow_symlinks=False)
            if stat.S_ISLNK(st.st_mode):
                target = self._link_problem(entry.path)
                if target is not None:
                    return target
                st = os.stat(entry.path)
        except OSError as exc:
            return self.problem(entry.path, f"cannot read: {exc.strerror or exc}")
        if stat.S_ISDIR(st.st_mode):
            return "dir", st
        if stat.S_ISREG(st.st_mode):
            return "file", st
        kind = next((name for test, name in _KINDS if test(st.st_mode)), "not a regular file")
        return self.problem(entry.path, f"{kind}, not a message file: skipped")

    def _link_problem(self, path: str) -> Problem | None:
        try:
            os.stat(path)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                return self.problem(path, "symbolic link loop: not followed")
            if exc.errno == errno.ENOENT:
                return self.problem(path, "dangling symbolic link (its target does not exist)")
            return self.problem(path, f"cannot follow symbolic link: {exc.strerror or exc}")
        if self.follow_links:
            return None
        target = os.path.realpath(path)
        if target == self.root or target.startswith(self.root.rstrip(os.sep) + os.sep):
            return None
        return self.problem(
            path,
            f"symbolic link to {target}, outside {self.root}: not followed "
            "(follow_links=True follows it)",
        )

    def folder(self, folder: _Folder) -> list[_Item]:
        """The items of one folder, in the order they are read."""
        try:
            st = os.stat(folder.path)
            again = self.first_visit(folder.path, st, "folder")
            if again is not None:
                return [again]
            entries = sorted(os.scandir(folder.path), key=lambda e: e.name)
        except OSError as exc:
            return [self.problem(folder.path, f"cannot list folder: {exc.strerror or exc}")]
        kinds = {e.name: self.entry(e) for e in entries}
        if folder.messages:
            return self._items(entries, kinds, maildir=True, files=True)
        subdirs = {n for n, k in kinds.items() if not isinstance(k, Problem) and k[0] == "dir"}
        if not {"cur", "new"} & subdirs:
            return self._items(entries, kinds, maildir=False, files=True)
        # A Maildir: the messages of new/ and cur/ together by name, then its sub-folders.
        messages: list[_Item] = []
        for name in ("new", "cur"):
            if name in subdirs:
                messages.extend(self.folder(_Folder(path=folder.path / name, messages=True)))
        messages.sort(key=lambda i: os.path.basename(i.path))
        skip = {"cur", "new", "tmp"}
        rest = [e for e in entries if e.name not in skip]
        return messages + self._items(rest, kinds, maildir=False, files=False)

    def _items(
        self,
        entries: list[os.DirEntry[str]],
        kinds: dict[str, tuple[str, os.stat_result] | Problem],
        *,
        maildir: bool,
        files: bool,
    ) -> list[_Item]:
        items: list[_Item] = []
        for entry in entries:
            kind = kinds[entry.name]
            path = Path(entry.path)
            dot = entry.name.startswith(".")
            if isinstance(kind, Problem):
                if not dot:
                    items.append(kind)
                continue
            if kind[0] == "dir":
                if not dot or is_maildir(path):
                    items.append(_Folder(path=path))
            elif files and not dot:
                again = self.first_visit(path, kind[1], "file")
                items.append(again or MessageFile(path=path, maildir=maildir))
        return items


def walk(root: Path, *, follow_links: bool = False) -> Iterator[MessageFile | Problem]:
    """The message files under `root` in reading order, and a Problem for each path skipped.

    Iterative (a stack of folders, not recursion), so a deep tree cannot overflow the stack.
    """
    state = _Walk(root=os.path.realpath(root), follow_links=follow_links)
    stack: list[Iterator[_Item]] = [iter([_Folder(path=root)])]
    while stack:
        item = next(stack[-1], None)
        if item is None:
            stack.pop()
        elif isinstance(item, _Folder):
            stack.append(iter(state.folder(item)))
        else:
            yield item


def read_tree(
    root: Path,
    read_file: Callable[[MessageFile], Iterator[T]],
    *,
    follow_links: bool = False,
    full: Callable[[], str | None] = lambda: None,
) -> Iterator[T | Problem]:
    """The messages of every message file under `root`; a Problem for each one skipped.

    `full` is asked before each file: once it gives a reason (a size limit reached), no more
    files are read, and one Problem names the first file not read and how many follow it.
    Raises `ArchiveFormatError` if `root` cannot be listed, or is not a Maildir and holds no
    message file and nothing was skipped.
    """
    try:
        with os.scandir(root):
            pass
    except OSError as exc:  # the folder given, not one inside it: nothing can be read
        what = f"cannot list folder: {exc.strerror or exc}"
        raise ArchiveFormatError(what, path=str(root)) from exc
    found = False
    unread: list[MessageFile] = []
    why: str | None = None
    for item in walk(root, follow_links=follow_links):
        found = True
        if isinstance(item, Problem):
            yield item
            continue
        if unread or (why := full()) is not None:
            unread.append(item)
            continue
        yield from _read_one(item, read_file)
    if not found and not is_maildir(root):  # an empty Maildir is a mailbox with no mail yet
        raise ArchiveFormatError("folder holds no message files", path=str(root))
    if unread:
        yield Problem(
            what=f"not read: {why}; this file and the {len(unread) - 1:,} after it",
            path=str(unread[0].path),
        )


def _read_one(
    item: MessageFile, read_file: Callable[[MessageFile], Iterator[T]]
) -> Iterator[T | Problem]:
    try:
        yield from read_file(item)
    except ArchiveFormatError as exc:
        yield Problem(what=exc.what, path=exc.path, line=exc.line, offset=exc.offset)
    except OSError as exc:
        what = str(exc) if exc.strerror is None else exc.strerror
        yield Problem(what=f"cannot read file: {what}", path=str(item.path))
