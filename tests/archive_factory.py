"""Hand-built `Archive` values for the export tests.

The export stage must not wait for the pipeline, and its tests must not depend on what the
pipeline happens to find: these archives are written out segment by segment, with spans that
match their bodies exactly, so a test knows what every message holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta, timezone

import attrs

from wsisdedup.model import (
    Archive,
    Body,
    Evidence,
    ForwardInfo,
    Link,
    Message,
    Person,
    Rewriter,
    Segment,
    SegmentKind,
    Source,
    Stats,
    Thread,
    ThreadNode,
)

__all__ = [
    "Part",
    "body_of",
    "chain_archive",
    "hostile_archive",
    "link_in",
    "make_archive",
    "many_threads_archive",
    "sample_archive",
]

PATH = "lists/devel-2025-06.mbox"


@attrs.frozen(kw_only=True)
class Part:
    """One segment to be: its kind, its text and, for quotes, depth and source."""

    kind: SegmentKind
    text: str
    depth: int = 0
    source_id: str | None = None
    forward: ForwardInfo | None = None


def new(text: str) -> Part:
    return Part(kind=SegmentKind.NEW, text=text)


def quote(text: str, source_id: str | None, depth: int = 1) -> Part:
    return Part(kind=SegmentKind.QUOTE, text=text, depth=depth, source_id=source_id)


def body_of(*parts: Part) -> Body:
    """The body the parts make, with segments that cover it exactly."""
    segments: list[Segment] = []
    pos = 0
    for p in parts:
        segments.append(
            Segment(
                kind=p.kind,
                text=p.text,
                start=pos,
                end=pos + len(p.text),
                depth=p.depth,
                source_id=p.source_id,
                forward=p.forward,
            )
        )
        pos += len(p.text)
    return Body(text="".join(p.text for p in parts), segments=tuple(segments))


def link_in(
    body: Body,
    written: str,
    original: str | None = None,
    *,
    rewriter: Rewriter = Rewriter.NONE,
    truncated: bool = False,
    completed: bool = False,
    occurrence: int = 0,
) -> Link:
    """A link found at the `occurrence`-th place `written` appears in the body."""
    start = -1
    for _ in range(occurrence + 1):
        start = body.text.index(written, start + 1)
    return Link(
        written=written,
        original=written if original is None else original,
        rewriter=rewriter,
        truncated=truncated,
        completed=completed,
        start=start,
        end=start + len(written),
    )


def message(
    id: str,
    body: Body,
    *,
    author: Person,
    date: datetime | None,
    subject: str,
    index: int,
    parent_id: str | None = None,
    evidence: Evidence | None = None,
    links: Sequence[Link] = (),
    duplicates: Sequence[Source] = (),
    duplicate_score: float | None = None,
) -> Message:
    return Message(
        id=id,
        source=Source(
            path=PATH, format="mbox", offset=index * 4096, line=index * 80 + 1, index=index
        ),
        author=author,
        date=date,
        subject=subject,
        body=body.text,
        segments=body.segments,
        links=tuple(links),
        parent_id=parent_id,
        parent_evidence=evidence,
        in_reply_to=(parent_id,) if parent_id and evidence is Evidence.HEADER else (),
        duplicates=tuple(duplicates),
        duplicate_score=duplicate_score,
    )


def make_archive(messages: Iterable[Message]) -> Archive:
    """The archive of these messages: thread ids, depth-first threads and stats filled in."""
    msgs = list(messages)
    ids = {m.id for m in msgs}
    children: dict[str, list[Message]] = {}
    roots: list[Message] = []
    for m in msgs:
        if m.parent_id in ids:
            children.setdefault(m.parent_id, []).append(m)
        else:
            roots.append(m)
    threads: list[Thread] = []
    root_of: dict[str, str] = {}
    for r in roots:
        nodes: list[ThreadNode] = []
        stack = [(r, 0)]
        while stack:
            m, depth = stack.pop()
            nodes.append(ThreadNode(id=m.id, depth=depth))
            root_of[m.id] = r.id
            stack.extend((c, depth + 1) for c in reversed(children.get(m.id, [])))
        threads.append(Thread(root_id=r.id, nodes=tuple(nodes)))
    msgs = [attrs.evolve(m, thread_id=root_of[m.id]) for m in msgs]
    quotes = [s for m in msgs for s in m.quotes]
    stats = Stats(
        messages_read=len(msgs) + sum(len(m.duplicates) for m in msgs),
        messages=len(msgs),
        threads=len(threads),
        input_chars=sum(len(m.body) * (1 + len(m.duplicates)) for m in msgs),
        body_chars=sum(len(m.body) for m in msgs),
        new_chars=sum(len(m.new_text) for m in msgs),
        duplicates_collapsed=sum(len(m.duplicates) for m in msgs),
        quotes_marked=sum(1 for q in quotes if q.depth > 0),
        quotes_unmarked=sum(1 for q in quotes if q.depth == 0),
        links_restored=sum(1 for m in msgs for lk in m.links if lk.rewriter is not Rewriter.NONE),
    )
    return Archive(messages=tuple(msgs), threads=tuple(threads), stats=stats)


ALEXA = Person(name="Alexa Petrova", address="alexa@example.org")
JONAH = Person(name="Jonah Mills", address="jonah@example.net")
VIKTOR = Person(name="Viktor Marek", address="vmarek@example.cz")
WINNIE = Person(name="Winnie Otieno", address="")
BAZ = Person(name="", address="statements@example.com")
KOSTA = Person(name="Kosta Demetriou", address="kosta@example.gr")
ANNA = Person(name="Anna Lind", address="anna.lind@example.no")

EEST = timezone(timedelta(hours=3))
EDT = timezone(timedelta(hours=-4))
IST = timezone(timedelta(hours=5, minutes=30))

FOOTER = (
    "_______________________________________________\n"
    "devel mailing list -- devel@lists.example.org\n"
    "To unsubscribe send an email to devel-leave@lists.example.org\n"
    "https://lists.example.org/mailman/listinfo/devel\n"
)
PROOFPOINT = "https://urldefense.com/v3/__https://example.org/recordings/0605__;!!DOtDw!x9Yq$"
SAFELINK = (
    "https://eur03.safelinks.protection.outlook.com/?url=https%3A%2F%2Fexample.org%2Fdraft"
    "%2Fv2.pdf&data=05%7C01&reserved=0"
)

NOTES_QUOTED = (
    "Please find below the notes from today's call. The recording is at\n"
    "https://example.org/recordings/0605\n"
)


def sample_archive() -> Archive:
    """Eight messages in three threads, shaped like a real list month.

    Thread 1: notes with a rewritten link, signature and list footer; a reply quoting them
    (header evidence); an interleaved reply to the reply that also quotes the notes two
    levels deep (attribution evidence); an unmarked quote (quote evidence); a second reply to
    the notes carrying a forwarded message (subject evidence, no date).
    Thread 2: a statement by an author known only by address, archived three times.
    Thread 3: an announcement and a reply that quotes it and a message not in the archive.
    """
    b1 = body_of(
        new(
            "Dear colleagues,\n\n"
            "Please find below the notes from today's call. The recording is at\n"
            f"{PROOFPOINT}\n\n"
            "Agenda adopted without changes.\n"
            "The drafting group reports back on Monday.\n\n"
            "Best,\nAlexa\n"
        ),
        Part(
            kind=SegmentKind.SIGNATURE,
            text="-- \nAlexa Petrova\nProgramme Officer, Example Foundation\n",
        ),
        Part(kind=SegmentKind.FOOTER, text=FOOTER),
    )
    m1 = message(
        "notes-0605@lists.example.org",
        b1,
        author=ALEXA,
        date=datetime(2025, 6, 5, 10, 22, tzinfo=EEST),
        subject="Meeting notes: open consultation, 5 June",
        index=0,
        links=(
            link_in(
                b1,
                PROOFPOINT,
                "https://example.org/recordings/0605",
                rewriter=Rewriter.PROOFPOINT_V3,
            ),
            link_in(b1, "https://lists.example.org/mailman/listinfo/devel"),
        ),
    )
    b2 = body_of(
        new("The timestamps in the recording are really helpful, thanks.\n\n"),
        Part(
            kind=SegmentKind.ATTRIBUTION,
            text="On Thu, Jun 5, 2025 at 10:22 AM Alexa Petrova <alexa@example.org> wrote:\n",
        ),
        quote("> " + NOTES_QUOTED.replace("\n", "\n> ", 1), m1.id),
        Part(kind=SegmentKind.SIGNATURE, text="--\nJonah Mills\n"),
    )
    m2 = message(
        "CAJonah+x=1@mail.example.net",
        b2,
        author=JONAH,
        date=datetime(2025, 6, 5, 12, 40, tzinfo=EDT),
        subject="Re: Meeting notes: open consultation, 5 June",
        index=1,
        parent_id=m1.id,
        evidence=Evidence.HEADER,
        links=(link_in(b2, "https://example.org/recordings/0605"),),
    )
    b3 = body_of(
        Part(kind=SegmentKind.ATTRIBUTION, text="Jonah Mills wrote:\n"),
        quote("> The timestamps in the recording are really helpful, thanks.\n", m2.id),
        new("\nI agree the structure is useful, but the group has not met its own deadline.\n\n"),
        quote(">> Agenda adopted without changes.\n", m1.id, depth=2),
        new(
            "\nWe should publish the agenda a week ahead. Drafts go to\n"
            "mailto:drafts@example.org and the archive at\n"
            "https://example.org/very/long/pa...\n\n"
        ),
        Part(kind=SegmentKind.FOOTER, text=FOOTER),
    )
    m3 = message(
        "viktor.reply.0606@example.cz",
        b3,
        author=VIKTOR,
        date=datetime(2025, 6, 6, 8, 0),
        subject="Re: Meeting notes: open consultation, 5 June",
        index=2,
        parent_id=m2.id,
        evidence=Evidence.ATTRIBUTION,
        links=(
            link_in(b3, "mailto:drafts@example.org"),
            # As wsisdedup.text.links reports a cut link: the original is the prefix, without `...`.
            link_in(
                b3,
                "https://example.org/very/long/pa...",
                "https://example.org/very/long/pa",
                truncated=True,
            ),
        ),
    )
    b4 = body_of(
        new(
            "I do not believe anyone here has illusions about the deadline.\n"
            "The revised draft is at " + SAFELINK + "\n\n"
        ),
        quote(
            "I agree the structure is useful, but the group has not met its own deadline.\n",
            m3.id,
            depth=0,
        ),
    )
    m4 = message(
        "jonah-2@example.net",
        b4,
        author=JONAH,
        date=datetime(2025, 6, 6, 9, 15, tzinfo=EDT),
        subject="Re: Meeting notes: open consultation, 5 June",
        index=3,
        parent_id=m3.id,
        evidence=Evidence.QUOTE,
        links=(
            link_in(
                b4,
                SAFELINK,
                "https://example.org/draft/v2.pdf",
                rewriter=Rewriter.SAFELINKS,
                completed=True,
            ),
        ),
    )
    fwd = ForwardInfo(
        author=Person(name="Secretariat", address="secretariat@example.int"),
        date=datetime(2025, 6, 4, 16, 0, tzinfo=UTC),
        date_text="Wed, 4 Jun 2025 16:00",
        subject="Call for inputs",
    )
    b5 = body_of(
        new("Sharing this for those who missed the call.\n\n"),
        Part(
            kind=SegmentKind.FORWARD_HEADER,
            text=(
                "---------- Forwarded message ---------\n"
                "From: Secretariat <secretariat@example.int>\n"
                "Date: Wed, 4 Jun 2025 16:00\nSubject: Call for inputs\n"
            ),
            forward=fwd,
        ),
        Part(
            kind=SegmentKind.FORWARD,
            text="Inputs are welcome until 30 June at https://example.int/inputs\n",
        ),
    )
    m5 = message(
        "winnie-0607@example.ke",
        b5,
        author=WINNIE,
        date=None,
        subject="Re: Meeting notes",
        index=4,
        parent_id=m1.id,
        evidence=Evidence.SUBJECT,
        links=(link_in(b5, "https://example.int/inputs"),),
    )
    b6 = body_of(
        new(
            "A statement on behalf of the civil society coalition.\n\n"
            "First, the process must stay open to remote participants.\n"
            "Second, the outcome should be published in all six languages.\n"
        ),
        Part(kind=SegmentKind.FOOTER, text=FOOTER),
    )
    m6 = message(
        "statement-17@example.com",
        b6,
        author=BAZ,
        date=datetime(2025, 6, 7, 11, 30, tzinfo=IST),
        subject="Statement of the coalition",
        index=5,
        duplicates=(
            Source(path=PATH, format="mbox", offset=9 * 4096, line=721, index=9),
            Source(path="lists/devel-2025-06-b.mbox", format="mbox", offset=0, line=1, index=0),
        ),
        duplicate_score=0.97,
    )
    b7 = body_of(
        new(
            "Join us for a session on community networks on 12 June.\n"
            "Registration: https://events.example.gr/cn-2025\n"
        ),
        Part(kind=SegmentKind.SIGNATURE, text="Kosta\nSent from my phone\n"),
    )
    m7 = message(
        "event-cn@example.gr",
        b7,
        author=KOSTA,
        date=datetime(2025, 6, 8, 9, 0, tzinfo=EEST),
        subject="[devel] Event: community networks",
        index=6,
        links=(link_in(b7, "https://events.example.gr/cn-2025"),),
    )
    b8 = body_of(
        new("Count me in, and I will bring the regional report.\n\n"),
        quote(
            "> Join us for a session on community networks on 12 June.\n",
            m7.id,
        ),
        new("\nAs Pat said last year:\n"),
        quote("> Networks are built by the people who use them.\n", None),
        Part(kind=SegmentKind.PLACEHOLDER, text="\n[cid:image001.png@01DB1234.5678]\n"),
    )
    m8 = message(
        "anna-cn@example.no",
        b8,
        author=ANNA,
        date=datetime(2025, 6, 8, 10, 5, tzinfo=timezone(timedelta(hours=2))),
        subject="Re: [devel] Event: community networks",
        index=7,
        parent_id=m7.id,
        evidence=Evidence.HEADER,
    )
    return make_archive([m1, m2, m3, m4, m5, m6, m7, m8])


def hostile_archive() -> Archive:
    """Bodies, names and links that would break or script a page if not escaped."""
    text = (
        'Look: <script>alert("pwned")</script> and <img src="https://tracker.example/p.gif">\n'
        "Click javascript:alert(1) or data:text/html,<b>x</b> or\n"
        'https://example.org/a?x=1&y="onmouseover="alert(2)\n'
        "and https://example.org/ok?a=1&b=2 which is fine.\n"
        "# not a heading\n"
        "> not a quote\n"
        "1. not a list\n"
    )
    b = body_of(new(text))
    m1 = message(
        "weird id/<x>@example",
        b,
        author=Person(name='Eve <script>alert("name")</script>', address="eve@example.org"),
        date=datetime(2025, 1, 2, 3, 4, tzinfo=UTC),
        subject="<b>bold</b> & co",
        index=0,
        links=(
            link_in(b, "javascript:alert(1)"),
            link_in(b, "data:text/html,<b>x</b>"),
            link_in(b, 'https://example.org/a?x=1&y="onmouseover="alert(2)'),
            link_in(
                b, "https://example.org/ok?a=1&b=2", "JavaScript:alert(3)", rewriter=Rewriter.CISCO
            ),
        ),
    )
    b2 = body_of(new("A reply whose id slugs like the first one.\n"))
    m2 = message(
        "weird id <x>@example",
        b2,
        author=Person(name="Mallory", address=""),
        date=None,
        subject="Re: <b>bold</b> & co",
        index=1,
        parent_id=m1.id,
        evidence=Evidence.HEADER,
    )
    return make_archive([m1, m2])


def chain_archive(length: int) -> Archive:
    """One thread where each message answers the one before: a deep tree."""
    msgs: list[Message] = []
    for i in range(length):
        b = body_of(new(f"Reply number {i} in the long chain.\n"))
        msgs.append(
            message(
                f"chain-{i}@example.org",
                b,
                author=Person(name=f"Person {i % 3}", address=f"p{i % 3}@example.org"),
                date=datetime(2025, 3, 1, tzinfo=UTC) + timedelta(hours=i),
                subject="Re: chain" if i else "chain",
                index=i,
                parent_id=msgs[-1].id if msgs else None,
                evidence=Evidence.HEADER if msgs else None,
            )
        )
    return make_archive(msgs)


def many_threads_archive(threads: int, replies: int = 2) -> Archive:
    """`threads` threads of a root and `replies` replies each, a large archive made small.

    Each root after the first quotes the root of the thread before it, and each reply quotes
    its parent, so quotes link both within a thread and across threads. Dates run a day per
    thread; authors repeat every seven.
    """
    msgs: list[Message] = []
    start = datetime(2025, 1, 1, 9, 0, tzinfo=UTC)
    for t in range(threads):
        root_id = f"root-{t}@example.org"
        parts = [new(f"Opening words of thread {t}.\n")]
        if t:
            parts.insert(
                0, quote(f"> Opening words of thread {t - 1}.\n", f"root-{t - 1}@example.org")
            )
        msgs.append(
            message(
                root_id,
                body_of(*parts),
                author=Person(name=f"Author {t % 7}", address=f"a{t % 7}@example.org"),
                date=start + timedelta(days=t),
                subject=f"Topic {t}: plans",
                index=len(msgs),
            )
        )
        for r in range(replies):
            parent = msgs[-1]
            msgs.append(
                message(
                    f"reply-{t}-{r}@example.org",
                    body_of(
                        quote(f"> {parent.new_text.strip()}\n", parent.id),
                        new(f"Reply {r} in thread {t}.\n"),
                    ),
                    author=Person(name=f"Author {(t + r + 1) % 7}", address=""),
                    date=start + timedelta(days=t, hours=r + 1),
                    subject=f"Re: Topic {t}: plans",
                    index=len(msgs),
                    parent_id=parent.id,
                    evidence=Evidence.HEADER,
                )
            )
    return make_archive(msgs)
