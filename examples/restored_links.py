"""Links that security gateways rewrote, with the rewriter and the address the author wrote.

python examples/restored_links.py [ARCHIVE]
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import wsisdedup

HERE = Path(__file__).resolve().parent
path = sys.argv[1] if len(sys.argv) > 1 else HERE / "data" / "3gpp-sa-wg4-evs.mbox"
archive = wsisdedup.read(path)

by_rewriter: Counter[str] = Counter()
shown = 0
for m in archive.messages:
    for link in m.links:
        if link.original == link.written:
            continue
        by_rewriter[link.rewriter.value] += 1
        if shown < 10:
            flags = " (truncated)" if link.truncated else ""
            print(f"{link.rewriter.value:>14}: {link.original}{flags}")
            print(f"{'':>14}  was {link.written[:90]}{'...' if len(link.written) > 90 else ''}")
            shown += 1
print()
for rewriter, n in by_rewriter.most_common():
    print(f"{n:>5} links restored from {rewriter}")
if not by_rewriter:
    print("no rewritten link in this archive")
