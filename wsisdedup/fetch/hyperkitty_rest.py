"""HyperKitty's REST API as a fallback where the mbox export is switched off.

`PREFIX/api/list/NAME@DOMAIN/emails/` lists the list's messages (paged, Django REST framework
style: `{"count", "next", "results"}`), each with its Message-ID, sender, subject, date, parent
and the URL of its detail, which adds the text `content`. A month is rebuilt as an mbox from
those: one request per page and one per message, so it is slow (at `min_interval` apart) and
loses what the API does not give (other headers, attachments, a parent in another month).
The API shows addresses as "user (a) domain"; they are put back as "user@domain".
"""

from __future__ import annotations

import gzip
import io
import itertools
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from email.generator import BytesGenerator
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr
from pathlib import Path
from typing import Any

from wsisdedup.fetch.files import write_atomic
from wsisdedup.fetch.http import Downloaded, DownloadFailed, Emit, HttpClient
from wsisdedup.fetch.hyperkitty import ListUrl
from wsisdedup.fetch.model import Target

__all__ = ["RestArchive", "api_url"]

MAX_PAGES = 10_000


def api_url(lst: ListUrl) -> str:
    """`PREFIX/api/list/NAME@DOMAIN/emails/` for the list at `PREFIX/list/NAME@DOMAIN/`."""
    prefix = lst.base[: -len(f"list/{lst.fqdn}/")]
    return f"{prefix}api/list/{lst.fqdn}/emails/?ordering=-date"


def _date(entry: dict[str, Any]) -> datetime | None:
    try:
        when = datetime.fromisoformat(str(entry.get("date")).replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


class RestArchive:
    """The list's messages read once through the API, then rebuilt month by month."""

    def __init__(self, client: HttpClient, lst: ListUrl, months: list[str]) -> None:
        self.client = client
        self.lst = lst
        self.first = min(months)
        self._entries: list[dict[str, Any]] | None = None

    def _json(self, url: str) -> Any:
        try:
            return json.loads(self.client.get_text(url)[1])
        except ValueError as exc:
            raise DownloadFailed(f"{url}: the REST API did not answer JSON") from exc

    def _pages(self) -> Iterator[list[dict[str, Any]]]:
        url: str | None = api_url(self.lst)
        for _ in range(MAX_PAGES):
            if url is None:
                return
            page = self._json(url)
            if isinstance(page, list):
                yield [e for e in page if isinstance(e, dict)]
                return
            if not isinstance(page, dict):
                raise DownloadFailed(f"{url}: an unexpected REST API answer")
            yield [e for e in page.get("results") or [] if isinstance(e, dict)]
            url = page.get("next") if isinstance(page.get("next"), str) else None

    def entries(self) -> list[dict[str, Any]]:
        """The listed messages, walking pages (newest first) until one is all older than the
        first month wanted."""
        if self._entries is None:
            start = datetime.fromisoformat(f"{self.first}-01T00:00:00+00:00")
            found: list[dict[str, Any]] = []
            for page in self._pages():
                found.extend(page)
                dates = [d for d in map(_date, page) if d is not None]
                in_order = all(a >= b for a, b in itertools.pairwise(dates))
                if dates and in_order and dates[0] < start:
                    break
            self._entries = found
        return self._entries

    def download(self, target: Target, out_dir: Path, emit: Emit) -> Downloaded:
        """Rebuild `target.month` as a gzipped mbox; unchanged bytes are not rewritten."""
        assert target.month is not None
        month = target.month
        entries = self.entries()
        by_hash = {str(e.get("message_id_hash")): e for e in entries}
        chosen = sorted(
            (e for e in entries if (d := _date(e)) is not None and d.strftime("%Y-%m") == month),
            key=lambda e: (_date(e), str(e.get("message_id"))),
        )
        out = io.BytesIO()
        for number, entry in enumerate(chosen, 1):
            detail = self._json(str(entry.get("url")))
            if not isinstance(detail, dict):
                raise DownloadFailed(f"{entry.get('url')}: an unexpected REST API answer")
            _write_message(out, {**entry, **detail}, by_hash)
            emit("bytes", number, len(chosen), 0.0, "messages")
        data = gzip.compress(out.getvalue(), mtime=0)
        dest = out_dir / target.name
        if dest.exists() and dest.read_bytes() == data:
            return Downloaded("unchanged", dest, len(data))
        write_atomic(dest, data)
        return Downloaded("new", dest, len(data))


def _angle(message_id: str) -> str:
    message_id = message_id.strip()
    return message_id if message_id.startswith("<") else f"<{message_id}>"


def _parent_hash(entry: dict[str, Any]) -> str | None:
    parent = entry.get("parent")
    if not isinstance(parent, str) or not parent:
        return None
    return parent.rstrip("/").rsplit("/", 1)[-1]


def _write_message(
    out: io.BytesIO, entry: dict[str, Any], by_hash: dict[str, dict[str, Any]]
) -> None:
    sender = entry.get("sender") if isinstance(entry.get("sender"), dict) else {}
    address = str((sender or {}).get("address") or "unknown").replace(" (a) ", "@")
    when = _date(entry) or datetime(1970, 1, 1, tzinfo=UTC)
    message = EmailMessage(policy=SMTP)
    message["From"] = formataddr((str(entry.get("sender_name") or ""), address))
    message["Subject"] = str(entry.get("subject") or "")
    message["Date"] = format_datetime(when)
    if entry.get("message_id"):
        message["Message-ID"] = _angle(str(entry["message_id"]))
    parent = by_hash.get(_parent_hash(entry) or "")
    if parent is not None and parent.get("message_id"):
        message["In-Reply-To"] = _angle(str(parent["message_id"]))
    message["X-Archived-From"] = "HyperKitty REST API"
    message.set_content(str(entry.get("content") or ""))
    envelope = f"From {address} {when.astimezone(UTC).strftime('%a %b %d %H:%M:%S %Y')}"
    message.set_unixfrom(envelope)
    BytesGenerator(out, mangle_from_=True, policy=SMTP.clone(linesep="\n")).flatten(
        message, unixfrom=True
    )
    out.write(b"\n")
