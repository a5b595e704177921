"""Thread stage: parents and threads, each parent link with the evidence it rests on.

Headers first (Message-ID, In-Reply-To, References: the JWZ algorithm), then the fallbacks
for messages without them: attribution (author and time), the quoted message, the subject.
"""

from __future__ import annotations

from wsisdedup.thread.headers import AttributionRef, Threading, names_author, thread_messages

__all__ = ["AttributionRef", "Threading", "names_author", "thread_messages"]
