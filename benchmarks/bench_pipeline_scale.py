"""Scale benchmark: the matching stage (and, with --pipeline, the whole pipeline) on synthetic
archives of 1k, 10k and 100k messages. Prints messages per second and peak memory per size:
the time per message must not grow with the archive.

    .venv/bin/python benchmarks/bench_pipeline_scale.py             # 1k, 10k, 100k
    .venv/bin/python benchmarks/bench_pipeline_scale.py 2000 20000  # other sizes
    .venv/bin/python benchmarks/bench_pipeline_scale.py --pipeline  # also build_archive

The archive is generated from the words of the bundled real archives (examples/data): each
message's own text is a salad of 1-4 word runs of real text (so no two messages share a 5-word
shingle by chance); 60% of messages reply to 1-3 recent ones, quoting all or part of them (and
what they quoted, two levels deep), re-wrapped at another width, half with `>` markers and half
without, sometimes interleaved with the reply. The generator knows where every paragraph comes
from, so the quote sources the index finds are scored (precision, recall).

Each size runs in a fresh process that loads the archive (generated once by another process
and cached in the temp directory): base_MB is the resident set with the archive loaded, peak_MB
the high-water mark while the stage runs (VmHWM, reset before it starts), so peak - base is
what the stage itself holds at most (index, token cache, results).
msg/s is from CPU time (`time.process_time`), which other processes on the machine do not
inflate; wall_msg/s is from the wall clock. 1st_10%_ms and last10%_ms are the CPU milliseconds
per message over the first and the last tenth of the archive: the first messages of any archive
are cheaper (short quoting chains), so compare the last tenths across sizes. canon% is the
share of the stage's time spent in `wsisdedup.text.normalise.canonical`.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import gzip
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "examples" / "data"
sys.path.insert(0, str(ROOT))

from wsisdedup.match import IndexDoc, Span, match_archive  # noqa: E402
from wsisdedup.text.normalise import canonical  # noqa: E402

SIZES = (1_000, 10_000, 100_000)
VERSION = 1
"""Bump when the generator changes: archives are cached in the temp directory by size."""
HEADER = re.compile(r"^(?:[\w-]+: |From |>)")


def corpus_words() -> list[str]:
    """The words of the bundled archives' unquoted body lines, in order."""
    words: list[str] = []
    for path in sorted(DATA.iterdir()):
        if path.suffix == ".gz":
            with gzip.open(path, "rt", encoding="utf-8", errors="replace") as f:
                text = f.read()
        else:
            text = path.read_text(encoding="utf-8", errors="replace")
        for line in text.splitlines():
            if HEADER.match(line):
                continue
            words += (w for w in line.split() if len(w) <= 20 and "=" not in w)
    return words


class Generator:
    """Synthetic archive with known quote sources."""

    def __init__(self, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.words = corpus_words()
        self.paras: list[str] = []
        # Per message: blocks of (paragraph number, origin message, quote depth).
        self.blocks: list[list[tuple[int, int, int]]] = []
        self.names = [f"Person {i}" for i in range(300)]

    def paragraph(self) -> int:
        rng, words = self.rng, self.words
        out: list[str] = []
        target = rng.randint(20, 80)
        while len(out) < target:
            at = rng.randrange(len(words) - 4)
            out += words[at : at + rng.randint(1, 4)]
        self.paras.append(" ".join(out))
        return len(self.paras) - 1

    def message(self, i: int) -> tuple[list[tuple[int, int, int]], str, list[Span], set[int]]:
        rng = self.rng
        own = [(self.paragraph(), i, 0) for _ in range(rng.randint(1, 4))]
        quoted: list[tuple[int, int, int]] = []
        sources: set[int] = set()
        if i and rng.random() < 0.6:
            for _ in range(rng.choice((1, 1, 1, 2, 3))):
                parent = max(0, i - 1 - int(rng.expovariate(1 / 8)))
                blocks = [(p, o, d + 1) for p, o, d in self.blocks[parent] if d < 2]
                if len(blocks) > 2 and rng.random() < 0.4:
                    a = rng.randrange(len(blocks))
                    blocks = blocks[a : a + rng.randint(1, len(blocks) - a)]
                quoted += blocks
        sources = {o for _, o, _ in quoted if o != i}
        if quoted and rng.random() < 0.25:
            body_blocks = [b for pair in zip(quoted, own, strict=False) for b in pair]
            body_blocks += quoted[len(own) :] + own[len(quoted) :]
        else:
            body_blocks = quoted + own
        self.blocks.append(body_blocks)
        text, spans = self.render(i, body_blocks, marked=rng.random() < 0.5)
        return body_blocks, text, spans, sources

    def render(
        self, i: int, blocks: list[tuple[int, int, int]], *, marked: bool
    ) -> tuple[str, list[Span]]:
        """The body text, and the own spans a segmenter would find (marked quotes excluded)."""
        rng = self.rng
        width = rng.randint(60, 78)
        parts: list[str] = []
        spans: list[Span] = []
        pos = 0
        if any(d for _, _, d in blocks):
            line = f"On Mon, 3 Feb 2025, {rng.choice(self.names)} wrote:\n\n"
            parts.append(line)
            pos += len(line)
        for p, _, depth in blocks:
            prefix = "> " * depth if marked else ""
            text = wrap(self.paras[p], width - len(prefix), prefix) + "\n\n"
            if not (marked and depth):
                spans.append(Span(start=pos, end=pos + len(text)))
            parts.append(text)
            pos += len(text)
        sig = f"-- \n{self.names[i % len(self.names)]}\n"
        spans.append(Span(start=pos, end=pos + len(sig)))
        parts.append(sig)
        return "".join(parts), spans


_WRAP: dict[int, re.Pattern[str]] = {}


def wrap(text: str, width: int, prefix: str) -> str:
    pattern = _WRAP.get(width)
    if pattern is None:
        pattern = _WRAP[width] = re.compile(rf"(.{{1,{max(10, width)}}})(?: +|$)")
    lines = pattern.findall(text)
    return "\n".join(prefix + line for line in lines)


def generate(n: int, path: Path) -> None:
    """Write a synthetic archive of `n` messages as JSON Lines: id, text, own spans, sources."""
    gen = Generator()
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as out:
        for i in range(n):
            _, text, spans, sources = gen.message(i)
            own = [[s.start, s.end] for s in spans]
            row = {"id": str(i), "text": text, "own": own, "sources": sorted(map(str, sources))}
            out.write(json.dumps(row) + "\n")
    tmp.replace(path)


def load(n: int) -> tuple[list[IndexDoc], dict[str, set[str]]]:
    """The archive of `n` messages, generated once (in another process) and cached in /tmp, so
    that this process holds only the archive when the stage starts."""
    path = Path(tempfile.gettempdir()) / f"wsisdedup-bench-{n}-v{VERSION}.jsonl"
    if not path.exists():
        subprocess.run([sys.executable, __file__, "--generate", str(n), str(path)], check=True)
    docs: list[IndexDoc] = []
    truth: dict[str, set[str]] = {}
    with path.open(encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            own = tuple(Span(start=a, end=b) for a, b in row["own"])
            docs.append(IndexDoc(id=row["id"], text=row["text"], own=own))
            if row["sources"]:
                truth[row["id"]] = set(row["sources"])
    return docs, truth


def status_mb(key: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def reset_hwm() -> None:
    """Reset the resident-set high-water mark (Linux), so it measures from here on."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def one(n: int, pipeline: bool) -> dict[str, float]:
    docs, truth = load(n)
    gc.collect()
    chars = sum(len(d.text) for d in docs)
    base = status_mb("VmRSS")
    reset_hwm()
    # CPU time at each tenth of the archive: the last tenth's time per message, compared across
    # sizes, shows whether a message costs more when more came before it.
    marks: dict[int, float] = {}
    tenth = max(1, n // 10)

    def progress(done: int) -> None:
        if done % tenth == 0:
            marks[done] = time.process_time()

    t0 = time.process_time()
    w0 = time.perf_counter()
    result = match_archive(docs, progress=progress)
    elapsed = time.process_time() - t0
    wall = time.perf_counter() - w0
    peak = status_mb("VmHWM")
    found = {k: {m.source_id for m in v} for k, v in result.repeats.items()}
    tp = sum(len(found.get(k, set()) & v) for k, v in truth.items())
    n_found = sum(len(v) for v in found.values())
    n_true = sum(len(v) for v in truth.values())
    row = {
        "messages": n,
        "text_mb": chars / 1e6,
        "seconds": elapsed,
        "msg_s": n / elapsed,
        "wall_msg_s": n / wall,
        "first_ms": 1000 * (marks[tenth] - t0) / tenth,
        "last_ms": 1000 * (marks[10 * tenth] - marks[9 * tenth]) / tenth,
        "base_mb": base,
        "peak_mb": peak,
        "precision": tp / n_found if n_found else 1.0,
        "recall": tp / n_true if n_true else 1.0,
        "copies": sum(len(g.copy_ids) for g in result.duplicates),
    }
    sample = docs[: min(n, 2000)]
    t0 = time.process_time()
    for d in sample:
        canonical(d.text)
    row["canonical_share"] = (time.process_time() - t0) / len(sample) * n / elapsed
    if pipeline:
        from wsisdedup.model import ParsedMessage, Source
        from wsisdedup.pipeline import build_archive

        parsed = [
            ParsedMessage(source=Source(path="<bench>", format="mbox", index=i), body=d.text)
            for i, d in enumerate(docs)
        ]
        del result
        gc.collect()
        reset_hwm()
        t0 = time.process_time()
        build_archive(parsed)
        row["pipeline_msg_s"] = n / (time.process_time() - t0)
        row["pipeline_peak_mb"] = status_mb("VmHWM")
    return row


COLUMNS = (
    ("messages", "messages", "d"),
    ("text_MB", "text_mb", ".1f"),
    ("cpu_s", "seconds", ".1f"),
    ("msg/s", "msg_s", ".0f"),
    ("wall_msg/s", "wall_msg_s", ".0f"),
    ("1st_10%_ms", "first_ms", ".2f"),
    ("last10%_ms", "last_ms", ".2f"),
    ("base_MB", "base_mb", ".0f"),
    ("peak_MB", "peak_mb", ".0f"),
    ("canon%", "canonical_share", ".0%"),
    ("precision", "precision", ".4f"),
    ("recall", "recall", ".4f"),
    ("copies", "copies", "d"),
)
PIPELINE_COLUMNS = (
    ("pipe_msg/s", "pipeline_msg_s", ".0f"),
    ("pipe_peak", "pipeline_peak_mb", ".0f"),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=list(SIZES))
    parser.add_argument("--pipeline", action="store_true", help="also time build_archive")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--generate", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        generate(int(args.generate[0]), Path(args.generate[1]))
        return
    if args.one:
        print(json.dumps(one(args.one, args.pipeline)))
        return
    columns = COLUMNS + (PIPELINE_COLUMNS if args.pipeline else ())
    print(" | ".join(f"{title:>10}" for title, _, _ in columns))
    for n in args.sizes:
        cmd = [sys.executable, __file__, "--one", str(n)]
        cmd += ["--pipeline"] if args.pipeline else []
        out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=os.environ)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(" | ".join(f"{r[key]:>10{fmt}}" for _, key, fmt in columns), flush=True)


if __name__ == "__main__":
    main()
