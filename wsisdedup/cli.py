"""The `wsisdedup` command line: the only module that prints.

    wsisdedup stats ARCHIVE...                 messages, threads, problems, characters
    wsisdedup tree ARCHIVE...                  the thread tree: date, author, subject, evidence
    wsisdedup clean ARCHIVE... -o out.jsonl    one JSON object per message (or --format ...)
    wsisdedup fetch URL -o DIR                 a list's monthly archive files, from the web
    wsisdedup sync URL --db list.sqlite        fetch what changed and update a SQLite store

An ARCHIVE is a file, a folder, a list's archive URL (fetched first) or `-` (standard input).
Exit codes: 0 done, 1 done but some messages (or months) had problems, 2 unusable input or
output.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import BinaryIO, NoReturn, TextIO

from tqdm import tqdm

from wsisdedup import __version__, export
from wsisdedup.errors import OutputError, WsisdedupError
from wsisdedup.export.atomic import archive_inputs, check_target, replacing_text
from wsisdedup.export.jsonl import write_jsonl
from wsisdedup.fetch import Politeness, ProgressEvent, fetch
from wsisdedup.model import Archive, Message, Stage, StageProgress
from wsisdedup.pipeline import read_many
from wsisdedup.store import SyncReport, sync, update

__all__ = ["main"]

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_UNUSABLE = 2


class _StageBars:
    """One progress bar per stage on standard error (`StageProgress`): count, rate and time
    left where the stage knows its total. Drawn by tqdm, only on a terminal, and only once a
    stage has run for a second (short runs and pipes stay quiet).

    Stages may overlap: with workers, segmenting goes on while matching takes the messages
    already segmented, so each stage has its own bar, one line each.
    """

    def __init__(self, stream: TextIO, *, delay: float = 1.0) -> None:
        self.stream = stream
        self.enabled = stream.isatty()
        self.delay = delay
        self.bars: dict[Stage, tqdm[NoReturn]] = {}

    def __call__(self, event: StageProgress) -> None:
        if not self.enabled:
            return
        bar = self.bars.get(event.stage)
        if bar is None:
            # A new stage ends the ones that are done, and those that cannot tell (no total).
            for stage, old in list(self.bars.items()):
                if old.total is None or old.n >= old.total:
                    old.close()
                    del self.bars[stage]
            bar = tqdm(
                desc=event.stage.value,
                total=event.total,
                unit="B" if event.unit == "bytes" else " msg",
                unit_scale=event.unit == "bytes",
                file=self.stream,
                leave=False,
                delay=self.delay,
                mininterval=0.2,
                dynamic_ncols=True,
                position=len(self.bars),
            )
            self.bars[event.stage] = bar
        if event.done > bar.n:
            bar.update(event.done - bar.n)

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()
        self.bars.clear()

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """The writing stage: its time, shown while an exporter runs."""
        self(StageProgress(stage=Stage.WRITING, done=0))
        try:
            yield
        finally:
            self.close()


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def _bars(args: argparse.Namespace) -> _StageBars:
    bars = _StageBars(sys.stderr)
    bars.enabled = bars.enabled and not args.quiet
    return bars


def _read(args: argparse.Namespace) -> Archive:
    sources = _sources(args.archives)
    bars = _bars(args)
    try:
        archive = read_many(
            sources,
            format=args.input_format,
            on_progress=bars,
            follow_links=args.follow_links,
            workers=args.workers,
        )
    finally:
        bars.close()
    if not archive.stats.messages_read:
        _report_problems(archive)
        raise WsisdedupError(f"no message could be read from {', '.join(args.archives)}")
    return archive


def _is_url(text: str) -> bool:
    return text.startswith(("http://", "https://"))


def _sources(paths: Sequence[str]) -> list[str | BinaryIO]:
    """Each input as `read_many` takes it: a path, standard input for `-`, and for a URL the
    files fetched from it (into the user's cache folder, so a second run only asks what
    changed)."""
    out: list[str | BinaryIO] = []
    for p in paths:
        if p == "-":
            out.append(sys.stdin.buffer)
        elif _is_url(p):
            report = fetch(p, _cache_folder(p), on_progress=_fetch_progress())
            print(f"wsisdedup: {report.summary()}", file=sys.stderr)
            if not report.paths:
                raise WsisdedupError(f"{p}: nothing could be fetched")
            out.extend(str(f) for f in report.paths)
        else:
            out.append(p)
    return out


def _cache_folder(url: str) -> Path:
    """Where files fetched for a URL given as input are kept: one folder per URL."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "wsisdedup"
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", url.split("://", 1)[-1]).strip("_")[:120]
    return base / "fetch" / name


def _fetch_progress() -> Callable[[ProgressEvent], None] | None:
    """A line per file on a terminal; nothing when standard error is a file or a pipe."""
    if not sys.stderr.isatty():
        return None

    def show(event: ProgressEvent) -> None:
        print(f"wsisdedup: {event}", file=sys.stderr)

    return show


def _report_problems(archive: Archive) -> int:
    for p in archive.problems:
        print(f"wsisdedup: problem: {p}", file=sys.stderr)
    return EXIT_PROBLEMS if archive.problems else EXIT_OK


def _cmd_stats(args: argparse.Namespace) -> int:
    archive = _read(args)
    stats = archive.stats.as_dict()
    if args.json:
        print(json.dumps(stats, indent=2))
    else:
        width = max(len(k) for k in stats)
        for key, value in stats.items():
            shown = f"{value:,}" if isinstance(value, int) else str(value)
            print(f"{key:<{width}}  {shown}")
    return _report_problems(archive)


def _share_new(m: Message) -> str:
    if not m.body.strip():
        return "  -"
    return f"{100 * len(m.new_text) / max(1, len(m.body.strip())):3.0f}%"


def _cmd_tree(args: argparse.Namespace) -> int:
    archive = _read(args)
    for thread in archive.threads:
        for node in thread.walk():
            m = archive.get(node.id)
            if m is None:
                continue
            date = m.date.strftime("%Y-%m-%d %H:%M") if m.date else "????-??-?? ??:??"
            author = m.author.name or m.author.address or "(unknown)"
            evidence = f"[{m.parent_evidence.value}]" if m.parent_evidence else ""
            indent = "  " * node.depth
            print(f"{date}  {_share_new(m)} new  {indent}{author}: {m.subject} {evidence}".rstrip())
        print()
    return _report_problems(archive)


def _cmd_clean(args: argparse.Namespace) -> int:
    if args.db is not None:
        return _clean_into_store(args)
    fmt = args.format or _format_of(args.output)
    if args.output == "-" and fmt not in _TEXT_WRITERS:
        print(f"wsisdedup: --format {fmt} writes a file: give -o PATH", file=sys.stderr)
        return EXIT_UNUSABLE
    if args.output != "-":
        # Refuse a bad output (a folder, a device, one of the inputs, an export that exists
        # and no --force) before the reading.
        target = check_target(args.output, inputs=args.archives)
        if target.exists() and not args.force:
            raise OutputError("exists; give --force to replace it", path=args.output)
    archive = _read(args)
    log.info("read %d messages, writing %s", archive.stats.messages_read, fmt)
    with _bars(args).writing():
        _write(archive, fmt, args)
    return _report_problems(archive)


def _write(archive: Archive, fmt: str, args: argparse.Namespace) -> None:
    if fmt == "jsonl":
        if args.output == "-":
            write_jsonl(archive, sys.stdout, with_body=args.with_body)
        else:
            with replacing_text(args.output, inputs=archive_inputs(archive)) as out:
                write_jsonl(archive, out, with_body=args.with_body)
    elif args.output != "-":
        export.FORMATS[fmt](archive, args.output)
    else:
        _TEXT_WRITERS[fmt](archive, sys.stdout)


# The format a file name asks for, when --format does not say.
_SUFFIXES = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".sqlite": "sqlite",
    ".sqlite3": "sqlite",
    ".db": "sqlite",
    ".parquet": "parquet",
}


def _format_of(output: str) -> str:
    """The format of `-o`'s file name (JSON Lines for standard output or an unknown name)."""
    return _SUFFIXES.get(Path(output).suffix.lower(), "jsonl")


# Formats that can go to standard output (the others are databases or binary files).
_TEXT_WRITERS: dict[str, Callable[[Archive, TextIO], object]] = {
    "jsonl": export.write_jsonl,
    "json": export.write_json_tree,
    "markdown": export.write_markdown,
    "html": export.write_html,
}


def _cmd_fetch(args: argparse.Namespace) -> int:
    politeness = Politeness(min_interval=args.min_interval)
    report = fetch(
        args.url,
        args.output,
        since=args.since,
        until=args.until,
        kind=args.kind,
        politeness=politeness,
        on_progress=_fetch_progress(),
    )
    print(report.summary())
    for failure in report.failed:
        print(f"wsisdedup: problem: {failure}", file=sys.stderr)
    return EXIT_OK if report.ok else EXIT_PROBLEMS


def _add_fetch(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    p_fetch = sub.add_parser(
        "fetch",
        parents=[common],
        help="download a list's monthly archive files from its web address",
        description="Download a list's archive (Mailman 2 pipermail, Mailman 3 HyperKitty, "
        "public-inbox) into a folder; a second run fetches only what changed.",
    )
    p_fetch.add_argument("url", metavar="URL", help="the list's archive address")
    p_fetch.add_argument("-o", "--output", required=True, metavar="DIR", help="folder to fill")
    _add_web_archive_options(p_fetch)
    p_fetch.set_defaults(func=_cmd_fetch)


def _add_web_archive_options(p: argparse.ArgumentParser) -> None:
    """The options of `fetch` and `sync`: which months, which kind of archive, how politely."""
    p.add_argument("--since", metavar="YYYY-MM", help="first month to fetch")
    p.add_argument("--until", metavar="YYYY-MM", help="last month to fetch")
    p.add_argument(
        "--kind", choices=("pipermail", "hyperkitty", "publicinbox"), help="skip detection"
    )
    p.add_argument(
        "--min-interval",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="at least this long between two requests (default 1)",
    )


def _clean_into_store(args: argparse.Namespace) -> int:
    """`clean ARCHIVE... --db STORE`: bring a store up to date with archive files."""
    for p in args.archives:
        if p == "-" or _is_url(p) or Path(p).is_dir():
            hint = " (for a list's address: wsisdedup sync URL --db STORE)" if _is_url(p) else ""
            raise WsisdedupError(f"{p}: --db takes archive files{hint}")
    check_target(args.db, inputs=args.archives)
    report = update(args.db, args.archives, format=args.input_format, per_commit=args.per_commit)
    return _store_done(report)


def _store_done(report: SyncReport) -> int:
    print(report.summary())
    for failure in report.failed:
        print(f"wsisdedup: problem: {failure}", file=sys.stderr)
    return EXIT_OK if report.ok and not report.problems else EXIT_PROBLEMS


def _cmd_sync(args: argparse.Namespace) -> int:
    check_target(args.db)
    report = sync(
        args.url,
        args.db,
        files_dir=args.files,
        since=args.since,
        until=args.until,
        kind=args.kind,
        politeness=Politeness(min_interval=args.min_interval),
        on_progress=_fetch_progress(),
        per_commit=args.per_commit,
    )
    return _store_done(report)


def _add_sync(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    p = sub.add_parser(
        "sync",
        parents=[common],
        help="fetch what changed of a list's archive and update a SQLite store in place",
        description="Fetch a list's archive (as `fetch` does) and build or update a SQLite "
        "store: one transaction per new or changed month; an interrupted run resumes.",
    )
    p.add_argument("url", metavar="URL", help="the list's archive address")
    p.add_argument("--db", required=True, metavar="STORE", help="the SQLite store to update")
    p.add_argument(
        "--files", metavar="DIR", help="where the fetched files are kept (default: STORE.files)"
    )
    _add_web_archive_options(p)
    _add_per_commit(p)
    p.set_defaults(func=_cmd_sync)


def _add_db(p: argparse.ArgumentParser) -> None:
    """`clean --db STORE`: the files go into a store instead of an export."""
    p.add_argument(
        "--db", metavar="STORE", help="update this SQLite store with the files instead (-o unused)"
    )
    _add_per_commit(p)


def _add_per_commit(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--per-commit",
        type=_positive,
        default=1,
        metavar="N",
        help="months (files) per transaction (default 1; more: a faster first build)",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wsisdedup",
        description="Turn mailing-list archives into a clean, canonical message tree.",
    )
    parser.add_argument("--version", action="version", version=f"wsisdedup {__version__}")
    # -v / -q, accepted after any sub-command.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "-v", "--verbose", action="count", default=0, help="say more (-vv: debugging detail)"
    )
    common.add_argument(
        "-q", "--quiet", action="store_true", help="errors only: no progress, no warnings"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text, parents=[common])
        p.add_argument(
            "archives",
            nargs="+",
            metavar="ARCHIVE",
            help="archive files or folders, a list's archive URL (fetched first), or - for stdin",
        )
        p.add_argument(
            "--input-format",
            choices=("mbox", "pipermail", "maildir", "eml", "text-dump"),
            default=None,
            help="skip sniffing and read the input as this format",
        )
        p.add_argument(
            "--follow-links",
            action="store_true",
            help="in folders, follow symbolic links that lead outside the folder given",
        )
        p.add_argument(
            "--workers",
            type=_positive,
            default=os.cpu_count() or 1,
            metavar="N",
            help="processes that segment the messages of a large archive (default: the cores)",
        )
        return p

    p_stats = add("stats", "messages, threads, problems and characters of archives")
    p_stats.add_argument("--json", action="store_true", help="print the figures as JSON")
    p_stats.set_defaults(func=_cmd_stats)

    p_tree = add("tree", "print the thread tree: date, share new, author, subject, evidence")
    p_tree.set_defaults(func=_cmd_tree)

    p_clean = add("clean", "write the canonical messages (JSON Lines by default)")
    p_clean.add_argument("-o", "--output", default="-", help="output file ('-': stdout)")
    p_clean.add_argument(
        "--format",
        choices=sorted(export.FORMATS),
        default=None,
        help="output format (default: from the -o file name's ending, else jsonl)",
    )
    p_clean.add_argument("--force", action="store_true", help="replace an existing output file")
    p_clean.add_argument(
        "--with-body", action="store_true", help="jsonl: also each message's whole body"
    )
    _add_db(p_clean)
    p_clean.set_defaults(func=_cmd_clean)

    _add_fetch(sub, common)
    _add_sync(sub, common)
    return parser


def _configure_logging(args: argparse.Namespace) -> None:
    """Warnings by default; -v info, -vv debug; -q errors only. Only the command line
    configures logging: the library only logs (docs/architecture.md)."""
    if args.quiet:
        level = logging.ERROR
    elif args.verbose >= 2:
        level = logging.DEBUG
    elif args.verbose == 1:
        level = logging.INFO
    else:
        level = logging.WARNING
    logging.basicConfig(level=level, format="wsisdedup: %(levelname)s: %(message)s", force=True)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    _configure_logging(args)
    try:
        code: int = args.func(args)
    except WsisdedupError as exc:
        print(f"wsisdedup: error: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    except BrokenPipeError:  # pragma: no cover - e.g. `wsisdedup tree x | head`
        return EXIT_OK
    except OSError as exc:
        print(f"wsisdedup: error: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    return code
