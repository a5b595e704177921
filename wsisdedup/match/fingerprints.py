"""The map phase of the matching stage: one message alone -> its word tokens and `Fingerprint`.

`fingerprint` cuts the canonical text into word tokens, hashes shingles of `k` words and keeps
one shingle in `sample`. The hash is stable (blake2b of each word, summed over the shingle), so
fingerprints can be computed elsewhere and joined in `wsisdedup.match.index`. The tokens
(`Tokens`, from `_tokenise`) are what alignment works on, too. `tokenise_many` makes the same
tokens for a batch of bodies, the short ones a group at a time.
"""

from __future__ import annotations

import hashlib
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from functools import partial
from itertools import accumulate, compress, repeat
from operator import attrgetter
from typing import Any

import attrs

from wsisdedup.match.records import DEFAULT_SETTINGS, Fingerprint, IndexDoc, IndexSettings, Span
from wsisdedup.runtime import pack_arrays, unpack_arrays
from wsisdedup.text.normalise import Canonical, OffsetMap, canonical, canonical_many

__all__ = ["Tokens", "fingerprint", "retokenise", "tokenise", "tokenise_many"]

# Canonical text has single spaces between words (`wsisdedup.text.normalise`), so `str.split(" ")`
# tokenises it at C speed, 3-4x faster than a regex. Punctuation at the ends of a word is not part
# of it ("works." is "works"); a token of punctuation alone ("-", "|") is not a word at all.
# Splitting on spaces rather than on `\W` keeps "0:6.10.4" or "mx1.redhat.com" one word, so
# version strings and mail-relay debris do not count as long runs of shared words.
_EDGE_PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"

_WORD_BITS = 57
"""Bits of each word hash: a sum of up to 8 of them stays under 2**60, a two-digit Python int."""
_SAMPLE_SHIFT = 40
"""Which bits of a shingle hash decide whether it is sampled (carries mix them well)."""
_WORD_CACHE_MAX = 1 << 16
"""Words whose hashes are memoised: ~130 bytes each with the word, so at most ~8 MB. A month of
a busy list uses ~12,000 distinct words; 2**18 (~33 MB) was 13x a 1 MB body of distinct words
(issue 11: memory <= 20x the input)."""


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


@attrs.frozen(kw_only=True)
class Tokens:
    """One body as word tokens, for fingerprinting and alignment (`tokenise`).

    To the join they are opaque: the map phase may compute them (in another process) and hand
    them to `match_archive`, which would otherwise compute them itself.

    Numbers are kept in `array("q")` (8 bytes each) rather than lists of Python ints (about 40):
    a body of a million short words would otherwise need some 60 times its size.
    """

    ids: array[int]
    """Stable word hashes, in text order."""
    canon: Canonical
    starts: array[int]
    """Canonical offset of each token's first character."""
    shingles: array[int]
    """Hash of the shingle starting at each token (`len(ids) - k + 1` of them)."""
    own: array[int]
    """Token index ranges `[a, b)` of the own content, flat: `a0, b0, a1, b1, ...` (a body of
    one-line segments has as many ranges as lines; `_own_pairs` pairs them)."""
    own_ids: array[int]
    """The word hashes of the own content, range after range (`own_token` maps a position
    back to its token)."""
    own_breaks: array[int]
    """Positions in `own_ids` where a new own range starts, ascending: a repeat must not span
    one, since the source text between two own ranges is not its own."""
    own_shingles: array[int]
    """The shingle starting at each position of `own_ids` (-1 where it would leave the range;
    it may end early, which means the same)."""
    shingle_words: int
    """Words a shingle (`IndexSettings.shingle_words` of the `tokenise` call)."""
    _where: dict[str, dict[int, int]] = attrs.field(factory=dict, repr=False, eq=False)
    _prints: dict[IndexSettings, Fingerprint] = attrs.field(factory=dict, repr=False, eq=False)
    """The fingerprint under each settings, once computed (`tokenise` computes it in the map
    phase, so the join only looks it up)."""

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled with all its arrays in one string of bytes (`runtime.pack_arrays`): the
        workers send every body's tokens back to the join. The own views of a body that is
        all its own are its arrays (`_with_own`), and stay so; the memo of `own_where` is
        left behind, the fingerprints are kept."""
        whole = self.own_ids is self.ids
        arrays = [self.ids, self.starts, self.shingles, self.own, self.own_breaks]
        if not whole:
            arrays += [self.own_ids, self.own_shingles]
        prints = tuple(self._prints.items())
        return _unpickled_tokens, (pack_arrays(arrays), self.canon, self.shingle_words, prints)

    def own_token(self, p: int) -> int:
        """The token index of `own_ids[p]`: as far into its own range (`own`) as `p` is past
        the range's start in `own_ids` (`own_breaks`). A search, not a table of every own
        token's index: alignment asks two a run, and the table was built for every body."""
        r = bisect_right(self.own_breaks, p) - 1
        return self.own[2 * r] + p - self.own_breaks[r]

    def own_where(self) -> dict[int, int]:
        """Shingle hash -> position in `own_ids` of its first own occurrence.

        Built when the body is first aligned as a source, and kept: most bodies never are, and
        the dict is the largest part of a body's tokens.
        """
        where = self._where.get("")
        if where is None:
            own = self.own_shingles
            # Filled from the end, so that the first occurrence of a shingle is the one kept.
            where = dict(zip(reversed(own), range(len(own) - 1, -1, -1), strict=True))
            where.pop(-1, None)
            self._where[""] = where
        return where


def _unpickled_tokens(
    packed: tuple[bytes, str, tuple[int, ...]],
    canon: Canonical,
    k: int,
    prints: tuple[tuple[IndexSettings, Fingerprint], ...],
) -> Tokens:
    """The tokens `Tokens.__reduce__` pickled."""
    ids, starts, shingles, own, breaks, *views = unpack_arrays(*packed)
    own_views = (views[0], views[1]) if views else None
    tokens = _assembled(canon, ids, starts, shingles, own, breaks, own_views, k)
    tokens._prints.update(prints)
    return tokens


def _own_pairs(tokens: Tokens) -> Iterator[tuple[int, int]]:
    """The token index ranges `[a, b)` of the own content (`Tokens.own`), in order."""
    flat = tokens.own
    return zip(flat[::2], flat[1::2], strict=True)


def _own_bounds(text: str, own: Sequence[Span]) -> array[int]:
    """The own spans clipped to the text, sorted and merged, flat: `a0, b0, a1, b1, ...`.

    An array, not a list of pairs: a body of one-line segments has tens of thousands of spans,
    and three lists of tuples of them took some 5x the body at the matching stage's peak.
    """
    n = len(text)
    bounds = array("q")
    for span in sorted(own, key=_span_start):  # the segmenter's order: a linear sort
        a, b = max(0, span.start), min(n, span.end)
        if b <= a:
            continue
        if bounds and a <= bounds[-1]:
            bounds[-1] = max(bounds[-1], b)
        else:
            bounds.append(a)
            bounds.append(b)
    return bounds


_span_start = attrgetter("start")


def _own_tokens(canon: Canonical, starts: array[int], bounds: array[int]) -> array[int]:
    """The token index ranges of the own content, flat: the tokens whose first character maps
    into one of the own spans `bounds` (`_own_bounds`), empty ranges left out and touching
    ones merged.

    Offsets never decrease, so the first token at or after a body position is the first one
    starting at or after the canonical index `OffsetMap.first_from` gives for it: one inverse
    lookup and a C bisection of the token starts per bound. (A bisection of the tokens by
    their offsets took a Python lookup per probe: a body cut into thousands of one-line own
    segments, PGP openers without a signature, spent half its matching time there.)
    """
    offsets = canon.offsets
    # (`canonical` always gives an `OffsetMap`; any other non-decreasing map is bisected.)
    at = offsets.first_from if isinstance(offsets, OffsetMap) else partial(bisect_left, offsets)
    tokens = array("q", map(bisect_left, repeat(starts), map(at, bounds)))
    own = array(starts.typecode)
    for ta, tb in zip(tokens[::2], tokens[1::2], strict=True):
        if tb <= ta:
            continue
        if own and own[-1] >= ta:
            own[-1] = tb
        else:
            own.append(ta)
            own.append(tb)
    return own


def _shingles(ids: array[int], k: int) -> array[int]:
    """The sum of each `k` consecutive word hashes: differences of the prefix sums, in numpy
    (three times the speed of the same two passes over Python ints), written straight into
    the array returned, `_BLOCK` words at a time so the working arrays stay small on a body of
    millions of words. The prefix sums wrap around 64 bits on a long block, but each
    shingle's sum is under 2**60 (`_WORD_BITS`), so the wrapped differences are exact."""
    import numpy as np

    n = len(ids) - k + 1
    if n <= 0:
        return array("q")
    out = array("q", [0]) * n
    sums = np.frombuffer(out, dtype=np.int64)  # a view: writing it fills `out`
    words = np.frombuffer(ids, dtype=np.int64)
    for a in range(0, n, _BLOCK):
        b = min(n, a + _BLOCK)
        # (`np.add.accumulate`, not `np.cumsum`: the ufunc skips a Python-level wrapper,
        # which costs as much as the sums on a short body.)
        prefix = np.add.accumulate(words[a : b + k - 1])
        sums[a] = prefix[k - 1]
        np.subtract(prefix[k:], prefix[: b - a - 1], out=sums[a + 1 : b])
    return out


_BLOCK = 1 << 16
"""Words (shingles) that numpy sums or samples at a time: half a megabyte a working array."""


_SPLIT_CHARS = 1 << 14
"""Characters of canonical text split into words at a time: the list of a chunk's word
strings is all that is held besides the arrays."""


def _words(ctext: str) -> Iterator[tuple[int, list[str]]]:
    """The canonical text's words (`str.split(" ")`), a chunk at a time, with the canonical
    offset of each chunk's first word."""
    start, n = 0, len(ctext)
    while True:
        cut = ctext.find(" ", start + _SPLIT_CHARS) if start + _SPLIT_CHARS < n else -1
        if cut < 0:
            yield start, ctext[start:].split(" ")
            return
        yield start, ctext[start:cut].split(" ")
        start = cut + 1


def _tokenise(doc: IndexDoc, k: int) -> Tokens:
    """Canonical word tokens of a body, their canonical spans, shingles and own-content ranges.

    A token belongs to the own content when it starts inside an own span.
    """
    canon = canonical(doc.text)
    # Offsets fit 32 bits in any body under 2 GB: half the memory of 64-bit ones.
    offset_type = "i" if len(canon.text) < 2**31 else "q"
    ids, cstarts = array("q"), array(offset_type)
    for offset, words in _words(canon.text):
        lengths = list(map(len, words))
        starts = list(accumulate(map((1).__add__, lengths), initial=offset))
        starts.pop()
        hashes = list(map(_word_hashes.__getitem__, words))
        if 0 in hashes:
            keep = list(map(bool, hashes))
            hashes = list(compress(hashes, keep))
            starts = list(compress(starts, keep))
        ids.fromlist(hashes)  # `fromlist`: twice as fast as `extend` from a list
        cstarts.fromlist(starts)
    return _with_own(doc, canon, ids, cstarts, _shingles(ids, k), k)


def retokenise(tokens: Tokens, doc: IndexDoc) -> Tokens:
    """`_tokenise(doc, k)` for a doc whose text is the tokens' and only its own spans changed
    (`_Join._reclaim` gives an unmarked quote back to its author): the canonical form, word
    hashes and shingles depend on the text alone, so only the own-content views are made
    again."""
    return _with_own(
        doc, tokens.canon, tokens.ids, tokens.starts, tokens.shingles, tokens.shingle_words
    )


def _with_own(
    doc: IndexDoc,
    canon: Canonical,
    ids: array[int],
    cstarts: array[int],
    shingles: array[int],
    k: int,
) -> Tokens:
    """The tokens of a body from its text's canonical form, word hashes, token starts and
    shingles, with the own-content views of `doc.own`."""
    offset_type = cstarts.typecode
    own = _own_tokens(canon, cstarts, _own_bounds(doc.text, doc.own))
    own_views: tuple[array[int], array[int]] | None = None
    if len(own) == 2 and own[0] == 0 and own[1] == len(ids):  # all its own: no views to copy
        breaks = array(offset_type, [0])
    else:
        own_ids, own_shingles = array("q"), array("q")
        breaks = array(offset_type)
        for a, b in zip(own[::2], own[1::2], strict=True):
            breaks.append(len(own_ids))
            own_ids += ids[a:b]
            count = max(0, b - a - k + 1)
            own_shingles += shingles[a : a + count]
            own_shingles.extend(repeat(-1, b - a - count))
        own_views = (own_ids, own_shingles)
    return _assembled(canon, ids, cstarts, shingles, own, breaks, own_views, k)


def _assembled(
    canon: Canonical,
    ids: array[int],
    starts: array[int],
    shingles: array[int],
    own: array[int],
    breaks: array[int],
    own_views: tuple[array[int], array[int]] | None,
    k: int,
) -> Tokens:
    """Tokens from their arrays (`_with_own`, and unpickling). `own_views` are `own_ids` and
    `own_shingles`; None when all of the body is its own: the own views are then the body's
    arrays, not copies (`own_shingles` then lacks the trailing -1s, which
    mean "none" as its end does)."""
    if own_views is None:
        own_ids, own_shingles = ids, shingles
    else:
        own_ids, own_shingles = own_views
    return Tokens(
        ids=ids,
        canon=canon,
        starts=starts,
        shingles=shingles,
        own=own,
        own_ids=own_ids,
        own_breaks=breaks,
        own_shingles=own_shingles,
        shingle_words=k,
    )


def _body_span(tokens: Tokens, first: int, last: int) -> tuple[int, int]:
    """The body span from token `first` to token `last` (inclusive)."""
    return tokens.canon.span(tokens.starts[first], _token_end(tokens, last))


def _token_end(tokens: Tokens, t: int) -> int:
    """Canonical offset just after token `t`: the space that ends its word (words are single
    -space separated, and a dropped punctuation word only follows it)."""
    end = tokens.canon.text.find(" ", tokens.starts[t])
    return len(tokens.canon.text) if end < 0 else end


def _digest(text: str, spans: Iterable[tuple[int, int]], sep: str = "") -> bytes:
    """The digest of `sep.join(text[a:b] for a, b in spans)`, fed to the hash `_DIGEST_CHARS`
    characters at a time: neither the joined text nor its UTF-8 bytes are made (each as large
    as the canonical text, at the matching stage's peak). Each character encodes alone, so
    the pieces' bytes are the whole text's."""
    h = hashlib.blake2b(digest_size=16)
    glue = sep.encode("utf-8", "surrogatepass")
    for n, (start, end) in enumerate(spans):
        if n and glue:
            h.update(glue)
        for a in range(start, end, _DIGEST_CHARS):
            h.update(text[a : min(a + _DIGEST_CHARS, end)].encode("utf-8", "surrogatepass"))
    return h.digest()


_DIGEST_CHARS = 1 << 16


def _fingerprint(doc_id: str, tokens: Tokens, settings: IndexSettings) -> Fingerprint:
    """The fingerprint of tokens under `settings`, with id `doc_id` (memoised in the tokens:
    the id is all that may differ between two uses)."""
    fp = tokens._prints.get(settings)
    if fp is None:
        fp = _compute_fingerprint(doc_id, tokens, settings)
        tokens._prints[settings] = fp
    return fp if fp.id == doc_id else attrs.evolve(fp, id=doc_id)


def _compute_fingerprint(
    doc_id: str,
    tokens: Tokens,
    settings: IndexSettings,
    sampled: tuple[array[int], array[int]] | None = None,
) -> Fingerprint:
    """The fingerprint of `tokens`; `sampled` is `_sampled(tokens.shingles, ...)` where the
    caller has it (`_tokens_together` samples a group's shingles at once)."""
    k = settings.shingle_words
    hashes, where = sampled or _sampled(tokens.shingles, settings.sample - 1)
    own_hashes: dict[int, None] = {}
    for a, b in _own_pairs(tokens):
        # Shingles starting in [a, b - k] lie wholly inside the own range.
        own_hashes.update(
            dict.fromkeys(hashes[bisect_left(where, a) : bisect_left(where, b - k + 1)])
        )
    ctext = tokens.canon.text
    starts = tokens.starts
    return Fingerprint(
        id=doc_id,
        hashes=hashes,
        own_hashes=tuple(own_hashes),
        words=len(tokens.ids),
        own_words=len(tokens.own_ids),
        body_digest=_digest(ctext, [(0, len(ctext))]),
        own_digest=_digest(
            ctext, ((starts[a], _token_end(tokens, b - 1)) for a, b in _own_pairs(tokens)), "\n"
        ),
    )


def _sampled(shingles: array[int], mask: int) -> tuple[array[int], array[int]]:
    """The shingles whose bits `_SAMPLE_SHIFT` on, under `mask`, are all zero, and where they
    start: numpy passes of `_BLOCK` shingles (a third of the time of testing them one by one
    as Python ints). Shingle hashes are sums of positive hashes, never negative, so the shift
    is a plain one."""
    import numpy as np

    hashes, where = array("q"), array("q")
    values = np.frombuffer(shingles, dtype=np.int64)
    for a in range(0, len(values), _BLOCK):
        block = values[a : a + _BLOCK]
        at = (((block >> _SAMPLE_SHIFT) & mask) == 0).nonzero()[0].astype(np.int64, copy=False)
        hashes.frombytes(block[at].tobytes())
        at += a
        where.frombytes(at.tobytes())
    return hashes, where


def tokenise(doc: IndexDoc, settings: IndexSettings = DEFAULT_SETTINGS) -> Tokens:
    """The map phase's costly part for one message (canonical form, word hashes, shingles):
    what `match_archive(..., tokens=...)` takes, so that the join does not compute it again.
    Depends only on the doc's text and own spans, not on its id. The fingerprint is computed
    too, and kept in the tokens."""
    tokens = _tokenise(doc, settings.shingle_words)
    _fingerprint(doc.id, tokens, settings)
    return tokens


def fingerprint(doc: IndexDoc, settings: IndexSettings = DEFAULT_SETTINGS) -> Fingerprint:
    """The map phase for one message: needs nothing but the message."""
    return _fingerprint(doc.id, _tokenise(doc, settings.shingle_words), settings)


def tokenise_many(
    docs: Sequence[IndexDoc], settings: IndexSettings = DEFAULT_SETTINGS
) -> list[Tokens]:
    """`tokenise` of each doc, in order: the same tokens and fingerprints, made for groups of
    short bodies at once.

    Most bodies are short (some 130 words in the synthetic archive), so the fixed costs of
    one body's canonical form, of its word loop and of its numpy calls (sums of shingles,
    sampling: a few us each however short the body) weighed more than its words. A group of
    bodies is put in canonical form at once (`canonical_many`), then split into words,
    hashed, summed into shingles and sampled in one pass each (`_tokens_together`); each body
    then takes its slices. A body longer than `_GROUP_BODY` is tokenised alone, a chunk of
    words at a time, so that no list of words grows with it.
    """
    out: list[Tokens] = []
    group: list[IndexDoc] = []
    size = 0
    for doc in docs:
        n = len(doc.text)
        if group and (n > _GROUP_BODY or size + n > _GROUP_CHARS):
            out += _tokens_together(group, settings)
            group, size = [], 0
        if n > _GROUP_BODY:
            tokens = _tokenise(doc, settings.shingle_words)
            _fingerprint(doc.id, tokens, settings)
            out.append(tokens)
        else:
            group.append(doc)
            size += n + 1
    if group:
        out += _tokens_together(group, settings)
    return out


_GROUP_BODY = 1 << 14
"""Characters above which a body is tokenised alone (`tokenise_many`)."""
_GROUP_CHARS = 1 << 16
"""Characters of the bodies tokenised together at most: the group's list of words (some 60
bytes a word) stays under a megabyte."""


def _tokens_together(group: Sequence[IndexDoc], settings: IndexSettings) -> list[Tokens]:
    """The tokens of each doc of `group`, fingerprinted: what `_tokenise` and `_fingerprint`
    give one at a time.

    The canonical texts joined by single spaces split into the bodies' words one after
    another (an empty text gives one empty word, which is no word, as in `_tokenise`).
    A shingle is a sum of `k` consecutive word hashes and the sample tests each shingle
    alone, so the shingles of the joined words, and those sampled, are the bodies' own
    wherever they start and end inside one body; the ones across two bodies are left out.
    """
    import numpy as np

    k = settings.shingle_words
    canons = canonical_many([doc.text for doc in group])
    texts = [canon.text for canon in canons]
    words = " ".join(texts).split(" ")
    hashes = array("q")
    hashes.fromlist(list(map(_word_hashes.__getitem__, words)))
    lengths = array("q")
    lengths.fromlist(list(map(len, words)))
    counts = np.fromiter(map(_word_count, texts), np.int64, len(texts))
    firsts = np.add.accumulate(counts) - counts
    # Where each word starts in the joined text, then in its own body's: the body's first
    # word starts where the body does.
    steps = np.frombuffer(lengths, np.int64) + 1
    starts = np.add.accumulate(steps) - steps
    starts -= np.repeat(starts[firsts], counts)
    ids = np.frombuffer(hashes, np.int64)
    keep = ids != 0
    kept = np.add.reduceat(keep, firsts, dtype=np.int64)
    ends = np.add.accumulate(kept)
    ids_kept = array("q", ids[keep].tobytes())
    starts_kept = starts[keep].astype(np.int32).tobytes()
    shingles = _shingles(ids_kept, k)
    sampled, where = _sampled(shingles, settings.sample - 1)
    # Each body's shingles start at its first word and stop `k - 1` words before its end.
    counts_sh = np.maximum(kept - (k - 1), 0)
    positions = np.frombuffer(where, np.int64)
    firsts_kept = ends - kept
    lo = np.searchsorted(positions, firsts_kept)
    hi = np.searchsorted(positions, firsts_kept + counts_sh)
    # Where each sampled shingle starts in its body: less the first word of the body whose
    # words hold it (the last body starting at or before it).
    local = positions - firsts_kept[np.searchsorted(ends, positions, side="right")]
    # Bytes, sliced for each body: `array(code, bytes)` copies them in one call.
    ids_bytes, shingle_bytes, sampled_bytes = bytes(ids_kept), bytes(shingles), bytes(sampled)
    where_bytes = local.tobytes()
    bounds = zip(
        ends.tolist(), kept.tolist(), counts_sh.tolist(), lo.tolist(), hi.tolist(), strict=True
    )
    out = []
    for doc, canon, (end, n, m, a, b) in zip(group, canons, bounds, strict=True):
        first = end - n
        tokens = _with_own(
            doc,
            canon,
            array("q", ids_bytes[8 * first : 8 * end]),
            array("i", starts_kept[4 * first : 4 * end]),
            array("q", shingle_bytes[8 * first : 8 * (first + m)]),
            k,
        )
        body_sampled = array("q", sampled_bytes[8 * a : 8 * b])
        body_where = array("q", where_bytes[8 * a : 8 * b])
        tokens._prints[settings] = _compute_fingerprint(
            doc.id, tokens, settings, (body_sampled, body_where)
        )
        out.append(tokens)
    return out


def _word_count(text: str) -> int:
    """Words in `text.split(" ")`: one for an empty text."""
    return text.count(" ") + 1
