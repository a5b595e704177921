"""Plan a fetch (which files, from the URL and its index page) and run the downloads."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from wsisdedup.fetch import hyperkitty, pipermail, publicinbox
from wsisdedup.fetch.errors import FetchError
from wsisdedup.fetch.files import is_empty
from wsisdedup.fetch.http import DownloadFailed, Emit, HttpClient
from wsisdedup.fetch.hyperkitty_rest import RestArchive
from wsisdedup.fetch.model import (
    EventKind,
    FetchedFile,
    FetchFailure,
    FetchReport,
    Kind,
    ProgressEvent,
    Target,
)

__all__ = ["KINDS", "detect_kind", "download_all", "kind_from_url", "plan"]

KINDS: tuple[Kind, ...] = ("pipermail", "hyperkitty", "publicinbox")


def kind_from_url(url: str) -> Kind | None:
    """The archive kind that the URL's shape alone shows, or None."""
    if hyperkitty.parse_list_url(url) is not None:
        return "hyperkitty"
    if "/pipermail/" in url:
        return "pipermail"
    if "?q=" in url or "&q=" in url or publicinbox.looks_like_thread_url(url):
        return "publicinbox"
    return None


def detect_kind(url: str, page_html: str | None) -> Kind:
    """The kind from the URL's shape, else from the page it serves; raises FetchError."""
    kind = kind_from_url(url)
    if kind is not None:
        return kind
    if page_html is not None:
        if pipermail.looks_like_index(page_html):
            return "pipermail"
        if hyperkitty.looks_like_hyperkitty(page_html):
            return "hyperkitty"
        if publicinbox.looks_like_publicinbox(page_html):
            return "publicinbox"
    raise FetchError(
        f"{url}: not recognised as a pipermail, HyperKitty or public-inbox archive; pass kind="
    )


def _page(client: HttpClient, url: str, what: str) -> tuple[str, str]:
    try:
        return client.get_text(url)
    except DownloadFailed as exc:
        raise FetchError(f"{url}: cannot read the {what}: {exc.reason}") from exc


def plan(
    client: HttpClient,
    url: str,
    kind: Kind | None,
    since: str | None,
    until: str | None,
    prefer_gzip: bool,
    full_threads: bool,
) -> tuple[Kind, list[Target]]:
    """The archive kind and the files to download; reads the index page where one is needed."""
    page: tuple[str, str] | None = None
    kind = kind or kind_from_url(url)
    if kind is None:
        page = _page(client, url, "page")
        kind = detect_kind(url, page[1])
    if kind == "pipermail":
        if page is None:
            page = _page(client, pipermail.index_url(url), "archive index")
        final_url, html = page
        base = final_url if final_url.endswith("/") else pipermail.index_url(final_url)
        return kind, pipermail.targets(html, base, since, until, prefer_gzip=prefer_gzip)
    if kind == "hyperkitty":
        lst = hyperkitty.parse_list_url(page[0] if page is not None else url)
        if lst is None:
            raise FetchError(f"{url}: not a HyperKitty list URL (.../list/LIST@DOMAIN/)")
        list_page: str | None = None
        try:
            list_page = client.get_text(lst.base)[1]
        except DownloadFailed as exc:
            if since is None or until is None:
                raise FetchError(f"{lst.base}: cannot read the list page: {exc.reason}") from exc
        return kind, hyperkitty.targets(lst, list_page, since, until)
    return kind, publicinbox.targets(url, since, until, full_threads=full_threads)


def _emitter(
    on_progress: Callable[[ProgressEvent], None] | None, target: Target, done: int, total: int
) -> Emit:
    def emit(event: EventKind, got: int, size: int | None, wait: float, message: str) -> None:
        if on_progress is not None:
            on_progress(
                ProgressEvent(
                    kind=event,
                    name=target.name,
                    url=target.url,
                    files_done=done,
                    files_total=total,
                    bytes_done=got,
                    bytes_total=size,
                    wait=wait,
                    message=message,
                )
            )

    return emit


def download_all(
    client: HttpClient,
    url: str,
    kind: Kind,
    targets: list[Target],
    out: Path,
    cache: Path,
    on_progress: Callable[[ProgressEvent], None] | None,
    *,
    rest_fallback: bool = True,
) -> FetchReport:
    """Download every target; one failure does not stop the others (except a refused export)."""
    new: list[FetchedFile] = []
    unchanged: list[FetchedFile] = []
    failed: list[FetchFailure] = []
    total = len(targets)
    refused: str | None = None
    rest: RestArchive | None = None

    for target in targets:
        emit = _emitter(on_progress, target, len(new) + len(unchanged) + len(failed), total)

        def fail(
            reason: str, status: int | None, target: Target = target, emit: Emit = emit
        ) -> None:
            failed.append(FetchFailure(target.url, target.name, target.month, reason, status))
            emit("failed", 0, None, 0.0, reason)

        if refused is not None and rest is None:
            fail(refused, None)
            continue
        emit("start", 0, None, 0.0, "")
        try:
            if rest is not None:
                result = rest.download(target, out, emit)
            else:
                result = client.download(target, out, cache, emit)
        except DownloadFailed as exc:
            refusal = kind == "hyperkitty" and exc.status in hyperkitty.EXPORT_REFUSED_STATUSES
            if not refusal or rest is not None:
                fail(exc.reason, exc.status)
                continue
            # The export is switched off (or the list is private): the other months would be
            # refused alike, so read them through the REST API, or report them all at once.
            refused = f"{exc.reason}; this HyperKitty refuses the mbox export"
            lst = hyperkitty.parse_list_url(target.url)
            if not rest_fallback or lst is None:
                refused += " (REST API fallback off)"
                fail(refused, exc.status)
                continue
            rest = RestArchive(client, lst, [t.month for t in targets if t.month])
            try:
                result = rest.download(target, out, emit)
            except DownloadFailed as rest_exc:
                refused += f"; the REST API fallback failed too: {rest_exc.reason}"
                rest = None
                fail(refused, exc.status)
                continue
        empty = is_empty(result.path)
        record = FetchedFile(target.url, result.path, target.month, result.size, empty)
        (new if result.status == "new" else unchanged).append(record)
        emit(result.status, result.size, result.size, 0.0, "")

    if on_progress is not None:
        on_progress(ProgressEvent("finished", "", url, total, total))
    return FetchReport(
        url=url,
        kind=kind,
        out_dir=out,
        new=tuple(new),
        unchanged=tuple(unchanged),
        failed=tuple(failed),
    )
