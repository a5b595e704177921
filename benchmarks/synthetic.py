"""Synthetic mailing-list archive with known answers, for the quality benchmark and tests.

`generate_archive(path, messages=3000, seed=0)` writes an mbox file (RFC 5322 messages with
`From ` separators, Message-ID, From, Date, Subject and List-Id headers; In-Reply-To and
References on some replies only, so threading must sometimes fall back on attributions, quotes
or subjects) and returns a `GroundTruth`: for every message in file order its Message-ID, author,
reply shape, true parent, own paragraphs (exact text), quoted paragraphs with the message that
originally wrote each, plus which messages are copies of which (and why) and which pairs are
distinct messages that merely share their words.

    import sys; sys.path.insert(0, "benchmarks")
    from synthetic import generate_archive
    truth = generate_archive("/tmp/synthetic.mbox", messages=300, seed=1)

    .venv/bin/python benchmarks/synthetic.py OUT.mbox [--messages N] [--seed S]  # write one

Own text is a salad of 1-4 word runs of the words of the bundled archives (examples/data), so
no two messages share a long run of words by chance. The same seed gives the same archive,
byte for byte. Reply shapes (`REPLY_SHAPES`) are all mixed in one archive: top-posted over a
`>` quote, over an unmarked quote after an "On ... wrote:" line or after an Outlook header
block; bottom-posted with and without `>`; interleaved with and without `>`; quotes of quotes;
re-wrapped quotes; and short answers ("+1") given by two different people. Copies
(`COPY_REASONS`): the same message archived twice, a resend with a new Message-ID, a cross-post
to another list. Distinct messages that share words (`DISTINCT_REASONS`): the short answers,
and a long report reposted weeks later by someone else.
"""

from __future__ import annotations

import argparse
import gzip
import random
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import attrs

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "examples" / "data"

REPLY_SHAPES = (
    "top_marked",
    "top_unmarked_attribution",
    "top_unmarked_outlook",
    "bottom_unmarked",
    "bottom_marked",
    "interleaved_marked",
    "interleaved_unmarked",
    "quote_of_quote",
    "rewrapped",
    "short_answer",
)
"""Shapes of replies: every reply has one (a copy has its original's)."""
TOP_SHAPES = ("new_thread", "report", "report_repost")
"""Shapes of messages that start a thread."""
COPY_REASONS = ("archived_twice", "resend", "crosspost")
DISTINCT_REASONS = ("same_short_answer", "report_reposted")
SHORT_ANSWERS = ("+1", "Thanks!", "Agreed.")

# Weights of what the next message is (a short answer adds two messages).
_KINDS: tuple[tuple[str, float], ...] = (
    ("new_thread", 14),
    ("report", 3),
    ("report_repost", 1),
    ("top_marked", 9),
    ("top_unmarked_attribution", 7),
    ("top_unmarked_outlook", 6),
    ("bottom_unmarked", 9),
    ("bottom_marked", 9),
    ("interleaved_marked", 7),
    ("interleaved_unmarked", 6),
    ("quote_of_quote", 7),
    ("rewrapped", 6),
    ("short_answer", 4),
    ("archived_twice", 3),
    ("resend", 3),
    ("crosspost", 3),
)
_FIRST = (
    "Alice Bruno Chen Dana Emeka Farah Goran Hana Ivan Jonas Keiko Lena Mateo Nadia Oskar "
    "Priya Quentin Rosa Samir Tanja Ugo Vera Wen Ximena Yusuf Zoe Amara Bilal Carmen Dmitri"
).split()
_LAST = (
    "Okafor Lindqvist Moreau Tanaka Haddad Novak Fischer Silva Kowalski Nguyen Petrov Garcia "
    "Mensah Rossi Ibrahim Weber Costa Jensen Park Kaur"
).split()
_DOMAINS = ("example.org", "example.net", "mail.example.com", "lists.example.edu", "corp.example")
_SIGN_OFFS = ("Best,", "Thanks,", "Regards,", "Cheers,", "Kind regards,")
_MAIN_LIST = "dev.lists.example.org"
_OTHER_LIST = "users.lists.example.org"
# Words that could make a generated line look like structure (sign-offs, headers, markers).
_STOP = frozenset(
    "from sent to subject date wrote writes thanks thank regards best cheers sincerely original "
    "message forwarded unsubscribe list mailing signature cc bcc re fwd fw on".split()
)
_WORD = re.compile(r"[A-Za-z][a-z]{1,13}[,.]?")
_HEADERISH = re.compile(r"^(?:[\w-]+: |From |>)")


@attrs.frozen(kw_only=True)
class QuotedParagraph:
    """A paragraph of a message that repeats a paragraph of an earlier one."""

    text: str
    """The paragraph as its author wrote it (unwrapped, single spaces)."""
    source_index: int
    """File position of the message that originally wrote it."""
    source_id: str
    """That message's Message-ID, without angle brackets."""
    depth: int
    """1: quoted from the parent; 2: a quote of a quote (the parent quoted it)."""
    marked: bool
    """Whether it carries `>` markers in this body."""
    rendered: str
    """The paragraph exactly as it stands in this body (wrapped, markers included)."""


@attrs.frozen(kw_only=True)
class TruthMessage:
    """What is known about one message of the generated mbox."""

    index: int
    """0-based position in the file (the library's `Source.index`)."""
    message_id: str
    """The Message-ID without angle brackets (two messages share one when archived twice)."""
    author_name: str
    author_address: str
    shape: str
    """A `REPLY_SHAPES` or `TOP_SHAPES` name; copies keep their original's shape."""
    subject: str
    list_id: str
    parent_index: int | None
    """File position of the true parent (None for a thread start)."""
    parent_id: str | None
    has_reply_headers: bool
    """In-Reply-To and References were written (otherwise threading must fall back)."""
    own: tuple[str, ...]
    """The author's own paragraphs, exact text (unwrapped, single spaces)."""
    own_rendered: tuple[str, ...]
    """The same paragraphs exactly as they stand in the body (wrapped)."""
    quoted: tuple[QuotedParagraph, ...]
    copy_of: int | None = None
    """For a copy: the file position of the original message."""
    copy_reason: str | None = None
    body: str = ""

    @property
    def is_reply(self) -> bool:
        return self.parent_index is not None


@attrs.frozen(kw_only=True)
class CopyPair:
    """Two file entries that are the same message: they must collapse into one."""

    original: int
    copy: int
    reason: str


@attrs.frozen(kw_only=True)
class DistinctPair:
    """Two different messages with the same words: both must be kept."""

    first: int
    second: int
    reason: str


@attrs.frozen(kw_only=True)
class GroundTruth:
    """The known answers for one generated archive."""

    path: str
    seed: int
    messages: tuple[TruthMessage, ...]
    copies: tuple[CopyPair, ...]
    distinct: tuple[DistinctPair, ...]

    def copy_root(self, index: int) -> int:
        """The original of a copy (or the message itself)."""
        m = self.messages[index]
        return m.copy_of if m.copy_of is not None else index


@attrs.frozen(kw_only=True)
class _Person:
    name: str
    address: str

    @property
    def first(self) -> str:
        return self.name.split()[0]


def corpus_words() -> list[str]:
    """Plain words (letters, an optional trailing comma or full stop) of the bundled archives'
    unquoted body lines, in order; words that look like structure are left out."""
    words: list[str] = []
    last = ""
    for path in sorted(DATA.iterdir()):
        if path.suffix == ".gz":
            with gzip.open(path, "rt", encoding="utf-8", errors="replace") as f:
                text = f.read()
        else:
            text = path.read_text(encoding="utf-8", errors="replace")
        for line in text.splitlines():
            if _HEADERISH.match(line):
                continue
            for w in line.split():
                # Consecutive repeats ("requires requires") would make runs that recur by chance.
                key = w.rstrip(",.").lower()
                if _WORD.fullmatch(w) and key not in _STOP and key != last:
                    words.append(w)
                    last = key
    return words


_WRAP: dict[int, re.Pattern[str]] = {}


def wrap(text: str, width: int, prefix: str = "") -> str:
    """`text` broken into lines of at most `width` characters (after `prefix`)."""
    width = max(20, width - len(prefix))
    pattern = _WRAP.get(width)
    if pattern is None:
        pattern = _WRAP[width] = re.compile(rf"(\S.{{0,{width - 1}}})(?: +|$)")
    return "\n".join(prefix + line for line in pattern.findall(text))


@attrs.define
class _Draft:
    """A message being generated (mutable while it is built; frozen into a TruthMessage)."""

    message_id: str
    author: _Person
    date: datetime
    subject: str
    shape: str
    parent: int | None
    own: list[str]
    quoted: list[QuotedParagraph]
    body: str = ""
    own_rendered: list[str] = attrs.field(factory=list)
    list_id: str = _MAIN_LIST
    reply_headers: bool = False
    references: tuple[str, ...] = ()
    copy_of: int | None = None
    copy_reason: str | None = None


class _Builder:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.words = corpus_words()
        rng = self.rng
        people: list[_Person] = []
        for first in _FIRST:
            for last in rng.sample(_LAST, 5):
                domain = rng.choice(_DOMAINS)
                address = f"{first}.{last}@{domain}".lower()
                people.append(_Person(name=f"{first} {last}", address=address))
        self.people = people
        self.drafts: list[_Draft] = []
        self.now = datetime(2025, 1, 6, 8, 30, tzinfo=UTC)
        self.copied: set[int] = set()
        self.copies: list[CopyPair] = []
        self.distinct: list[DistinctPair] = []
        self.serial = 0
        self.done: set[str] = set()

    # -- text -----------------------------------------------------------------------------

    def sentence(self, lo: int, hi: int) -> str:
        rng, words = self.rng, self.words
        out: list[str] = []
        target = rng.randint(lo, hi)
        while len(out) < target:
            at = rng.randrange(len(words) - 4)
            out += words[at : at + rng.randint(1, 4)]
        out[0] = out[0][0].upper() + out[0][1:]
        return " ".join(out).rstrip(",.") + "."

    def paragraph(self) -> str:
        return " ".join(self.sentence(6, 18) for _ in range(self.rng.randint(1, 4)))

    def message_id(self) -> str:
        self.serial += 1
        return f"{self.rng.getrandbits(40):010x}.{self.serial}@{self.rng.choice(_DOMAINS)}"

    def subject(self) -> str:
        return self.sentence(3, 7).rstrip(".")

    def attribution(self, d: _Draft) -> str:
        t = d.date
        when = f"{t:%a}, {t:%b} {t.day}, {t:%Y} at {t:%H:%M}"
        return f"On {when}, {d.author.name} <{d.author.address}> wrote:"

    def outlook(self, d: _Draft) -> str:
        t = d.date
        return (
            f"From: {d.author.name} <{d.author.address}>\n"
            f"Sent: {t:%A}, {t:%B} {t.day}, {t:%Y} {t:%H:%M}\n"
            f"To: {_MAIN_LIST.replace('.lists', '@lists', 1)}\n"
            f"Subject: {d.subject}"
        )

    def sign_off(self, who: _Person) -> str:
        rng = self.rng
        if rng.random() < 0.2:
            return f"-- \n{who.name}"
        return f"{rng.choice(_SIGN_OFFS)}\n{who.first}"

    # -- choices --------------------------------------------------------------------------

    def tick(self) -> None:
        self.now += timedelta(minutes=self.rng.randint(10, 190), seconds=self.rng.randint(0, 59))

    def author(self, avoid: _Person | None = None) -> _Person:
        while True:
            p = self.rng.choice(self.people)
            if p != avoid:
                return p

    def pick_parent(self, *, needs_quotes: bool = False) -> int | None:
        """A recent message that can be replied to (an original with text of its own)."""
        n = len(self.drafts)
        for _ in range(20):
            i = n - 1 - int(self.rng.expovariate(1 / 12))
            if i < 0:
                continue
            d = self.drafts[i]
            if d.copy_of is not None or d.shape in ("short_answer", "report_repost"):
                continue
            if needs_quotes and not d.quoted:
                continue
            return i
        return None

    # -- messages -------------------------------------------------------------------------

    def add(self, d: _Draft) -> int:
        self.drafts.append(d)
        return len(self.drafts) - 1

    def new_thread(self, shape: str) -> None:
        n = self.rng.randint(6, 10) if shape == "report" else self.rng.randint(1, 4)
        own = [self.paragraph() for _ in range(n)]
        author = self.author()
        d = _Draft(self.message_id(), author, self.now, self.subject(), shape, None, own, [])
        width = self.rng.randint(66, 76)
        d.own_rendered = [wrap(p, width) for p in own]
        d.body = "\n\n".join([*d.own_rendered, self.sign_off(author)]) + "\n"
        self.add(d)

    def report_repost(self) -> bool:
        """A report posted again, weeks later, by someone else: same words, another message."""
        old = [
            i
            for i, d in enumerate(self.drafts)
            if d.shape == "report" and d.copy_of is None and self.now - d.date > timedelta(days=14)
        ]
        if not old:
            return False
        i = self.rng.choice(old)
        src = self.drafts[i]
        author = self.author(avoid=src.author)
        d = _Draft(
            self.message_id(), author, self.now, src.subject, "report_repost", None, src.own, []
        )
        d.own_rendered, d.body = src.own_rendered, src.body
        j = self.add(d)
        self.distinct.append(DistinctPair(first=i, second=j, reason="report_reposted"))
        return True

    def reply(self, shape: str) -> bool:
        rng = self.rng
        p = self.pick_parent(needs_quotes=shape == "quote_of_quote")
        if p is None:
            return False
        parent = self.drafts[p]
        author = self.author(avoid=parent.author)
        subject = parent.subject if parent.subject.startswith("Re: ") else f"Re: {parent.subject}"
        own = [self.paragraph() for _ in range(rng.randint(1, 3))]
        d = _Draft(self.message_id(), author, self.now, subject, shape, p, own, [])
        d.reply_headers = rng.random() < 0.65
        d.references = (*parent.references, parent.message_id)
        width = rng.randint(64, 76)
        own_r = [wrap(t, width) for t in own]
        d.own_rendered = own_r
        sign = self.sign_off(author)

        # The parent's paragraphs this reply quotes: all, or a run of them.
        src = [(t, p) for t in parent.own]
        if len(src) > 2 and rng.random() < 0.4:
            a = rng.randrange(len(src))
            src = src[a : a + rng.randint(1, len(src) - a)]
        marked = shape in (
            "top_marked",
            "bottom_marked",
            "interleaved_marked",
            "quote_of_quote",
            "rewrapped",
        )
        qwidth = rng.randint(38, 52) if shape == "rewrapped" else width
        prefix = "> " if marked else ""

        def quote(text: str, origin: int, depth: int) -> str:
            pre = prefix * depth if marked else ""
            rendered = wrap(text, qwidth, pre)
            d.quoted.append(
                QuotedParagraph(
                    text=text,
                    source_index=origin,
                    source_id=self.drafts[origin].message_id,
                    depth=depth,
                    marked=marked,
                    rendered=rendered,
                )
            )
            return rendered

        attribution = self.attribution(parent)
        blank = "\n>\n" if marked else "\n\n"
        if shape in ("top_marked", "top_unmarked_attribution", "rewrapped"):
            quoted = blank.join(quote(t, o, 1) for t, o in src)
            parts = [*own_r, sign, f"{attribution}\n{quoted}"]
        elif shape == "top_unmarked_outlook":
            quoted = "\n\n".join(quote(t, o, 1) for t, o in src)
            parts = [*own_r, sign, f"{self.outlook(parent)}\n\n{quoted}"]
        elif shape in ("bottom_unmarked", "bottom_marked"):
            quoted = blank.join(quote(t, o, 1) for t, o in src)
            parts = [f"{attribution}\n{quoted}", *own_r, sign]
        elif shape in ("interleaved_marked", "interleaved_unmarked"):
            src = [(t, p) for t in parent.own]
            parts = [attribution]
            for k in range(max(len(src), len(own_r))):
                if k < len(src):
                    parts.append(quote(src[k][0], src[k][1], 1))
                if k < len(own_r):
                    parts.append(own_r[k])
            parts[0] = f"{parts[0]}\n{parts.pop(1)}"
            parts.append(sign)
        elif shape == "quote_of_quote":
            # The parent's quotes (two levels deep) under the parent's own attribution line,
            # then the parent's own paragraphs, then this reply's own paragraphs.
            inner = [q for q in parent.quoted if q.depth == 1]
            grand = self.drafts[inner[0].source_index]
            lines = [f"{attribution}\n> {self.attribution(grand)}"]
            deep = "\n> >\n".join(quote(q.text, q.source_index, 2) for q in inner)
            lines.append(deep)
            lines.append("\n>\n".join(quote(t, o, 1) for t, o in src))
            parts = ["\n>\n".join(lines), *own_r, sign]
        else:
            raise ValueError(shape)
        d.body = "\n\n".join(parts) + "\n"
        self.add(d)
        return True

    def short_answers(self) -> bool:
        """Two different people answer the same message with the same short text."""
        p = self.pick_parent()
        if p is None:
            return False
        parent = self.drafts[p]
        text = self.rng.choice(SHORT_ANSWERS)
        subject = parent.subject if parent.subject.startswith("Re: ") else f"Re: {parent.subject}"
        first = self.author(avoid=parent.author)
        second = self.author(avoid=first)
        pair = []
        for who in (first, second):
            d = _Draft(self.message_id(), who, self.now, subject, "short_answer", p, [text], [])
            d.reply_headers = True
            d.references = (*parent.references, parent.message_id)
            d.own_rendered = [text]
            d.body = text + "\n"
            pair.append(self.add(d))
            self.tick()
        self.distinct.append(
            DistinctPair(first=pair[0], second=pair[1], reason="same_short_answer")
        )
        return True

    def copy(self, reason: str) -> bool:
        """The same message again: archived twice, resent or cross-posted."""
        rng = self.rng
        candidates = []
        for i in range(len(self.drafts) - 1, max(-1, len(self.drafts) - 40), -1):
            d = self.drafts[i]
            if d.copy_of is not None or i in self.copied:
                continue
            if d.shape in ("short_answer", "report_repost"):
                continue
            if reason == "resend" and self.now - d.date > timedelta(hours=6):
                continue
            candidates.append(i)
        if not candidates:
            return False
        i = rng.choice(candidates[:10])
        src = self.drafts[i]
        c = attrs.evolve(src, copy_of=i, copy_reason=reason)
        if reason == "resend":
            c.message_id = self.message_id()
            c.date = max(self.now, src.date + timedelta(minutes=rng.randint(3, 300)))
        elif reason == "crosspost":
            if rng.random() < 0.5:
                c.message_id = self.message_id()
            c.date = src.date + timedelta(seconds=rng.randint(0, 90))
            c.list_id = _OTHER_LIST
        j = self.add(c)
        self.copied.add(i)
        self.copies.append(CopyPair(original=i, copy=j, reason=reason))
        return True

    def attempt(self, kind: str, remaining: int) -> bool:
        """Add a message (two for short answers) of this kind, if the archive allows one."""
        if kind in ("new_thread", "report"):
            self.new_thread(kind)
            ok = True
        elif kind == "report_repost":
            ok = self.report_repost()
        elif kind == "short_answer":
            ok = remaining >= 2 and self.short_answers()
        elif kind in COPY_REASONS:
            ok = self.copy(kind)
        else:
            ok = self.reply(kind)
        if ok:
            self.done.add(kind)
            self.tick()
        return ok

    def step(self, remaining: int) -> None:
        names = [k for k, _ in _KINDS]
        weights = [w for _, w in _KINDS]
        if not self.drafts:
            # A report first, so that a repost weeks later is possible even in a small archive.
            self.attempt("report", remaining)
            return
        # Near the end, kinds not seen yet go first: every kind shows in a few hundred messages.
        missing = [k for k in names if k not in self.done]
        if missing and remaining <= 2 * len(missing) + 2:
            for kind in missing:
                if self.attempt(kind, remaining):
                    return
        while not self.attempt(self.rng.choices(names, weights)[0], remaining):
            pass

    # -- output ---------------------------------------------------------------------------

    def render(self, d: _Draft) -> str:
        subject = d.subject
        if d.list_id == _OTHER_LIST:
            subject = f"[users] {subject}"
        head = [
            f"From {d.author.address} {d.date:%a %b %d %H:%M:%S %Y}",
            f"Message-ID: <{d.message_id}>",
            f'From: "{d.author.name}" <{d.author.address}>',
            f"Date: {format_datetime(d.date)}",
            f"Subject: {subject}",
            f"List-Id: <{d.list_id}>",
        ]
        if d.reply_headers and d.references:
            head.append(f"In-Reply-To: <{d.references[-1]}>")
            head.append("References: " + " ".join(f"<{r}>" for r in d.references))
        head += [
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
        ]
        return "\n".join(head) + "\n\n" + d.body + "\n"

    def truth(self, d: _Draft, index: int) -> TruthMessage:
        parent = self.drafts[d.parent].message_id if d.parent is not None else None
        return TruthMessage(
            index=index,
            message_id=d.message_id,
            author_name=d.author.name,
            author_address=d.author.address,
            shape=d.shape,
            subject=d.subject,
            list_id=d.list_id,
            parent_index=d.parent,
            parent_id=parent,
            has_reply_headers=d.reply_headers,
            own=tuple(d.own),
            own_rendered=tuple(d.own_rendered),
            quoted=tuple(d.quoted),
            copy_of=d.copy_of,
            copy_reason=d.copy_reason,
            body=d.body,
        )


def generate_archive(path: str | Path, messages: int = 3000, seed: int = 0) -> GroundTruth:
    """Write an mbox of `messages` messages to `path`; return what is known about it."""
    b = _Builder(seed)
    while len(b.drafts) < messages:
        b.step(messages - len(b.drafts))
    path = Path(path)
    with path.open("w", encoding="utf-8", newline="\n") as f:
        for d in b.drafts:
            f.write(b.render(d))
    return GroundTruth(
        path=str(path),
        seed=seed,
        messages=tuple(b.truth(d, i) for i, d in enumerate(b.drafts)),
        copies=tuple(b.copies),
        distinct=tuple(b.distinct),
    )


def shape_counts(truth: GroundTruth) -> dict[str, int]:
    """Messages per shape (copies counted under their reason instead)."""
    out: dict[str, int] = {}
    for m in truth.messages:
        key = m.copy_reason or m.shape
        out[key] = out.get(key, 0) + 1
    return out


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write a synthetic mbox with known answers.")
    parser.add_argument("out", type=Path)
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    truth = generate_archive(args.out, args.messages, args.seed)
    for key, n in sorted(shape_counts(truth).items()):
        print(f"{key:>26} {n:6d}")


if __name__ == "__main__":
    main()
