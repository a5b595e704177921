"""Throughput of link restoration on the bundled archives, and its scaling on hostile input.

Run from the repository root:  .venv/bin/python benchmarks/bench_links.py [--repeat N]

Prints MB/s (best of N runs) of `find_links` and `unwrap_links` over each archive's text (the
3GPP mbox as its decoded text/plain parts, since its quoted-printable raw form hides the links),
then times hostile inputs at 100 KB and 1 MB: linear code takes about 10x longer for the larger.
"""

from __future__ import annotations

import argparse
import gzip
import mailbox
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from wsisdedup.model import Rewriter  # noqa: E402
from wsisdedup.text.links import find_links, link_artefact_spans, unwrap_links, unwrap_url  # noqa: E402

DATA = ROOT / "examples" / "data"


def _mbox_text(path: Path) -> str:
    bodies: list[str] = []
    for message in mailbox.mbox(path):
        for part in message.walk():
            if part.get_content_type() == "text/plain":
                payload = part.get_payload(decode=True)
                if isinstance(payload, bytes):
                    charset = part.get_content_charset() or "utf-8"
                    bodies.append(payload.decode(charset, "replace"))
    return "\n".join(bodies)


def corpora() -> dict[str, str]:
    with gzip.open(DATA / "fedora-devel-2010-January.txt.gz", "rb") as f:
        fedora = f.read().decode("utf-8", "replace")
    texts = {
        "fedora-devel (pipermail)": fedora,
        "numpy-discussion": (DATA / "numpy-discussion-2001-November.txt").read_text(
            encoding="utf-8", errors="replace"
        ),
        "3gpp (text/plain parts)": _mbox_text(DATA / "3gpp-sa-wg4-evs.mbox"),
        "wsis20 seed": (DATA / "wsis20-2025-06.txt").read_text(encoding="utf-8"),
    }
    everything = "\n".join(texts.values())
    texts["all, repeated to ~10 MB"] = everything * max(1, 10_000_000 // len(everything))
    return texts


def best_seconds(fn: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def hostile(size: int) -> dict[str, Callable[[], object]]:
    v3 = "https://urldefense.com/v3/__https://example.org/"
    stars = "*" * size
    return {
        "v3 link, address of `*`": lambda: unwrap_url(v3 + stars + "__;" + "Kysr" * (size // 3)),
        "v3 link, payload too short": lambda: unwrap_url(v3 + stars + "__;Kw!!o$"),
        "text of `*`": lambda: unwrap_links(stars),
        "one plain link": lambda: find_links("https://example.org/" + "a" * size),
        "google link, percent-encoded": lambda: unwrap_url(
            "https://www.google.com/url?q=https%3A%2F%2Fexample.org%2F" + "%41" * (size // 3)
        ),
        "text of `://`": lambda: find_links("://" * (size // 3)),
        "banner openers, no closer": lambda: link_artefact_spans("!---|" * (size // 5)),
        "quoted lines after a cut link": lambda: find_links(v3 + "x\n" + "> %41\n" * (size // 6)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    print(
        f"{'corpus':28} {'MB':>7} {'links':>7} {'rewritten':>9} {'find MB/s':>10} "
        f"{'unwrap MB/s':>12} {'artefacts MB/s':>15}"
    )
    for name, text in corpora().items():
        mb = len(text.encode("utf-8")) / 1e6
        links = find_links(text)
        rewritten = sum(link.rewriter is not Rewriter.NONE for link in links)
        find_s = best_seconds(lambda t=text: find_links(t), args.repeat)
        unwrap_s = best_seconds(lambda t=text: unwrap_links(t), args.repeat)
        spans_s = best_seconds(lambda t=text: link_artefact_spans(t), args.repeat)
        print(
            f"{name:28} {mb:7.2f} {len(links):7} {rewritten:9} {mb / find_s:10.1f} "
            f"{mb / unwrap_s:12.1f} {mb / spans_s:15.1f}"
        )

    print()
    print(f"{'hostile input':32} {'100 KB s':>9} {'1 MB s':>9} {'ratio':>6}")
    small, large = hostile(100_000), hostile(1_000_000)
    for name in small:
        a = best_seconds(small[name], args.repeat)
        b = best_seconds(large[name], args.repeat)
        print(f"{name:32} {a:9.4f} {b:9.4f} {b / a:6.1f}")


if __name__ == "__main__":
    main()
