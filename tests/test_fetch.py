"""wsisdedup.fetch against a real HTTP server on 127.0.0.1 serving each archive kind's layout.

The files served are cut from the bundled archives in examples/data/: the fedora-devel
pipermail month is split by day into three fake "months", the 3GPP mbox into three HyperKitty
month exports and a public-inbox thread and search result. After every fetch, the files on
disk are read with `wsisdedup.read` and must hold as many messages as the pieces served.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import gzip
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import attrs
import pytest
from fetch_server import ArchiveServer, Resource

import wsisdedup
from wsisdedup.errors import WsisdedupError
from wsisdedup.fetch import (
    FetchError,
    FetchReport,
    Politeness,
    ProgressEvent,
    UnsupportedArchiveError,
    fetch,
    pipermail,
    publicinbox,
)
from wsisdedup.fetch.http import HttpClient, parse_retry_after
from wsisdedup.fetch.months import month_range, next_month
from wsisdedup.fetch.run import kind_from_url

DATA = Path(__file__).resolve().parent.parent / "examples" / "data"
FAST = Politeness(min_interval=0.0, max_retries=3, backoff=0.5, timeout=10.0)
LIST = "evs@lists.example.org"
PIPER_MONTHS = {"2010-01": "January", "2010-02": "February", "2010-03": "March"}
HK_MONTHS = ("2021-06", "2021-07", "2021-08")
MSGID = "thread-root@example.org"

_ENVELOPE = re.compile(rb"^From \S+ +\w{3} \w{3} +(\d+) \d\d:\d\d:\d\d \d{4}\s*$")


def _split_mbox(raw: bytes) -> list[bytes]:
    """Messages of an mbox / pipermail text, cut at envelope `From ` lines."""
    messages: list[list[bytes]] = []
    for line in raw.splitlines(keepends=True):
        if _ENVELOPE.match(line) or not messages:
            messages.append([])
        messages[-1].append(line)
    return [b"".join(m) for m in messages]


def _count(path: Path) -> int:
    return len(wsisdedup.read(path).messages)


@attrs.frozen
class Corpus:
    piper: dict[str, bytes]
    """month -> the pipermail text of that fake month"""
    piper_counts: dict[str, int]
    hk: dict[str, bytes]
    hk_counts: dict[str, int]
    thread: bytes
    thread_count: int
    search: bytes
    search_count: int


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    work = tmp_path_factory.mktemp("corpus")
    fedora = _split_mbox(gzip.decompress((DATA / "fedora-devel-2010-January.txt.gz").read_bytes()))
    piper: dict[str, list[bytes]] = {m: [] for m in PIPER_MONTHS}
    for message in fedora:
        match = _ENVELOPE.match(message.split(b"\n", 1)[0] + b"\n")
        day = int(match.group(1)) if match else 1
        # the month covers 31 Dec - 9 Jan: days 31 and 1-4, 5-6, 7-9 make three fake months
        month = "2010-01" if day in (31, 1, 2, 3, 4) else "2010-02" if day <= 6 else "2010-03"
        piper[month].append(message)
    gpp = _split_mbox((DATA / "3gpp-sa-wg4-evs.mbox").read_bytes())
    third = len(gpp) // 3
    hk = {
        HK_MONTHS[0]: gpp[:third],
        HK_MONTHS[1]: gpp[third : 2 * third],
        HK_MONTHS[2]: gpp[2 * third :],
    }

    def counted(name: str, data: bytes) -> int:
        path = work / name
        path.write_bytes(data)
        return _count(path)

    piper_text = {m: b"".join(v) for m, v in piper.items()}
    hk_text = {m: b"".join(v) for m, v in hk.items()}
    thread, search = b"".join(gpp[:7]), b"".join(gpp[10:22])
    return Corpus(
        piper=piper_text,
        piper_counts={m: counted(f"p-{m}.txt", t) for m, t in piper_text.items()},
        hk=hk_text,
        hk_counts={m: counted(f"h-{m}.mbox", t) for m, t in hk_text.items()},
        thread=thread,
        thread_count=counted("thread.mbox", thread),
        search=search,
        search_count=counted("search.mbox", search),
    )


def _piper_index(months: dict[str, str], extra_txt: str | None = None) -> bytes:
    rows = "".join(
        f"<tr><td>{name} {month[:4]}:</td>"
        f'<td><A href="{month[:4]}-{name}/thread.html">[ Thread ]</a></td>'
        f'<td><A href="{month[:4]}-{name}.txt.gz">[ Gzip\'d Text 1 KB ]</a></td></tr>\n'
        for month, name in sorted(months.items(), reverse=True)
    )
    if extra_txt is not None:
        rows += f'<tr><td><a href="{extra_txt}">[ Text ]</a></td></tr>\n'
    return (
        "<html><head><title>The Evs Archives</title></head><body>"
        "<h1>The Evs Archives</h1><table border=3>"
        "<tr><td>Archive</td><td>View by:</td><td>Downloadable version</td></tr>\n"
        f"{rows}</table></body></html>"
    ).encode()


def _serve_pipermail(server: ArchiveServer, corpus: Corpus, prefix: str = "/pipermail/evs") -> None:
    server.resources[f"{prefix}/"] = Resource(_piper_index(PIPER_MONTHS), "text/html")
    for month, name in PIPER_MONTHS.items():
        server.resources[f"{prefix}/{month[:4]}-{name}.txt.gz"] = Resource(
            gzip.compress(corpus.piper[month]),
            "application/x-gzip",
            etag=f'"{month}-v1"',
            last_modified="Mon, 01 Feb 2010 00:00:00 GMT",
        )


def _serve_hyperkitty(server: ArchiveServer, corpus: Corpus) -> str:
    base = f"/hyperkitty/list/{LIST}/"
    links = "".join(
        f'<li><a href="/hyperkitty/list/{LIST}/{m[:4]}/{int(m[5:])}/">{m}</a></li>'
        for m in HK_MONTHS
    )
    page = (
        '<html><head><link rel="stylesheet" href="/static/hyperkitty/css/hyperkitty.css">'
        f"</head><body><ul class='archives'>{links}</ul></body></html>"
    )
    server.resources[base] = Resource(page.encode(), "text/html")
    for month in HK_MONTHS:
        server.resources[f"{base}export/{LIST}-{month}.mbox.gz"] = Resource(
            gzip.compress(corpus.hk[month]), "application/gzip"
        )
    return base


@pytest.fixture
def server() -> Iterator[ArchiveServer]:
    srv = ArchiveServer()
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


class Sleeps:
    """An injected sleep: records each wait instead of waiting."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def _fetch(url: str, out: Path, **kwargs: object) -> FetchReport:
    kwargs.setdefault("politeness", FAST)
    kwargs.setdefault("sleep", Sleeps())
    return fetch(url, out, **kwargs)  # type: ignore[arg-type]


def _assert_counts(report: FetchReport, counts: dict[str, int]) -> None:
    on_disk = {f.month: f.path for f in report.new + report.unchanged}
    assert set(on_disk) == set(counts)
    for month, path in on_disk.items():
        assert month is not None
        assert path.exists()
        assert _count(path) == counts[month], month


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


# --- pipermail ------------------------------------------------------------------------------


def test_pipermail_fetches_the_months_in_range(
    server: ArchiveServer, corpus: Corpus, tmp_path: Path
) -> None:
    _serve_pipermail(server, corpus)
    report = _fetch(f"{server.url}/pipermail/evs/", tmp_path, since="2010-02", until="2010-03")
    assert report.kind == "pipermail"
    assert report.ok and not report.unchanged
    assert [p.name for p in report.paths] == ["2010-February.txt.gz", "2010-March.txt.gz"]
    _assert_counts(report, {m: corpus.piper_counts[m] for m in ("2010-02", "2010-03")})
    assert not server.seen("/pipermail/evs/2010-January.txt.gz")
    assert all(r.headers["User-Agent"].startswith("wsisdedup/") for r in server.requests)
    everything = wsisdedup.read_many(list(report.paths))
    assert (
        len(everything.messages) == corpus.piper_counts["2010-02"] + corpus.piper_counts["2010-03"]
    )


def test_pipermail_all_months_add_up_to_the_original(
    server: ArchiveServer, corpus: Corpus, tmp_path: Path
) -> None:
    _serve_pipermail(server, corpus)
    report = _fetch(f"{server.url}/pipermail/evs/2010-January/thread.html", tmp_path)
    _assert_counts(report, corpus.piper_counts)
    total = _count(DATA / "fedora-devel-2010-January.txt.gz")
    assert sum(corpus.piper_counts.values()) == total
    assert len(wsisdedup.read_many(list(report.paths)).messages) == total


def test_a_missing_month_is_reported_and_the_others_fetched(
    server: ArchiveServer, corpus: Corpus, tmp_path: Path
) -> None:
    _serve_pipermail(server, corpus)
    del server.resources["/pipermail/evs/2010-February.txt.gz"]
    report = _fetch(f"{server.url}/pipermail/evs/", tmp_path)
    assert [(f.month, f.status) for f in report.failed] == [("2010-02", 404)]
    assert "404" in report.failed[0].reason
    _assert_counts(report, {m: corpus.piper_counts[m] for m in ("2010-01", "2010-03")})
    assert len(server.seen("/pipermail/evs/2010-February.txt.gz")) == 1  # 404 is not retried
    assert not (tmp_path / "2010-February.txt.gz").exists()


def test_a_server_error_is_retried_with_back_off(
    server: ArchiveServer, corpus: Corpus, tmp_path: Path
) -> None:
    _serve_pipermail(server, corpus)
    path = "/pipermail/evs/2010-January.txt.gz"
    server.faults[path] = ["500", "500"]
    sleeps = Sleeps()
    events: list[ProgressEvent] = []
    report = _fetch(
        f"{server.url}/pipermail/evs/", tmp_path, sleep=sleeps, on_progress=events.append
    )
    assert report.ok
    _assert_counts(report, corpus.piper_counts)
    assert len(server.seen(path)) == 3
    assert sleeps.waits == [0.5, 1.0]  # FAST.backoff, doubled
    retries = [e for e in events if e.kind == "retry"]
    assert [e.wait for e in retries] == [0.5, 1.0] and "500" in retries[0].message


def test_too_many_requests_honours_retry_after(
    server: ArchiveServer, corpus: Corpus, tmp_path: Path
) -> None:
    _serve_pipermail(server, corpus)
    path = "/pipermail/evs/2010-March.txt.gz"
    server.faults[path] = ["429:1"]
    sleeps = Sleeps()
    report = _fetch(f"{server.url}/pipermail/evs/", tmp_path, sleep=sleeps)
    assert report.ok
    assert sleeps.waits == [1.0]
    assert len(server.seen(path)) == 2
    _assert_counts(report, corpus.piper_counts)


def test_a_retry_after_over_the_cap_fails_the_file_instead_of_hammering(
    server: ArchiveServer, corpus: Corpus, tmp_path: Path
) -> None:
    _serve_pipermail(server, corpus)
    path = "/pipermail/evs/2010-March.txt.gz"
    server.faults[path] = ["429:3600"]
    sleeps = Sleeps()
    report = _fetch(f"{server.url}/pipermail/evs/", tmp_path, sleep=sleeps)
    assert [f.month for f in report.failed] == ["2010-03"]
    assert "3600" in report.failed[0].reason and sleeps.waits == []
    assert len(server.seen(path)) == 1


def test_retry_after_as_an_http_date() -> None:
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("Thu, 01 Jan 2026 12:00:30 GMT", now) == 30.0
    assert parse_retry_after("Thu, 01 Jan 2026 11:00:00 GMT", now) == 0.0
    assert parse_retry_after("7", now) == 7.0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None


def test_a_connection_cut_mid_file_leaves_nothing_that_looks_whole(
    server: ArchiveServer, corpus: Corpus, tmp_path: Path
) -> None:
    _serve_pipermail(server, corpus)
    path = "/pipermail/evs/2010-February.txt.gz"
    server.faults[path] = ["cut"] * 4  # more cuts than tries
    report = _fetch(f"{server.url}/pipermail/evs/", tmp_path)
    assert [f.month for f in report.failed] == ["2010-02"]
    assert "gave up after 4 tries" in report.failed[0].reason
    assert len(server.seen(path)) == 4
    assert not (tmp_path / "2010-February.txt.gz").exists()
    assert _leftovers(tmp_path) == []
    _assert_counts(report, {m: corpus.piper_counts[m] for m in ("2010-01", "2010-03")})

    again = _fetch(f"{server.url}/pipermail/evs/", tmp_path)
    assert again.ok
    assert [f.month for f in again.new] == ["2010-02"]
    assert sorted(f.month or "" for f in again.unchanged) == ["2010-01", "2010-03"]
    _assert_counts(again, corpus.piper_counts)


def test_one_cut_is_retried_within_the_run(
    server: ArchiveServer, corpus: Corpus, tmp_path: Path
) -> None:
    _serve_pipermail(server, corpus)
    server.faults["/pipermail/evs/2010-January.txt.gz"] = ["cut"]
    report = _fetch(f"{server.url}/pipermail/evs/", tmp_path)
    assert report.ok
    _assert_counts(report, corpus.piper_counts)


def test_a_truncated_gzip_is_rejected_not_kept(
    server: ArchiveServer, corpus: Corpus, tmp_path: Path
) -> None:
    _serve_pipermail(server, corpus)
    path = "/pipermail/evs/2010-March.txt.gz"
    server.faults[path] = ["truncate"]
    report = _fetch(f"{server.url}/pipermail/evs/", tmp_path)
    assert [f.month for f in report.failed] == ["2010-03"]
    assert "gzip" in report.failed[0].reason
    assert not (tmp_path / "2010-March.txt.gz").exists()
    assert not (tmp_path / ".wsisdedup-fetch" / "2010-March.txt.gz.json").exists()
    assert _leftovers(tmp_path) == []

    again = _fetch(f"{server.url}/pipermail/evs/", tmp_path)
    assert [f.month for f in again.new] == ["2010-03"]
    _assert_counts(again, corpus.piper_counts)


def test_an_unchanged_month_is_asked_for_conditionally_and_not_rewritten(
    server: ArchiveServer, corpus: Corpus, tmp_path: Path
) -> None:
    _serve_pipermail(server, corpus)
    first = _fetch(f"{server.url}/pipermail/evs/", tmp_path)
    assert len(first.new) == 3
    stats = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in first.paths}
    # one month changes on the server: a new ETag and more content
    changed = "/pipermail/evs/2010-March.txt.gz"
    grown = corpus.piper["2010-03"] + corpus.piper["2010-01"]
    server.resources[changed] = Resource(
        gzip.compress(grown), etag='"2010-03-v2"', last_modified="Mon, 01 Mar 2010 00:00:00 GMT"
    )
    server.requests.clear()

    second = _fetch(f"{server.url}/pipermail/evs/", tmp_path)
    assert sorted(f.month or "" for f in second.unchanged) == ["2010-01", "2010-02"]
    assert [f.month for f in second.new] == ["2010-03"]
    etags = {f"/pipermail/evs/{m[:4]}-{n}.txt.gz": f'"{m}-v1"' for m, n in PIPER_MONTHS.items()}
    files = [r for r in server.requests if r.path.endswith(".txt.gz")]
    assert len(files) == 3
    for request in files:
        assert request.headers["If-None-Match"] == etags[request.path]
        assert request.headers["If-Modified-Since"] == "Mon, 01 Feb 2010 00:00:00 GMT"
    for path in second.paths:
        if path.name != "2010-March.txt.gz":
            assert (path.stat().st_ino, path.stat().st_mtime_ns) == stats[path]
    assert (
        _count(tmp_path / "2010-March.txt.gz")
        == corpus.piper_counts["2010-03"] + corpus.piper_counts["2010-01"]
    )


def test_last_modified_alone_gives_a_304(
    server: ArchiveServer, corpus: Corpus, tmp_path: Path
) -> None:
    _serve_pipermail(server, corpus)
    for resource in server.resources.values():
        resource.etag = None
    _fetch(f"{server.url}/pipermail/evs/", tmp_path, since="2010-01", until="2010-01")
    server.requests.clear()
    again = _fetch(f"{server.url}/pipermail/evs/", tmp_path, since="2010-01", until="2010-01")
    assert len(again.unchanged) == 1 and not again.new
    (request,) = server.seen("/pipermail/evs/2010-January.txt.gz")
    assert "If-None-Match" not in request.headers
    assert request.headers["If-Modified-Since"] == "Mon, 01 Feb 2010 00:00:00 GMT"


def test_a_deleted_file_is_fetched_again_not_taken_as_unchanged(
    server: ArchiveServer, corpus: Corpus, tmp_path: Path
) -> None:
    _serve_pipermail(server, corpus)
    _fetch(f"{server.url}/pipermail/evs/", tmp_path)
    (tmp_path / "2010-January.txt.gz").unlink()
    again = _fetch(f"{server.url}/pipermail/evs/", tmp_path)
    assert [f.month for f in again.new] == ["2010-01"]
    _assert_counts(again, corpus.piper_counts)


def test_the_kind_is_detected_from_the_page_when_the_url_does_not_say(
    server: ArchiveServer, corpus: Corpus, tmp_path: Path
) -> None:
    _serve_pipermail(server, corpus, prefix="/archives/evs")
    report = _fetch(f"{server.url}/archives/evs/", tmp_path, until="2010-01")
    assert report.kind == "pipermail"
    _assert_counts(report, {"2010-01": corpus.piper_counts["2010-01"]})


def test_progress_events_per_file_and_overall(
    server: ArchiveServer, corpus: Corpus, tmp_path: Path
) -> None:
    _serve_pipermail(server, corpus)
    events: list[ProgressEvent] = []
    _fetch(f"{server.url}/pipermail/evs/", tmp_path, on_progress=events.append)
    kinds = [e.kind for e in events]
    assert kinds[0] == "start" and kinds[-1] == "finished"
    assert kinds.count("start") == kinds.count("new") == 3
    assert "bytes" in kinds
    done = [e for e in events if e.kind == "new"]
    assert [e.files_done for e in done] == [0, 1, 2] and {e.files_total for e in done} == {3}
    assert all(e.bytes_done == e.bytes_total for e in done)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        events[0].name = "x"  # type: ignore[misc]


def test_requests_are_spaced_by_the_minimum_interval(server: ArchiveServer) -> None:
    server.resources["/p"] = Resource(b"page", "text/plain")
    sleeps = Sleeps()
    with HttpClient(Politeness(min_interval=2.0), sleep=sleeps, clock=lambda: 100.0) as client:
        for _ in range(3):
            assert client.get_text(f"{server.url}/p")[1] == "page"
    assert sleeps.waits == [2.0, 2.0]


def test_bad_arguments_raise_library_errors(tmp_path: Path) -> None:
    with pytest.raises(FetchError):
        fetch("http://127.0.0.1:9/pipermail/x/", tmp_path, since="2010-13")
    with pytest.raises(WsisdedupError):
        fetch("http://127.0.0.1:9/x/", tmp_path, kind="gopher")  # type: ignore[arg-type]


def test_an_unreadable_index_raises(server: ArchiveServer, tmp_path: Path) -> None:
    with pytest.raises(FetchError, match="404"):
        _fetch(f"{server.url}/pipermail/nothing/", tmp_path)


# --- HyperKitty -----------------------------------------------------------------------------


def test_hyperkitty_months_from_the_list_page_as_mbox_exports(
    server: ArchiveServer, corpus: Corpus, tmp_path: Path
) -> None:
    base = _serve_hyperkitty(server, corpus)
    report = _fetch(f"{server.url}{base}", tmp_path, since="2021-07")
    assert report.kind == "hyperkitty" and report.ok
    _assert_counts(report, {m: corpus.hk_counts[m] for m in HK_MONTHS[1:]})
    exports = [r for r in server.requests if "/export/" in r.path]
    assert [(r.path.rsplit("/", 1)[-1], r.query) for r in exports] == [
        (f"{LIST}-2021-07.mbox.gz", "start=2021-07-01&end=2021-08-01"),
        (f"{LIST}-2021-08.mbox.gz", "start=2021-08-01&end=2021-09-01"),
    ]


def test_hyperkitty_exports_without_validators_are_not_rewritten_when_the_same(
    server: ArchiveServer, corpus: Corpus, tmp_path: Path
) -> None:
    base = _serve_hyperkitty(server, corpus)
    first = _fetch(f"{server.url}{base}", tmp_path)
    stats = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in first.paths}
    june = f"{base}export/{LIST}-2021-06.mbox.gz"
    server.resources[june] = Resource(gzip.compress(corpus.hk["2021-06"] + corpus.hk["2021-07"]))
    second = _fetch(f"{server.url}{base}", tmp_path)
    assert [f.month for f in second.new] == ["2021-06"]
    assert sorted(f.month or "" for f in second.unchanged) == ["2021-07", "2021-08"]
    for path in second.paths[1:]:
        assert (path.stat().st_ino, path.stat().st_mtime_ns) == stats[path]
    assert _count(second.paths[0]) == corpus.hk_counts["2021-06"] + corpus.hk_counts["2021-07"]
    assert _leftovers(tmp_path) == []


def test_hyperkitty_month_urls_and_archives_prefix(
    server: ArchiveServer, corpus: Corpus, tmp_path: Path
) -> None:
    base = _serve_hyperkitty(server, corpus)
    # a month page's URL leads to the same list; the whole archive adds up to the mbox
    report = _fetch(f"{server.url}{base}2021/7/", tmp_path)
    _assert_counts(report, corpus.hk_counts)
    assert sum(corpus.hk_counts.values()) == _count(DATA / "3gpp-sa-wg4-evs.mbox")


def test_hyperkitty_with_a_disabled_export_and_no_api_is_reported_clearly(
    server: ArchiveServer, corpus: Corpus, tmp_path: Path
) -> None:
    base = _serve_hyperkitty(server, corpus)
    for month in HK_MONTHS:
        server.faults[f"{base}export/{LIST}-{month}.mbox.gz"] = ["400"] * 2
    report = _fetch(f"{server.url}{base}", tmp_path)
    assert not report.new and len(report.failed) == 3
    for failure in report.failed:
        assert "refuses the mbox export" in failure.reason
        assert "REST API fallback failed too: HTTP 404" in failure.reason
    assert len([r for r in server.requests if "/export/" in r.path]) == 1
    assert len(server.seen(f"/hyperkitty/api/list/{LIST}/emails/")) == 1
    off = _fetch(f"{server.url}{base}", tmp_path / "off", rest_fallback=False)
    assert len(off.failed) == 3
    assert all("REST API fallback off" in f.reason for f in off.failed)


def _serve_rest_api(server: ArchiveServer, corpus: Corpus, page_size: int = 7) -> dict[str, int]:
    """The 3GPP pieces as HyperKitty's REST API: each piece's messages dated in its month."""
    api = f"/hyperkitty/api/list/{LIST}/emails/"
    entries: list[dict[str, object]] = []
    hashes: dict[str, str] = {}
    counts: dict[str, int] = {}
    for month in HK_MONTHS:
        for number, raw in enumerate(_split_mbox(corpus.hk[month])):
            msg = email.message_from_bytes(raw.split(b"\n", 1)[1], policy=email.policy.default)
            mid = str(msg["Message-ID"] or f"<none-{month}-{number}@x>").strip().strip("<>")
            key = f"H{len(entries):04d}"
            hashes[mid] = key
            body = msg.get_body(("plain",)) if msg.is_multipart() else msg
            name, address = email.utils.parseaddr(str(msg["From"] or ""))
            parent = str(msg["In-Reply-To"] or "").strip().strip("<>")
            entries.append(
                {
                    "url": f"{server.url}/hyperkitty/api/list/{LIST}/email/{key}/",
                    "message_id": mid,
                    "message_id_hash": key,
                    "sender": {"address": address.replace("@", " (a) "), "mailman_id": None},
                    "sender_name": name,
                    "subject": str(msg["Subject"] or ""),
                    "date": f"{month}-{1 + number % 27:02d}T{number % 24:02d}:00:00Z",
                    "parent": parent,
                    "content": body.get_content() if body is not None else "",
                }
            )
            counts[month] = counts.get(month, 0) + 1
    for entry in entries:  # parents as detail URLs, as HyperKitty links them
        parent_key = hashes.get(str(entry["parent"]))
        entry["parent"] = (
            f"{server.url}/hyperkitty/api/list/{LIST}/email/{parent_key}/" if parent_key else None
        )
        detail = dict(entry)
        server.resources[f"/hyperkitty/api/list/{LIST}/email/{entry['message_id_hash']}/"] = (
            Resource(json.dumps(detail).encode(), "application/json")
        )
        del entry["content"]
    entries.sort(key=lambda e: str(e["date"]), reverse=True)
    for offset in range(0, len(entries), page_size):
        nxt = offset + page_size
        page = {
            "count": len(entries),
            "next": f"{server.url}{api}?ordering=-date&offset={nxt}"
            if nxt < len(entries)
            else None,
            "results": entries[offset:nxt],
        }
        query = "?ordering=-date" + (f"&offset={offset}" if offset else "")
        server.resources[api + query] = Resource(json.dumps(page).encode(), "application/json")
    return counts


def test_hyperkitty_rest_api_fallback_rebuilds_the_months(
    server: ArchiveServer, corpus: Corpus, tmp_path: Path
) -> None:
    base = _serve_hyperkitty(server, corpus)
    for month in HK_MONTHS:
        server.faults[f"{base}export/{LIST}-{month}.mbox.gz"] = ["400"] * 3
    counts = _serve_rest_api(server, corpus)
    report = _fetch(f"{server.url}{base}", tmp_path, since="2021-07")
    assert report.ok, report.failed
    _assert_counts(report, {m: corpus.hk_counts[m] for m in HK_MONTHS[1:]})
    pages = server.seen(f"/hyperkitty/api/list/{LIST}/emails/")
    # newest first: the walk stops at the first page wholly older than July
    assert 0 < len(pages) < -(-sum(counts.values()) // 7)
    archive = wsisdedup.read(report.paths[0])
    assert any("@" in m.author.address for m in archive.messages)
    # a rerun rebuilds the same bytes: unchanged, not rewritten
    again = _fetch(f"{server.url}{base}", tmp_path, since="2021-07")
    assert len(again.unchanged) == 2 and not again.new


def test_an_empty_month_is_kept_but_left_out_of_the_paths(
    server: ArchiveServer, corpus: Corpus, tmp_path: Path
) -> None:
    base = _serve_hyperkitty(server, corpus)
    server.resources[f"{base}export/{LIST}-2021-07.mbox.gz"] = Resource(gzip.compress(b""))
    report = _fetch(f"{server.url}{base}", tmp_path)
    assert report.ok and len(report.new) == 3
    assert [f.month for f in report.new if f.empty] == ["2021-07"]
    assert (tmp_path / f"{LIST}-2021-07.mbox.gz").exists()
    assert [p.name for p in report.paths] == [
        f"{LIST}-2021-06.mbox.gz",
        f"{LIST}-2021-08.mbox.gz",
    ]
    merged = wsisdedup.read_many(list(report.paths))
    assert len(merged.messages) == corpus.hk_counts["2021-06"] + corpus.hk_counts["2021-08"]


def test_hyperkitty_without_a_list_page_uses_since_and_until(
    server: ArchiveServer, corpus: Corpus, tmp_path: Path
) -> None:
    base = _serve_hyperkitty(server, corpus)
    del server.resources[base]
    report = _fetch(f"{server.url}{base}", tmp_path, since="2021-06", until="2021-07")
    _assert_counts(report, {m: corpus.hk_counts[m] for m in HK_MONTHS[:2]})
    with pytest.raises(FetchError):
        _fetch(f"{server.url}{base}", tmp_path)


# --- public-inbox ---------------------------------------------------------------------------


def test_publicinbox_thread_as_t_mbox_gz(
    server: ArchiveServer, corpus: Corpus, tmp_path: Path
) -> None:
    server.resources[f"/evs/{MSGID}/t.mbox.gz"] = Resource(gzip.compress(corpus.thread))
    report = _fetch(f"{server.url}/evs/{MSGID}/T/#u", tmp_path)
    assert report.kind == "publicinbox" and report.ok
    (path,) = report.paths
    assert _count(path) == corpus.thread_count


def test_publicinbox_search_results_by_post(
    server: ArchiveServer, corpus: Corpus, tmp_path: Path
) -> None:
    server.resources["/evs/"] = Resource(gzip.compress(corpus.search))
    report = _fetch(f"{server.url}/evs/?q=s%3AEVS+d%3A2021", tmp_path, full_threads=True)
    assert report.kind == "publicinbox" and report.ok
    (request,) = server.seen("/evs/")
    assert request.method == "POST"
    assert "x=m" in request.query.split("&") and "q=s%3AEVS+d%3A2021" in request.query
    assert request.body == b"x=full"
    (path,) = report.paths
    assert _count(path) == corpus.search_count


def test_publicinbox_inbox_by_month_searches(
    server: ArchiveServer, corpus: Corpus, tmp_path: Path
) -> None:
    server.resources["/evs/"] = Resource(gzip.compress(corpus.search))
    report = _fetch(
        f"{server.url}/evs/", tmp_path, kind="publicinbox", since="2021-11", until="2022-01"
    )
    assert len(report.new) == 3
    queries = [r.query for r in server.seen("/evs/")]
    assert queries[0] == "q=d%3A20211101..20211201&x=m"
    assert queries[2] == "q=d%3A20220101..20220201&x=m"


def test_months() -> None:
    assert list(month_range("2010-11", "2011-02")) == ["2010-11", "2010-12", "2011-01", "2011-02"]
    assert next_month("2010-12") == "2011-01"


def test_a_failed_update_keeps_the_good_copy(
    server: ArchiveServer, corpus: Corpus, tmp_path: Path
) -> None:
    _serve_pipermail(server, corpus)
    _fetch(f"{server.url}/pipermail/evs/", tmp_path, since="2010-02", until="2010-02")
    path = "/pipermail/evs/2010-February.txt.gz"
    server.resources[path].etag = '"2010-02-v2"'  # changed on the server ...
    server.faults[path] = ["truncate"]  # ... and served cut short
    report = _fetch(f"{server.url}/pipermail/evs/", tmp_path, since="2010-02", until="2010-02")
    assert [f.month for f in report.failed] == ["2010-02"]
    assert _count(tmp_path / "2010-February.txt.gz") == corpus.piper_counts["2010-02"]
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("http://127.0.0.1/pipermail/evs/", "pipermail"),
        ("http://127.0.0.1/pipermail/evs/2010-January/thread.html", "pipermail"),
        (f"http://127.0.0.1/archives/list/{LIST}/", "hyperkitty"),
        (f"http://127.0.0.1/hyperkitty/list/{LIST}/2021/7/", "hyperkitty"),
        (f"http://127.0.0.1/evs/{MSGID}/", "publicinbox"),
        (f"http://127.0.0.1/evs/{MSGID}/T/#u", "publicinbox"),
        ("http://127.0.0.1/evs/?q=s:EVS", "publicinbox"),
        ("http://127.0.0.1/archives/evs/", None),
    ],
)
def test_the_kind_from_the_url(url: str, kind: str | None) -> None:
    assert kind_from_url(url) == kind


@pytest.mark.parametrize("suffix", ["", "T/", "t/", "raw", "t.mbox.gz"])
def test_publicinbox_thread_urls_lead_to_t_mbox_gz(suffix: str) -> None:
    (target,) = publicinbox.targets(f"http://127.0.0.1/evs/{MSGID}/{suffix}", None, None)
    assert target.url == f"http://127.0.0.1/evs/{MSGID}/t.mbox.gz"
    assert target.method == "GET" and target.gzip


def test_a_whole_publicinbox_without_months_is_not_supported() -> None:
    with pytest.raises(UnsupportedArchiveError):
        publicinbox.targets("http://127.0.0.1/evs/", None, None)


def test_pipermail_index_url() -> None:
    assert pipermail.index_url("http://h/pipermail/evs") == "http://h/pipermail/evs/"
    assert (
        pipermail.index_url("http://h/pipermail/evs/2010-May.txt.gz") == "http://h/pipermail/evs/"
    )
    assert pipermail.index_url("http://h/archives/evs/index.html") == "http://h/archives/evs/"


def test_command_line_fetch_then_read_the_url(
    server: ArchiveServer,
    corpus: Corpus,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`wsisdedup fetch URL -o DIR`, a second run that finds nothing new, and a URL given to
    `stats` as its archive (fetched into the user's cache folder first)."""
    from wsisdedup.cli import main

    _serve_pipermail(server, corpus)
    url = f"{server.url}/pipermail/evs/"
    out = tmp_path / "evs"
    args = ["fetch", url, "-o", str(out), "--min-interval", "0"]
    assert main(args) == 0
    first = capsys.readouterr().out
    assert sorted(p.name for p in out.glob("*.txt.gz")) == [
        "2010-February.txt.gz",
        "2010-January.txt.gz",
        "2010-March.txt.gz",
    ]
    assert main(args) == 0
    second = capsys.readouterr().out
    assert first != second and "unchanged" in second

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert main(["stats", "--json", url]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["messages"] == sum(corpus.piper_counts.values())
    assert (tmp_path / "cache" / "wsisdedup" / "fetch").is_dir()


def test_command_line_fetch_with_a_missing_month_exits_1(
    server: ArchiveServer, corpus: Corpus, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from wsisdedup.cli import main

    _serve_pipermail(server, corpus)
    del server.resources["/pipermail/evs/2010-February.txt.gz"]
    code = main(
        ["fetch", f"{server.url}/pipermail/evs/", "-o", str(tmp_path), "--min-interval", "0"]
    )
    assert code == 1
    assert "2010-February" in capsys.readouterr().err
