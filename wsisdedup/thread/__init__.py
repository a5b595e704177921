"""Thread stage: parents and threads, each parent link with the evidence it rests on.

Headers first (Message-ID, In-Reply-To, References: the JWZ algorithm), then the fallbacks
for messages without them: attribution (author and time), the quoted message, the subject.

Modules, in layers (each imports only from the ones above it):

- `people`: `AttributionRef` and who it names: name keys, `names_author`.
- `graph`: `ThreadGraph`, the working arrays of one run (parents, evidence, groups of co-roots,
  the union-find that keeps fallback links from closing a cycle).
- `headers`: `link_headers`, JWZ over Message-ID, In-Reply-To and References.
- `fallbacks`: attribution (author and time), quote and subject, in that order of trust.
- `threads`: `thread_messages`, which runs them, and `Threading`, the threads it builds.

Names with a leading underscore are shared between these modules but are not part of the API.
"""

from __future__ import annotations

from wsisdedup.thread.people import AttributionRef, names_author
from wsisdedup.thread.threads import Threading, thread_messages

__all__ = ["AttributionRef", "Threading", "names_author", "thread_messages"]
