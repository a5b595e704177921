"""Collect the links of an HTML page with the standard library's parser."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin

__all__ = ["page_links"]


class _LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            for name, value in attrs:
                if name == "href" and value:
                    self.hrefs.append(value.strip())


def page_links(html: str, base_url: str) -> list[str]:
    """Every `<a href>` of `html`, made absolute against `base_url`, in page order."""
    parser = _LinkParser()
    parser.feed(html)
    parser.close()
    return [urljoin(base_url, href) for href in parser.hrefs]
