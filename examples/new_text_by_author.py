"""How much each person wrote that was new: a table per author.

Uses pandas when it is installed, plain text otherwise.

    python examples/new_text_by_author.py [ARCHIVE]
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import wsisdedup

HERE = Path(__file__).resolve().parent
path = sys.argv[1] if len(sys.argv) > 1 else HERE / "data" / "fedora-devel-2010-January.txt.gz"
archive = wsisdedup.read(path)

try:
    import pandas as pd
except ImportError:
    pd = None

if pd is not None:
    frame = pd.DataFrame(archive.to_records())
    frame["author"] = frame["author_name"].where(
        frame["author_name"] != "", frame["author_address"]
    )
    table = frame.groupby("author").agg(messages=("id", "size"), new_chars=("new_chars", "sum"))
    print(table.sort_values("new_chars", ascending=False).head(15).to_string())
else:
    messages: Counter[str] = Counter()
    chars: Counter[str] = Counter()
    for m in archive.messages:
        who = m.author.name or m.author.address or "(unknown)"
        messages[who] += 1
        chars[who] += len(m.new_text)
    print(f"{'author':<32} {'messages':>8} {'new chars':>10}")
    for who, n in chars.most_common(15):
        print(f"{who[:32]:<32} {messages[who]:>8} {n:>10,}")
