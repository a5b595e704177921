"""wsisdedup: turn messy mailing-list archives into a clean, canonical message tree.

    >>> import wsisdedup
    >>> archive = wsisdedup.read("examples/data/fedora-devel-2010-January.txt.gz")
    >>> for message in archive.messages:
    ...     print(message.author.name, message.new_text[:60])

See the README and docs/ for the concepts: segments, quotes as references, threads, evidence.
"""

from __future__ import annotations

import logging

from wsisdedup.errors import ArchiveFormatError, UnsupportedFormatError, WsisdedupError
from wsisdedup.model import (
    Archive,
    Body,
    Copy,
    CopyReason,
    Evidence,
    ForwardInfo,
    Limits,
    Link,
    Message,
    Person,
    Problem,
    Rewriter,
    Segment,
    SegmentKind,
    Source,
    Stage,
    StageProgress,
    Stats,
    Thread,
    ThreadNode,
)
from wsisdedup.pipeline import read, read_many
from wsisdedup.segment import split_body
from wsisdedup.text.links import (
    complete_truncated,
    deobfuscate_address,
    find_links,
    link_artefact_spans,
    unwrap_links,
    unwrap_url,
)

__all__ = [
    "Archive",
    "ArchiveFormatError",
    "Body",
    "Copy",
    "CopyReason",
    "Evidence",
    "ForwardInfo",
    "Limits",
    "Link",
    "Message",
    "Person",
    "Problem",
    "Rewriter",
    "Segment",
    "SegmentKind",
    "Source",
    "Stage",
    "StageProgress",
    "Stats",
    "Thread",
    "ThreadNode",
    "UnsupportedFormatError",
    "WsisdedupError",
    "__version__",
    "complete_truncated",
    "deobfuscate_address",
    "find_links",
    "link_artefact_spans",
    "read",
    "read_many",
    "split_body",
    "unwrap_links",
    "unwrap_url",
]

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())
