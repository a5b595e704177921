"""Merge several monthly archives into one tree: threads cross month boundaries.

Mailman archives come one month a file; a thread started on the 30th goes on in the next file.
Reading the files together with `read_many` rebuilds such threads whole. This example cuts the
bundled January archive into two halves (as if they were two months) to show it.

    python examples/merge_months.py [ARCHIVE...]
"""

from __future__ import annotations

import gzip
import re
import sys
import tempfile
from pathlib import Path

import wsisdedup

HERE = Path(__file__).resolve().parent


def split_in_two(path: Path, folder: Path) -> list[Path]:
    """Write the first and second half of a pipermail archive as two files."""
    text = gzip.decompress(path.read_bytes()).decode("utf-8", "replace")
    starts = [
        m.start() for m in re.finditer(r"^From \S+ +\w{3} \w{3} +\d+ [\d:]+ \d{4}$", text, re.M)
    ]
    middle = starts[len(starts) // 2]
    parts = [folder / "first-half.txt", folder / "second-half.txt"]
    parts[0].write_text(text[:middle], "utf-8")
    parts[1].write_text(text[middle:], "utf-8")
    return parts


with tempfile.TemporaryDirectory() as tmp:
    paths = [Path(p) for p in sys.argv[1:]] or split_in_two(
        HERE / "data" / "fedora-devel-2010-January.txt.gz", Path(tmp)
    )
    separate = [wsisdedup.read(p) for p in paths]
    merged = wsisdedup.read_many(paths)

print("threads when each file is read alone:", sum(len(a.threads) for a in separate))
print("threads when the files are read together:", len(merged.threads))
crossing = [
    t
    for t in merged.threads
    if len({merged.get(i).source.path for i in t.message_ids if merged.get(i)}) > 1
]
print("threads that cross from one file into the next:", len(crossing))
for t in crossing[:5]:
    root = merged.get(t.root_id)
    print(f"  {len(t.nodes):>3} messages  {root.subject if root else t.root_id}")
