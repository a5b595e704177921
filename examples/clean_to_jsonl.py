"""Clean an archive to JSON Lines: one message a line, its own words, quotes as references.

python examples/clean_to_jsonl.py [ARCHIVE] [OUT]
"""

from __future__ import annotations

import sys
from pathlib import Path

import wsisdedup
from wsisdedup.export import write_jsonl

HERE = Path(__file__).resolve().parent
archive_path = sys.argv[1] if len(sys.argv) > 1 else HERE / "data" / "wsis20-2025-06.txt"
out_path = Path(sys.argv[2]) if len(sys.argv) > 2 else Path("wsis20.jsonl")

archive = wsisdedup.read(archive_path)
with out_path.open("w", encoding="utf-8") as out:
    write_jsonl(archive, out)
s = archive.stats
print(f"{s.messages} messages ({s.messages_read} read) -> {out_path}")
print(f"{s.input_chars:,} characters in, {s.new_chars:,} of new text (ratio {s.ratio:.1f})")
