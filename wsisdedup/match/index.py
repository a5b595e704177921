"""The cross-message matching stage: what each message repeats from earlier ones.

A reply's quote is often not marked at all (HTML mail turned to text, archives that strip `>`,
scraped pages), so it can only be found by recognising text an earlier message already holds.
The stage has the two phases DESIGN.md asks for:

1. **map** (`fingerprint`): one message alone -> a `Fingerprint`: the canonical text cut into
   word tokens, hashed shingles of `k` words, one shingle in `sample` kept. The hash is stable
   (blake2b of each word, summed over the shingle), so fingerprints can be computed elsewhere
   and joined here.
2. **join** (`match_archive`, `find_repeats`, `find_duplicates`): in archive order, a dict from
   shingle hash to the earliest message that holds the shingle in its *own* content proposes
   candidate sources (at least `min_hits` shared shingles); only those pairs are aligned, so the
   cost grows with the archive, not with its square. Because the earliest holder wins (and what
   a candidate itself repeats is aligned first), a quote of a quote points to the original
   author.

Alignment is local and on word tokens: every shingle of the body is looked up among all the
shingles of the candidate's own content, and hits on one diagonal are exact runs of words; runs
are chained across small edits (a changed word, a rewritten link; rapidfuzz scores the words
that still agree in a gap), then mapped back to the body through `Canonical.offsets` and widened
over the punctuation both sides share. A global LCS (rapidfuzz `LCSseq.editops`) was tried first:
on a long source it trades a 30-word quote for scattered agreement on frequent words and loses
it. Copies are confirmed with rapidfuzz `Indel` on the own words.

Memory is what limits the scale (PERFORMANCE.md): the index keeps one shingle in `sample` for the
last `window` messages and thins older messages to one in `old_sample`, so long quotes and copies
of old messages are still found while the dict stays a fraction of the archive's text.
"""

from __future__ import annotations

import hashlib
from array import array
from bisect import bisect_left, bisect_right
from collections import Counter, OrderedDict, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import accumulate, compress, repeat
from operator import add, is_not, sub

import attrs
import regex
from rapidfuzz.distance import Indel, LCSseq

from wsisdedup.model import Segment, SegmentKind
from wsisdedup.text.normalise import Canonical, canonical

__all__ = [
    "ArchiveMatches",
    "DuplicateGroup",
    "Fingerprint",
    "IndexDoc",
    "IndexSettings",
    "Match",
    "Span",
    "apply_matches",
    "dominant_source",
    "find_duplicates",
    "find_repeats",
    "fingerprint",
    "match_archive",
]

# Canonical text has single spaces between words (`wsisdedup.text.normalise`), so `str.split(" ")`
# tokenises it at C speed, 3-4x faster than a regex. Punctuation at the ends of a word is not part
# of it ("works." is "works"); a token of punctuation alone ("-", "|") is not a word at all.
# Splitting on spaces rather than on `\W` keeps "0:6.10.4" or "mx1.redhat.com" one word, so
# version strings and mail-relay debris do not count as long runs of shared words.
_EDGE_PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
# Text a quote line starts with before its words (`> `, `| `) and the blank rest of a line:
# `apply_matches` moves segment boundaries over them so no NEW piece is left holding markers.
_LINE_PREFIX = regex.compile(r"[ \t]*(?:[>|][ \t]*)*\Z")
_LINE_REST = regex.compile(r"[ \t]*(?:\r?\n|\Z)")
_BLANK = regex.compile(r"[\s>|]*\Z")

_WORD_BITS = 57
"""Bits of each word hash: a sum of up to 8 of them stays under 2**60, a two-digit Python int."""
_SAMPLE_SHIFT = 40
"""Which bits of a shingle hash decide whether it is sampled (carries mix them well)."""
_WORD_CACHE_MAX = 1 << 18


class _WordHashes(dict[str, int]):
    """word -> stable 57-bit hash of the word without its edge punctuation, memoised: a dict hit
    costs a tenth of a blake2b call. 0 stands for "not a word" (punctuation alone, empty).

    Cleared when it grows past `_WORD_CACHE_MAX` words, so archives full of unique tokens
    (hashes, base64 debris) cannot grow it without bound.
    """

    def __missing__(self, word: str) -> int:
        if len(self) >= _WORD_CACHE_MAX:
            self.clear()
        core = word.strip(_EDGE_PUNCTUATION)
        if not core:
            self[word] = 0
            return 0
        digest = hashlib.blake2b(core.encode("utf-8", "surrogatepass"), digest_size=8).digest()
        value = int.from_bytes(digest, "big") >> (64 - _WORD_BITS) or 1
        self[word] = value
        return value


_word_hashes = _WordHashes()


def _is_power_of_two(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    if value < 1 or value & (value - 1):
        raise ValueError(f"{attribute.name} must be a power of two, not {value}")


@attrs.frozen(kw_only=True)
class IndexSettings:
    """The knobs of the matching stage; the defaults suit mailing lists."""

    shingle_words: int = attrs.field(default=5, validator=attrs.validators.in_(range(2, 9)))
    """Words per shingle (2-8; 5 found every quote source in PERFORMANCE.md)."""
    sample: int = attrs.field(default=4, validator=_is_power_of_two)
    """Keep one shingle in `sample` in the index (memory / recall trade)."""
    min_hits: int = 2
    """Shared sampled shingles that make an earlier message a candidate source (fewer when the
    source holds fewer: a short message can still be found)."""
    max_candidates: int = 16
    """Candidate sources aligned per message, the ones sharing most shingles first."""
    min_words: int = 8
    """A repeated span shorter than this (in words) is boilerplate, not a quote."""
    min_chars: int = 40
    max_gap: int = 8
    """Words that may differ inside one quote (an edited word, a rewritten link)."""
    window: int = 10_000
    """Messages indexed at full density; older ones are thinned to `old_sample`."""
    old_sample: int = attrs.field(default=16, validator=_is_power_of_two)
    duplicate_ratio: float = 0.95
    """Own-text similarity (rapidfuzz Indel) at or above which two messages are copies."""
    cache_docs: int = 256
    """Tokenised messages kept for alignment (sources are mostly recent)."""

    def __attrs_post_init__(self) -> None:
        if self.old_sample % self.sample:
            raise ValueError("old_sample must be a multiple of sample")


DEFAULT_SETTINGS = IndexSettings()

Progress = Callable[[int], None]
"""Called with the number of messages done so far (for a progress bar)."""


@attrs.frozen(kw_only=True)
class Span:
    """A `[start, end)` stretch of a body."""

    start: int
    end: int


@attrs.frozen(kw_only=True)
class IndexDoc:
    """One message as the index sees it.

    `id` must be unique among the documents given together. `own` are the body spans that are
    the message's own content (its NEW and SIGNATURE segments before matching): only those are
    indexed as a source, while the whole body is searched for repeats.
    """

    id: str
    text: str
    own: tuple[Span, ...] = ()

    @classmethod
    def whole(cls, id: str, text: str) -> IndexDoc:
        """A document whose whole body is its own content."""
        return cls(id=id, text=text, own=(Span(start=0, end=len(text)),))

    @classmethod
    def from_segments(
        cls,
        id: str,
        text: str,
        segments: Iterable[Segment],
        kinds: frozenset[SegmentKind] = frozenset({SegmentKind.NEW, SegmentKind.SIGNATURE}),
    ) -> IndexDoc:
        """A document whose own content is its segments of `kinds`."""
        own = tuple(Span(start=s.start, end=s.end) for s in segments if s.kind in kinds)
        return cls(id=id, text=text, own=own)


@attrs.frozen(kw_only=True)
class Fingerprint:
    """What the join needs of one message (the output of the map phase).

    Hashes are stable across processes and machines: a shingle's hash is the sum of the
    top 57 bits of blake2b-64 of each of its words (canonical text split on spaces, punctuation
    at the word's ends stripped); it is sampled when bits 40 and up are 0 modulo
    `IndexSettings.sample`.
    """

    id: str
    hashes: tuple[int, ...]
    """Sampled shingle hashes of the whole body, in text order."""
    own_hashes: tuple[int, ...]
    """Sampled shingle hashes lying wholly inside the own content."""
    words: int
    own_words: int
    body_digest: bytes
    """blake2b of the body's canonical text: equal for bodies equal but for case, spacing, quote
    markers and link rewriting."""
    own_digest: bytes


@attrs.frozen(kw_only=True)
class Match:
    """A span of a body that repeats a span of an earlier message's own content."""

    start: int
    end: int
    source_id: str
    source_start: int
    source_end: int
    score: float
    """Share of the two spans' words that align (1.0: the same words)."""


@attrs.frozen(kw_only=True)
class DuplicateGroup:
    """Copies of one message: `kept_id` is the earliest, `copy_ids` the others in order."""

    kept_id: str
    copy_ids: tuple[str, ...]
    score: float
    """The lowest similarity of a copy to the kept message (1.0: all exact)."""


@attrs.frozen(kw_only=True)
class ArchiveMatches:
    """What the join finds: copies collapsed, and repeats in the messages that were kept."""

    duplicates: tuple[DuplicateGroup, ...]
    repeats: Mapping[str, tuple[Match, ...]]
    """Matches per kept message id; messages without any are absent."""


# ---------------------------------------------------------------------------------------------
# Map phase


@attrs.frozen(kw_only=True)
class _Tokens:
    """One body as word tokens, for fingerprinting and alignment."""

    ids: list[int]
    """Stable word hashes, in text order."""
    canon: Canonical
    starts: list[int]
    """Canonical offset of each token's first character."""
    ends: list[int]
    """Canonical offset just after each token's last character."""
    shingles: list[int]
    """Hash of the shingle starting at each token (`len(ids) - k + 1` of them)."""
    own: tuple[tuple[int, int], ...]
    """Token index ranges `[a, b)` of the own content."""
    own_ids: list[int]
    own_index: list[int]
    """Token index of each of `own_ids`."""
    own_breaks: tuple[int, ...]
    """Positions in `own_ids` where a new own range starts, ascending: a repeat must not span
    one, since the source text between two own ranges is not its own."""
    own_shingles: list[int]
    """The shingle starting at each position of `own_ids` (-1 where it would leave the range)."""
    own_where: dict[int, int]
    """Shingle hash -> position in `own_ids` of its first own occurrence."""


def _own_ranges(text: str, own: Sequence[Span]) -> list[tuple[int, int]]:
    """The own spans clipped to the text, sorted and merged."""
    spans = sorted((max(0, s.start), min(len(text), s.end)) for s in own if s.end > s.start)
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if b <= a:
            continue
        if merged and a <= merged[-1][1]:
            if b > merged[-1][1]:
                merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    return merged


def _first_token_at(canon: Canonical, starts: list[int], pos: int, length: int) -> int:
    """The first token whose body offset is `pos` or more (`len(starts)` if none).

    A lookup in `Canonical.offsets` may cost a search of its own, so the common own spans
    (from the start, to the end of the body) take none, and others a bisect over tokens.
    """
    if pos <= 0:
        return 0
    if pos >= length:
        return len(starts)
    offsets = canon.offsets
    return bisect_left(range(len(starts)), pos, key=lambda t: offsets[starts[t]])


def _shingles(ids: list[int], k: int) -> list[int]:
    """The sum of each `k` consecutive word hashes: two C passes (prefix sums, differences)."""
    prefix = list(accumulate(ids, initial=0))
    return list(map(sub, prefix[k:], prefix))


def _tokenise(doc: IndexDoc, k: int) -> _Tokens:
    """Canonical word tokens of a body, their canonical spans, shingles and own-content ranges.

    A token belongs to the own content when it starts inside an own span.
    """
    canon = canonical(doc.text)
    ctext = canon.text
    words = ctext.split(" ")
    lengths = list(map(len, words))
    cstarts = list(accumulate(map((1).__add__, lengths), initial=0))
    cstarts.pop()
    cends = list(map(add, cstarts, lengths))
    ids = [_word_hashes[w] for w in words]
    if 0 in ids:
        keep = list(map(bool, ids))
        ids = list(compress(ids, keep))
        cstarts = list(compress(cstarts, keep))
        cends = list(compress(cends, keep))
    own: list[tuple[int, int]] = []
    for a, b in _own_ranges(doc.text, doc.own):
        ta = _first_token_at(canon, cstarts, a, len(doc.text))
        tb = _first_token_at(canon, cstarts, b, len(doc.text))
        if tb > ta:
            if own and own[-1][1] >= ta:
                own[-1] = (own[-1][0], tb)
            else:
                own.append((ta, tb))
    shingles = _shingles(ids, k)
    own_ids: list[int] = []
    own_index: list[int] = []
    own_shingles: list[int] = []
    breaks: list[int] = []
    for a, b in own:
        breaks.append(len(own_ids))
        own_ids += ids[a:b]
        own_index += range(a, b)
        count = max(0, b - a - k + 1)
        own_shingles += shingles[a : a + count]
        own_shingles += repeat(-1, b - a - count)
    # Filled from the end, so that the first occurrence of a shingle is the one kept.
    where = dict(zip(reversed(own_shingles), range(len(own_shingles) - 1, -1, -1), strict=True))
    where.pop(-1, None)
    return _Tokens(
        ids=ids,
        canon=canon,
        starts=cstarts,
        ends=cends,
        shingles=shingles,
        own=tuple(own),
        own_ids=own_ids,
        own_index=own_index,
        own_breaks=tuple(breaks),
        own_shingles=own_shingles,
        own_where=where,
    )


def _body_span(tokens: _Tokens, first: int, last: int) -> tuple[int, int]:
    """The body span from token `first` to token `last` (inclusive)."""
    return tokens.canon.span(tokens.starts[first], tokens.ends[last])


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def _fingerprint(doc_id: str, tokens: _Tokens, settings: IndexSettings) -> Fingerprint:
    k = settings.shingle_words
    shingles = tokens.shingles
    mask = settings.sample - 1
    keep = [not (s >> _SAMPLE_SHIFT) & mask for s in shingles]
    own_hashes: list[int] = []
    for a, b in tokens.own:
        # Shingles starting in [a, b - k] lie wholly inside the own range.
        own_hashes += compress(shingles[a : b - k + 1], keep[a : b - k + 1])
    ctext = tokens.canon.text
    starts, ends = tokens.starts, tokens.ends
    return Fingerprint(
        id=doc_id,
        hashes=tuple(compress(shingles, keep)),
        own_hashes=tuple(dict.fromkeys(own_hashes)),
        words=len(tokens.ids),
        own_words=len(tokens.own_ids),
        body_digest=_digest(ctext),
        own_digest=_digest("\n".join(ctext[starts[a] : ends[b - 1]] for a, b in tokens.own)),
    )


def fingerprint(doc: IndexDoc, settings: IndexSettings = DEFAULT_SETTINGS) -> Fingerprint:
    """The map phase for one message: needs nothing but the message."""
    return _fingerprint(doc.id, _tokenise(doc, settings.shingle_words), settings)


# ---------------------------------------------------------------------------------------------
# Join phase


class _ShingleIndex:
    """shingle hash -> earliest message holding it in its own content, with thinning.

    Messages are numbered in archive order. Each keeps its keys at full density for `window`
    messages; then the keys that fail the sparser `old_sample` test are dropped.
    """

    def __init__(self, settings: IndexSettings) -> None:
        self.first: dict[int, int] = {}
        self.held = array("l")
        """Keys each message still holds (a short source needs fewer hits)."""
        self._recent: deque[tuple[int, tuple[int, ...]]] = deque()
        self._window = settings.window
        self._old_mask = settings.old_sample - 1

    def add(self, doc: int, hashes: Sequence[int]) -> None:
        while len(self.held) <= doc:
            self.held.append(0)
        first = self.first
        new = tuple(h for h in hashes if h not in first)
        first.update(dict.fromkeys(new, doc))
        self.held[doc] = len(new)
        if self._old_mask and new:
            self._recent.append((doc, new))
        while self._recent and self._recent[0][0] <= doc - self._window:
            self._thin(*self._recent.popleft())

    def _thin(self, doc: int, keys: tuple[int, ...]) -> None:
        first = self.first
        mask = self._old_mask
        dropped = 0
        for h in keys:
            if (h >> _SAMPLE_SHIFT) & mask and first.get(h) == doc:
                del first[h]
                dropped += 1
        self.held[doc] -= dropped

    def threshold(self, doc: int, min_hits: int) -> int:
        return max(1, min(min_hits, self.held[doc]))


class _TokenCache:
    """Tokenised messages by number, least recently used dropped first."""

    def __init__(self, docs: Sequence[IndexDoc], settings: IndexSettings) -> None:
        self._docs = docs
        self._k = settings.shingle_words
        self._size = max(1, settings.cache_docs)
        self._items: OrderedDict[int, _Tokens] = OrderedDict()

    def get(self, doc: int) -> _Tokens:
        tokens = self._items.get(doc)
        if tokens is None:
            tokens = _tokenise(self._docs[doc], self._k)
            self._items[doc] = tokens
            if len(self._items) > self._size:
                self._items.popitem(last=False)
        else:
            self._items.move_to_end(doc)
        return tokens


_Block = tuple[int, int, int]
"""Equal token runs `(a, b, size)`: body tokens `[a, a + size)` == source own tokens `[b, b +
size)`. A plain tuple: alignments make many of them."""


@attrs.frozen(kw_only=True)
class _Run:
    """A chain of blocks that together make one repeated span."""

    a: int
    a_end: int
    b: int
    b_end: int
    matched: int


def _seed_blocks(body: _Tokens, source: _Tokens, k: int) -> list[_Block]:
    """Exact runs shared by a body and a source's own content, found from shared shingles.

    Every body shingle is looked up in the source's own shingles (one C pass); consecutive hits
    on one diagonal make one block. This is a local alignment, linear in both lengths: a global
    LCS would trade a 30-word quote from a long source for scattered agreement on frequent words
    ("2010", "requires") and lose the quote.
    """
    shingles = body.shingles
    hits = list(map(source.own_where.get, shingles))
    own_shingles = source.own_shingles
    blocks: list[_Block] = []
    start = last = -2
    start_b = last_b = 0
    for i in compress(range(len(hits)), map(is_not, hits, repeat(None))):
        # Follow the diagonal while the source's next shingle is ours: the lookup gives only a
        # shingle's first occurrence, and a shingle hash is a sum, the same for "a b c d e" and
        # "b c d e a" (a word repeated k words later). Along a diagonal whose first shingle was
        # checked word by word, equal sums do mean equal words.
        nxt = last_b + 1
        if i == last + 1 and nxt < len(own_shingles) and own_shingles[nxt] == shingles[i]:
            last, last_b = i, nxt
            continue
        j = hits[i]
        assert j is not None
        if body.ids[i : i + k] != source.own_ids[j : j + k]:
            continue
        if start >= 0:
            blocks.append((start, start_b, last - start + k))
        start, start_b, last, last_b = i, j, i, j
    if start >= 0:
        blocks.append((start, start_b, last - start + k))
    # A block that starts inside the previous one (the source repeats itself) keeps its tail.
    out: list[_Block] = []
    end = 0
    for a, b, size in blocks:
        if a < end:
            cut = end - a
            if cut >= size:
                continue
            a, b, size = a + cut, b + cut, size - cut
        out.append((a, b, size))
        end = a + size
    return out


def _unclaimed(block: _Block, claimed: bytearray) -> list[_Block]:
    """The parts of a block over body tokens no earlier source has claimed."""
    a, b, size = block
    end = a + size
    if claimed.find(1, a, end) < 0:
        return [block]
    out: list[_Block] = []
    while a < end:
        if claimed[a]:
            nxt = claimed.find(0, a, end)
            if nxt < 0:
                break
            b += nxt - a
            a = nxt
            continue
        stop = claimed.find(1, a, end)
        if stop < 0:
            stop = end
        out.append((a, b, stop - a))
        b += stop - a
        a = stop
    return out


def _chain(
    blocks: list[_Block], body: _Tokens, source: _Tokens, settings: IndexSettings
) -> list[_Run]:
    """Blocks joined into runs across small edits (a changed word, a rewritten link).

    A gap in the body with no matching gap in the source is the reply's own text between two
    quoted paragraphs, and a gap in the source across one of its own-range breaks is text the
    source quoted; either ends the run. Words that still agree inside a bridged gap count.
    """
    runs: list[_Run] = []
    cur: _Run | None = None
    breaks = source.own_breaks
    for a, b, size in blocks:
        if cur is not None:
            gap_a = a - cur.a_end
            gap_b = b - cur.b_end
            if (
                0 <= gap_a <= settings.max_gap
                and 0 <= gap_b <= settings.max_gap
                and gap_a <= gap_b + 1
                and bisect_left(breaks, cur.b_end) == bisect_right(breaks, b)
            ):
                same = 0
                if gap_a and gap_b:
                    same = LCSseq.similarity(body.ids[cur.a_end : a], source.own_ids[cur.b_end : b])
                cur = _Run(
                    a=cur.a,
                    a_end=a + size,
                    b=cur.b,
                    b_end=b + size,
                    matched=cur.matched + size + same,
                )
                continue
            runs.append(cur)
        cur = _Run(a=a, a_end=a + size, b=b, b_end=b + size, matched=size)
    if cur is not None:
        runs.append(cur)
    return runs


def _punctuation_edges(text: str, start: int, end: int, src: str, s_start: int, s_end: int) -> Span:
    """Refine a word-aligned span on characters: take in the punctuation both sides share
    (a closing `.` or `?`, an opening parenthesis), never spaces or letters."""
    while (
        end < len(text)
        and s_end < len(src)
        and text[end] == src[s_end]
        and not text[end].isspace()
        and not text[end].isalnum()
    ):
        end += 1
        s_end += 1
    while (
        start > 0
        and s_start > 0
        and text[start - 1] == src[s_start - 1]
        and not text[start - 1].isspace()
        and not text[start - 1].isalnum()
    ):
        start -= 1
        s_start -= 1
    return Span(start=start, end=end)


@attrs.frozen(kw_only=True)
class _Pair:
    """One body and one candidate source under alignment."""

    body_doc: IndexDoc
    body: _Tokens
    source_doc: IndexDoc
    source: _Tokens


def _align(pair: _Pair, claimed: bytearray, settings: IndexSettings) -> list[Match]:
    """The repeats of one source's own content in one body; claims their body tokens."""
    body, source = pair.body, pair.source
    blocks = [
        part
        for blk in _seed_blocks(body, source, settings.shingle_words)
        for part in _unclaimed(blk, claimed)
    ]
    out: list[Match] = []
    text, src = pair.body_doc.text, pair.source_doc.text
    for run in _chain(blocks, body, source, settings):
        if run.matched < settings.min_words:
            continue
        # Offsets are mapped to the body only here: the map is a search per lookup.
        start, end = _body_span(body, run.a, run.a_end - 1)
        if end - start < settings.min_chars:
            continue
        s_start, s_end = _body_span(
            source, source.own_index[run.b], source.own_index[run.b_end - 1]
        )
        span = _punctuation_edges(text, start, end, src, s_start, s_end)
        s_span = _punctuation_edges(src, s_start, s_end, text, start, end)
        claimed[run.a : run.a_end] = b"\x01" * (run.a_end - run.a)
        score = 2 * run.matched / ((run.a_end - run.a) + (run.b_end - run.b))
        out.append(
            Match(
                start=span.start,
                end=span.end,
                source_id=pair.source_doc.id,
                source_start=s_span.start,
                source_end=s_span.end,
                score=round(min(1.0, score), 4),
            )
        )
    return out


def _copy_score(kept: list[int], later: list[int], settings: IndexSettings) -> float | None:
    """How alike two own texts are, if the later is a copy of the kept one (else None).

    A copy differs by a signature, a link, a re-wrapped line: small scattered edits. A reply
    that pastes the whole earlier message without markers is as similar by ratio, but adds its
    words in one place: words added before everything else (a top-posted "+1") or any one
    stretch of `min_words` changed words make it a message of its own.
    """
    score = Indel.normalized_similarity(kept, later)
    if score < settings.duplicate_ratio:
        return None
    added = removed = 0
    leading = True
    for op in [*Indel.opcodes(kept, later), None]:
        if op is None or op.tag == "equal":
            if added + removed >= settings.min_words or (leading and added and not removed):
                return None
            added = removed = 0
            leading = False
        elif op.tag == "insert":
            added += op.dest_end - op.dest_start
        else:
            removed += op.src_end - op.src_start
    return score


def _numbers(docs: Sequence[IndexDoc]) -> dict[str, int]:
    """id -> position; ids must be unique, or a match could not say which copy it means."""
    numbers: dict[str, int] = {}
    for i, d in enumerate(docs):
        if numbers.setdefault(d.id, i) != i:
            raise ValueError(f"document id {d.id!r} given twice: ids must be unique")
    return numbers


@attrs.frozen(kw_only=True)
class _Copy:
    kept: int
    score: float


class _Join:
    """The join over one archive, message by message in the order given."""

    def __init__(
        self,
        docs: Sequence[IndexDoc],
        settings: IndexSettings,
        fingerprints: Sequence[Fingerprint] | None,
    ) -> None:
        if fingerprints is not None and len(fingerprints) != len(docs):
            raise ValueError("fingerprints must match docs one to one")
        self.number = _numbers(docs)
        self.docs = docs
        self.settings = settings
        self.fingerprints = fingerprints
        self.index = _ShingleIndex(settings)
        self.cache = _TokenCache(docs, settings)
        self.by_body: dict[bytes, int] = {}
        self.by_own: dict[bytes, int] = {}
        self.own_words = array("l")
        self.copies: dict[int, _Copy] = {}
        self.repeats: dict[str, tuple[Match, ...]] = {}
        self.sources_of: dict[int, tuple[int, ...]] = {}

    def run(self, *, repeats: bool, duplicates: bool, progress: Progress | None) -> None:
        for i in range(len(self.docs)):
            self._one(i, repeats=repeats, duplicates=duplicates)
            if progress is not None:
                progress(i + 1)

    def _fingerprint(self, i: int) -> Fingerprint:
        if self.fingerprints is not None:
            return self.fingerprints[i]
        return _fingerprint(self.docs[i].id, self.cache.get(i), self.settings)

    def _one(self, i: int, *, repeats: bool, duplicates: bool) -> None:
        fp = self._fingerprint(i)
        self.own_words.append(fp.own_words)
        if duplicates:
            copy = self._copy_of(fp, i)
            if copy is not None:
                self.copies[i] = copy
                return
            if fp.words:
                self.by_body.setdefault(fp.body_digest, i)
            if fp.own_words >= self.settings.min_words:
                self.by_own.setdefault(fp.own_digest, i)
        if repeats:
            found = self._repeats(i, fp)
            if found:
                self.repeats[self.docs[i].id] = found
        self.index.add(i, fp.own_hashes)

    def _copy_of(self, fp: Fingerprint, i: int) -> _Copy | None:
        kept = self.by_body.get(fp.body_digest) if fp.words else None
        if kept is None and fp.own_words >= self.settings.min_words:
            kept = self.by_own.get(fp.own_digest)
        if kept is not None:
            return _Copy(kept=kept, score=1.0)
        if fp.own_words < self.settings.min_words or not fp.own_hashes:
            return None
        # Near copies share most of their own shingles with one earlier message of about the
        # same length; only those few are compared word by word.
        hits = Counter(map(self.index.first.get, fp.own_hashes))
        hits.pop(None, None)
        need = len(fp.own_hashes) / 2
        ratio = self.settings.duplicate_ratio
        for src, n in hits.most_common(3):
            if src is None or n < need:
                break
            # Indel similarity is at most 2 * shorter / (shorter + longer).
            theirs = self.own_words[src]
            if min(theirs, fp.own_words) < ratio / (2 - ratio) * max(theirs, fp.own_words):
                continue
            score = _copy_score(
                self.cache.get(src).own_ids, self.cache.get(i).own_ids, self.settings
            )
            if score is not None:
                return _Copy(kept=src, score=round(score, 4))
        return None

    def _repeats(self, i: int, fp: Fingerprint) -> tuple[Match, ...]:
        settings = self.settings
        hits = Counter(map(self.index.first.get, fp.hashes))
        hits.pop(None, None)
        candidates = [
            src
            for src, n in hits.most_common()
            if src is not None and n >= self.index.threshold(src, settings.min_hits)
        ][: settings.max_candidates]
        if not candidates:
            return ()
        # What a candidate itself repeats is a candidate too when this body shares a sampled
        # shingle with it: a short passage that reached us through the candidate (quoted, or
        # pasted without markers) may have too few to be proposed, yet must point to its
        # original author.
        chosen = set(candidates)
        for src in candidates:
            chosen.update(x for x in self.sources_of.get(src, ()) if x in hits)
        body = self.cache.get(i)
        claimed = bytearray(len(body.ids))
        matches: list[Match] = []
        # Earliest source first: where a later source repeats it too, the original author
        # claims the words.
        for src in sorted(chosen):
            pair = _Pair(
                body_doc=self.docs[i],
                body=body,
                source_doc=self.docs[src],
                source=self.cache.get(src),
            )
            matches += _align(pair, claimed, settings)
        found = _without_overlaps(matches)
        if found:
            self.sources_of[i] = tuple(sorted({self.number[m.source_id] for m in found}))
        return found

    def duplicate_groups(self) -> tuple[DuplicateGroup, ...]:
        groups: dict[int, list[int]] = {}
        scores: dict[int, float] = {}
        for copy, c in self.copies.items():
            groups.setdefault(c.kept, []).append(copy)
            scores[c.kept] = min(scores.get(c.kept, 1.0), c.score)
        return tuple(
            DuplicateGroup(
                kept_id=self.docs[kept].id,
                copy_ids=tuple(self.docs[c].id for c in copies),
                score=scores[kept],
            )
            for kept, copies in sorted(groups.items())
        )


def _without_overlaps(matches: list[Match]) -> tuple[Match, ...]:
    """Matches in body order; punctuation taken in at an edge never overlaps the next match."""
    out: list[Match] = []
    for m in sorted(matches, key=lambda m: m.start):
        if out and m.start < out[-1].end:
            m = attrs.evolve(m, start=out[-1].end)
            if m.end <= m.start:
                continue
        out.append(m)
    return tuple(out)


def match_archive(
    docs: Sequence[IndexDoc],
    settings: IndexSettings = DEFAULT_SETTINGS,
    *,
    fingerprints: Sequence[Fingerprint] | None = None,
    progress: Progress | None = None,
) -> ArchiveMatches:
    """Copies and repeats in one pass over an archive in date or archive order.

    A message that is a copy of an earlier one (same words, or near-same own text) is reported
    in `duplicates` and neither searched nor indexed: its repeats are those of the kept copy.
    `fingerprints`, if given, are the map phase's output for `docs`, one to one. `progress`, if
    given, is called with the number of messages done after each one.
    """
    join = _Join(docs, settings, fingerprints)
    join.run(repeats=True, duplicates=True, progress=progress)
    return ArchiveMatches(duplicates=join.duplicate_groups(), repeats=join.repeats)


def find_repeats(
    docs: Sequence[IndexDoc],
    settings: IndexSettings = DEFAULT_SETTINGS,
    *,
    fingerprints: Sequence[Fingerprint] | None = None,
    progress: Progress | None = None,
) -> Mapping[str, tuple[Match, ...]]:
    """For each message, the spans of its body that repeat earlier messages' own content.

    Each span points to the earliest message holding the text, so a quote of a quote points to
    the original author. Messages without repeats are absent from the mapping. Give copies
    collapsed (see `find_duplicates`), or a second copy is found to repeat the first whole.
    """
    join = _Join(docs, settings, fingerprints)
    join.run(repeats=True, duplicates=False, progress=progress)
    return join.repeats


def find_duplicates(
    docs: Sequence[IndexDoc],
    settings: IndexSettings = DEFAULT_SETTINGS,
    *,
    fingerprints: Sequence[Fingerprint] | None = None,
    progress: Progress | None = None,
) -> tuple[DuplicateGroup, ...]:
    """Groups of copies: the same canonical text, or own content of at least `min_words` words
    the same or similar at `duplicate_ratio` (a footer, signature, re-wrapping or link changed).
    """
    join = _Join(docs, settings, fingerprints)
    join.run(repeats=False, duplicates=True, progress=progress)
    return join.duplicate_groups()


def dominant_source(matches: Iterable[Match]) -> str | None:
    """The message a body repeats most, by characters (ties: the one repeated first)."""
    total: dict[str, int] = {}
    for m in sorted(matches, key=lambda m: m.start):
        total[m.source_id] = total.get(m.source_id, 0) + (m.end - m.start)
    if not total:
        return None
    return max(total, key=lambda s: total[s])


# ---------------------------------------------------------------------------------------------
# Applying matches to segments

_TOUCHABLE = frozenset({SegmentKind.NEW, SegmentKind.QUOTE})


def _tidy(text: str, base: int, start: int, end: int) -> Span:
    """Widen a match inside one segment over its line's quote markers and the blank rest of
    its last line, so the NEW text left around it holds no stray `>` or empty line ends."""
    rel_start, rel_end = start - base, end - base
    line_start = text.rfind("\n", 0, rel_start) + 1
    if _LINE_PREFIX.match(text, line_start, rel_start):
        rel_start = line_start
    rest = _LINE_REST.match(text, rel_end)
    if rest:
        rel_end = rest.end()
    return Span(start=base + rel_start, end=base + rel_end)


def apply_matches(segments: tuple[Segment, ...], matches: Iterable[Match]) -> tuple[Segment, ...]:
    """Turn the matched parts of NEW and unsourced QUOTE segments into sourced QUOTE segments.

    Segments are split at match boundaries and still cover the body exactly. FOOTER, SIGNATURE,
    PLACEHOLDER, ATTRIBUTION, FORWARD and FORWARD_HEADER segments and already sourced quotes are
    never changed. A piece left between two matches that holds only blanks and quote markers
    joins the quote before it.
    """
    ordered = sorted(matches, key=lambda m: (m.start, m.end))
    if not ordered:
        return segments
    out: list[Segment] = []
    for seg in segments:
        if seg.kind not in _TOUCHABLE or (seg.kind is SegmentKind.QUOTE and seg.source_id):
            out.append(seg)
            continue
        out += _split_segment(seg, ordered)
    return tuple(out)


def _split_segment(seg: Segment, matches: list[Match]) -> list[Segment]:
    # Cut points: (start, end, source) inside the segment, in order, without overlaps.
    cuts: list[tuple[int, int, str]] = []
    for m in matches:
        if m.end <= seg.start:
            continue
        if m.start >= seg.end:
            break
        a, b = max(m.start, seg.start), min(m.end, seg.end)
        if cuts:
            a = max(a, cuts[-1][1])
        if b <= a:
            continue
        span = _tidy(seg.text, seg.start, a, b)
        a = max(span.start, cuts[-1][1]) if cuts else span.start
        cuts.append((a, span.end, m.source_id))
    if not cuts:
        return [seg]

    def piece(kind: SegmentKind, a: int, b: int, source: str | None) -> Segment:
        return attrs.evolve(
            seg,
            kind=kind,
            text=seg.text[a - seg.start : b - seg.start],
            start=a,
            end=b,
            depth=seg.depth,
            source_id=source,
        )

    out: list[Segment] = []
    pos = seg.start
    for a, b, source in cuts:
        if a > pos:
            gap = seg.text[pos - seg.start : a - seg.start]
            if (
                out
                and out[-1].kind is SegmentKind.QUOTE
                and _BLANK.match(gap)
                and out[-1].source_id
            ):
                # Blank lines and markers between two matched pieces belong to the quote.
                prev = out.pop()
                out.append(piece(SegmentKind.QUOTE, prev.start, a, prev.source_id))
            else:
                out.append(piece(seg.kind, pos, a, seg.source_id))
        if out and out[-1].kind is SegmentKind.QUOTE and out[-1].source_id == source:
            prev = out.pop()
            out.append(piece(SegmentKind.QUOTE, prev.start, b, source))
        else:
            out.append(piece(SegmentKind.QUOTE, a, b, source))
        pos = b
    if pos < seg.end:
        out.append(piece(seg.kind, pos, seg.end, seg.source_id))
    return out
