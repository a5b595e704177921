"""The most-quoted messages of an archive: whose words the list kept repeating.

python examples/most_quoted.py [ARCHIVE]
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import wsisdedup

HERE = Path(__file__).resolve().parent
path = sys.argv[1] if len(sys.argv) > 1 else HERE / "data" / "fedora-devel-2010-January.txt.gz"
archive = wsisdedup.read(path)

quoted: Counter[str] = Counter()  # characters of each message that later messages repeat
quoters: dict[str, set[str]] = {}
for m in archive.messages:
    for q in m.quotes:
        if q.source_id and q.source_id != m.id:
            quoted[q.source_id] += len(q.text)
            quoters.setdefault(q.source_id, set()).add(m.id)

print(f"{'quoted by':>9} {'chars':>7}  author / subject")
for message_id, chars in quoted.most_common(10):
    m = archive.get(message_id)
    who = (m.author.name or m.author.address) if m else "(not in the archive)"
    subject = m.subject if m else message_id
    print(f"{len(quoters[message_id]):>9} {chars:>7,}  {who}: {subject[:60]}")
if not quoted:
    print("(no quote in this archive could be traced to its source)")
