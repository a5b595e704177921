"""The join phase of the matching stage: what each message repeats, and which are copies.

The stage has the two phases of docs/architecture.md:

1. **map** (`wsisdedup.match.fingerprints.fingerprint`): one message alone -> a `Fingerprint`.
2. **join** (`match_archive`, `find_repeats`, `find_duplicates`): in archive order, a dict from
   shingle hash to the earliest message that holds the shingle in its *own* content proposes
   candidate sources (at least `min_hits` shared shingles); only those pairs are aligned
   (`wsisdedup.match.align`), so the cost grows with the archive, not with its square. Because
   the earliest holder wins (and what a candidate itself repeats is aligned first), a quote of a
   quote points to the original author. Copies are confirmed with rapidfuzz `Indel` on the own
   words (`wsisdedup.match.copies`).

Memory is what limits the scale (docs/performance.md): the index keeps one shingle in `sample`
for the last `window` messages and thins older messages to one in `old_sample`, so long quotes
and copies of old messages are still found while the dict stays a fraction of the archive's
text.
"""

from __future__ import annotations

from array import array
from collections import Counter, OrderedDict, deque
from collections.abc import Iterable, Mapping, Sequence
from itertools import repeat

import attrs

from wsisdedup.match.align import _align, _Pair, _without_overlaps
from wsisdedup.match.copies import _Copy, _copy_score, copy_keys, copy_reason
from wsisdedup.match.fingerprints import (
    _SAMPLE_SHIFT,
    Tokens,
    _fingerprint,
    _tokenise,
    retokenise,
)
from wsisdedup.match.reclaim import reclaimed_spans
from wsisdedup.match.records import (
    DEFAULT_SETTINGS,
    ArchiveMatches,
    DuplicateGroup,
    Fingerprint,
    IndexDoc,
    IndexSettings,
    Match,
    Origin,
    Progress,
    Span,
)

__all__ = [
    "dominant_source",
    "find_duplicates",
    "find_repeats",
    "match_archive",
]


_Latest = int | dict[str, int]
"""A copy table's entry (`_Join.by_body`): the one message remembered with a text, or copy key
-> the last message under it. A table keyed by (digest, key) held an entry and a key a message
for each of its three keys, some 270 bytes: a text is most often one message's."""


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


@attrs.frozen
class _Joined:
    """What the join keeps of a message once it has joined it: what later messages ask of it
    (its id and text, to align and reclaim against; its own spans, to tokenise it again once
    dropped from the cache; its origin, for copies). The IndexDoc's own spans as Span objects,
    its unmarked quotes and the ids its headers name were some 200 bytes a message at 100,000
    messages; its own spans are kept flat here (`a0, b0, a1, b1, ...`)."""

    id: str
    text: str
    own_flat: tuple[int, ...]
    origin: Origin | None

    @classmethod
    def of(cls, doc: IndexDoc) -> _Joined:
        return cls(doc.id, doc.text, _flat(doc.own), doc.origin)

    def doc(self) -> IndexDoc:
        """The document again, with its own spans (what tokenising it needs)."""
        flat = self.own_flat
        own = tuple(Span(start=a, end=b) for a, b in zip(flat[::2], flat[1::2], strict=True))
        return IndexDoc(id=self.id, text=self.text, own=own, origin=self.origin)


def _flat(spans: Iterable[Span]) -> tuple[int, ...]:
    return tuple(x for sp in spans for x in (sp.start, sp.end))


def _own_flat(doc: IndexDoc | _Joined) -> tuple[int, ...]:
    return doc.own_flat if isinstance(doc, _Joined) else _flat(doc.own)


class _TokenCache:
    """Tokenised messages by number, least recently used dropped first.

    A message with the text and own spans of one still cached (an exact copy: resent,
    crossposted) shares its tokens: they depend on nothing else, and copies lie a few
    messages apart.
    """

    def __init__(self, docs: Sequence[IndexDoc | _Joined], settings: IndexSettings) -> None:
        self._docs = docs
        self._k = settings.shingle_words
        self._size = max(1, settings.cache_docs)
        self._items: OrderedDict[int, Tokens] = OrderedDict()
        self._by_text: dict[str, int] = {}
        """Body text -> the last cached message with that text."""

    def put(self, doc: int, tokens: Tokens) -> None:
        """Replace a message's tokens (its own content grew: `_Join._reclaim`)."""
        self._keep(doc, tokens)

    def get(self, doc: int) -> Tokens:
        tokens = self._items.get(doc)
        if tokens is None:
            d = self._docs[doc]
            tokens = self._copy(doc) or _tokenise(d.doc() if isinstance(d, _Joined) else d, self._k)
            self._keep(doc, tokens)
        else:
            self._items.move_to_end(doc)
        return tokens

    def _keep(self, doc: int, tokens: Tokens) -> None:
        """Cache a message's tokens as the most recently used, dropping the least."""
        self._items[doc] = tokens
        self._items.move_to_end(doc)
        self._by_text[self._docs[doc].text] = doc
        if len(self._items) > self._size:
            gone, _ = self._items.popitem(last=False)
            text = self._docs[gone].text
            if self._by_text.get(text) == gone:
                del self._by_text[text]

    def _copy(self, doc: int) -> Tokens | None:
        """The cached tokens of an earlier message with this one's text and own spans."""
        d = self._docs[doc]
        other = self._by_text.get(d.text)
        if other is None or _own_flat(self._docs[other]) != _own_flat(d):
            return None
        return self._items.get(other)


class _Join:
    """The join over one archive, message by message in the order given.

    Messages are added one at a time (`add`), so the join can start on the first messages while
    later ones are still in the map phase: it only ever looks back at earlier messages.
    """

    def __init__(
        self,
        settings: IndexSettings,
        fingerprints: Sequence[Fingerprint] | None,
        *,
        repeats: bool,
        duplicates: bool,
    ) -> None:
        self.number: dict[str, int] = {}
        """id -> position; ids must be unique, or a match could not say which copy it means."""
        # A document whose unmarked quote is given back to its author is replaced by one with
        # more own content (`_reclaim`).
        self.docs: list[IndexDoc | _Joined] = []
        """The message being joined, and what is kept of those joined before it."""
        self.settings = settings
        self.fingerprints = fingerprints
        self.find_repeats = repeats
        self.find_duplicates = duplicates
        self.index = _ShingleIndex(settings)
        self.cache = _TokenCache(self.docs, settings)
        # Digest -> the last message remembered with that text, for copies: that message
        # (most texts are one message's) or, once a second comes, each copy key (its id, its
        # author's address and name: `copies.copy_keys`) -> the last message under it. And
        # digest -> the first message of all.
        self.by_body: dict[bytes, _Latest] = {}
        self.by_own: dict[bytes, _Latest] = {}
        self.first_body: dict[bytes, int] = {}
        self.first_own: dict[bytes, int] = {}
        self.own_words = array("l")
        self.copies: dict[int, _Copy] = {}
        self.repeat_of: dict[int, int] = {}
        self.repeats: dict[str, tuple[Match, ...]] = {}
        self.reclaimed: dict[str, tuple[Span, ...]] = {}
        self.sources_of: dict[int, tuple[int, ...]] = {}

    def run(
        self,
        docs: Iterable[IndexDoc],
        tokens: Iterable[Tokens | None] | None,
        progress: Progress | None,
    ) -> None:
        pairs: Iterable[tuple[IndexDoc, Tokens | None]] = (
            zip(docs, repeat(None)) if tokens is None else zip(docs, tokens, strict=True)
        )
        for doc, tok in pairs:
            self.add(doc, tok)
            if progress is not None:
                progress(len(self.docs))
        if self.fingerprints is not None and len(self.fingerprints) != len(self.docs):
            raise ValueError("fingerprints must match docs one to one")

    def add(self, doc: IndexDoc, tokens: Tokens | None = None) -> None:
        """Join the next message; `tokens`, if given, are `tokenise(doc)` done elsewhere."""
        i = len(self.docs)
        if self.number.setdefault(doc.id, i) != i:
            raise ValueError(f"document id {doc.id!r} given twice: ids must be unique")
        self.docs.append(doc)
        if tokens is not None:
            if tokens.shingle_words != self.settings.shingle_words:
                raise ValueError(
                    f"tokens of {tokens.shingle_words}-word shingles given to a join of "
                    f"{self.settings.shingle_words}: tokenise with the join's settings"
                )
            self.cache.put(i, tokens)
        self._one(i, repeats=self.find_repeats, duplicates=self.find_duplicates)
        self.docs[i] = _Joined.of(self._current(i))

    def _current(self, i: int) -> IndexDoc:
        """The document being joined (`add`), whole."""
        doc = self.docs[i]
        assert isinstance(doc, IndexDoc), "only the message being joined is whole"
        return doc

    def _fingerprint(self, i: int) -> Fingerprint:
        if self.fingerprints is not None:
            if i >= len(self.fingerprints):
                raise ValueError("fingerprints must match docs one to one")
            return self.fingerprints[i]
        return _fingerprint(self.docs[i].id, self.cache.get(i), self.settings)

    def _one(self, i: int, *, repeats: bool, duplicates: bool) -> None:
        fp = self._fingerprint(i)
        self.own_words.append(fp.own_words)
        if duplicates:
            keys = copy_keys(self.docs[i].origin)
            copy = self._copy_of(fp, i, keys)
            if copy is not None:
                self.copies[i] = copy
                return
            self._remember_text(fp, i, keys)
        if repeats:
            found = self._repeats(i, fp)
            if found:
                self.repeats[self.docs[i].id] = found
            doc = self._current(i)
            if doc.unmarked and (found or doc.named):
                fp = self._reclaim(i, fp, found)
        self.index.add(i, fp.own_hashes)

    def _texts(self, fp: Fingerprint) -> list[tuple[dict[bytes, _Latest], bytes]]:
        """The copy tables message `fp` is looked up and remembered in, with its digest in
        each: its body's text (unless it has no words) and its own text (unless it has too
        few own words to compare)."""
        texts = []
        if fp.words:
            texts.append((self.by_body, fp.body_digest))
        if fp.own_words >= self.settings.min_words:
            texts.append((self.by_own, fp.own_digest))
        return texts

    def _latest(self, table: dict[bytes, _Latest], digest: bytes, key: str) -> int | None:
        """The last message remembered with this text under this copy key."""
        latest = table.get(digest)
        if latest is None or isinstance(latest, dict):
            return None if latest is None else latest.get(key)
        return latest if key in copy_keys(self.docs[latest].origin) else None

    def _copy_of(self, fp: Fingerprint, i: int, keys: tuple[str, ...]) -> _Copy | None:
        """The earlier message this one is a copy of (`copies.copy_reason`), if any: the last
        one with its body's or own text under one of its copy keys, in the order of the keys.

        A message with the same words by someone else is not a copy: it is remembered in
        `repeat_of` and kept.
        """
        origin = self.docs[i].origin
        texts = self._texts(fp)
        for key in keys:
            for table, digest in texts:
                kept = self._latest(table, digest, key)
                if kept is None:
                    continue
                reason = copy_reason(self.docs[kept].origin, origin, self.settings)
                if reason is not None:
                    return _Copy(kept=kept, score=1.0, reason=reason)
        own = fp.own_words >= self.settings.min_words
        same = self.first_body.get(fp.body_digest) if fp.words else None
        if same is None and own:
            same = self.first_own.get(fp.own_digest)
        if same is not None:
            self.repeat_of[i] = same
            return None
        return self._near_copy_of(fp, i)

    def _near_copy_of(self, fp: Fingerprint, i: int) -> _Copy | None:
        if fp.own_words < self.settings.min_words or not fp.own_hashes:
            return None
        # Near copies share most of their own shingles with one earlier message of about the
        # same length; only those few are compared word by word.
        hits = Counter(map(self.index.first.get, fp.own_hashes))
        hits.pop(None, None)
        need = len(fp.own_hashes) / 2
        ratio = self.settings.duplicate_ratio
        origin = self.docs[i].origin
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
            if score is None:
                continue
            reason = copy_reason(self.docs[src].origin, origin, self.settings)
            if reason is not None:
                return _Copy(kept=src, score=round(score, 4), reason=reason)
            self.repeat_of.setdefault(i, src)
        return None

    def _remember_text(self, fp: Fingerprint, i: int, keys: tuple[str, ...]) -> None:
        if fp.words:
            self.first_body.setdefault(fp.body_digest, i)
        if fp.own_words >= self.settings.min_words:
            self.first_own.setdefault(fp.own_digest, i)
        for table, digest in self._texts(fp):
            latest = table.get(digest)
            if latest is None:
                table[digest] = i
                continue
            if not isinstance(latest, dict):
                latest = table[digest] = dict.fromkeys(copy_keys(self.docs[latest].origin), latest)
            latest.update(dict.fromkeys(keys, i))

    def _reclaim(self, i: int, fp: Fingerprint, found: tuple[Match, ...]) -> Fingerprint:
        """Give the paragraphs of unmarked quotes that repeat nothing back to the author, and
        index them as its own: a later quote of them then points to this message."""
        doc = self._current(i)
        sources = {m.source_id: self.docs[self.number[m.source_id]].text for m in found}
        # Messages its headers name that came before it: the quote may be one of theirs.
        named = [self.docs[n].text for x in doc.named if (n := self.number.get(x, i)) < i]
        spans = reclaimed_spans(doc, found, sources, named)
        if not spans:
            return fp
        self.reclaimed[doc.id] = spans
        doc = attrs.evolve(doc, own=(*doc.own, *spans))
        self.docs[i] = doc
        # The text is unchanged: its canonical form and words are reused (`retokenise`).
        tokens = retokenise(self.cache.get(i), doc)
        self.cache.put(i, tokens)
        fp = _fingerprint(doc.id, tokens, self.settings)
        self.own_words[i] = fp.own_words
        return fp

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
                body_doc=self._current(i),
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
        for copy, c in self.copies.items():
            groups.setdefault(c.kept, []).append(copy)
        return tuple(
            DuplicateGroup(
                kept_id=self.docs[kept].id,
                copy_ids=tuple(self.docs[c].id for c in copies),
                score=min(self.copies[c].score for c in copies),
                reasons=tuple(self.copies[c].reason for c in copies),
                scores=tuple(self.copies[c].score for c in copies),
            )
            for kept, copies in sorted(groups.items())
        )

    def repeats_of(self) -> dict[str, str]:
        """Message id -> the earlier message by another author with the same words."""
        return {self.docs[i].id: self.docs[kept].id for i, kept in self.repeat_of.items()}


def match_archive(
    docs: Iterable[IndexDoc],
    settings: IndexSettings = DEFAULT_SETTINGS,
    *,
    fingerprints: Sequence[Fingerprint] | None = None,
    tokens: Iterable[Tokens | None] | None = None,
    progress: Progress | None = None,
) -> ArchiveMatches:
    """Copies and repeats in one pass over an archive in date or archive order.

    A message that is a copy of an earlier one (same words, or near-same own text) is reported
    in `duplicates` and neither searched nor indexed: its repeats are those of the kept copy.
    `fingerprints`, if given, are the map phase's output for `docs`, one to one; so are
    `tokens` (`tokenise(doc, settings)`, or None where the join should compute them). `docs`
    may be a generator: each is joined as it comes, so the map phase of later messages can run
    meanwhile. `progress`, if given, is called with the number of messages done after each one.
    """
    join = _Join(settings, fingerprints, repeats=True, duplicates=True)
    join.run(docs, tokens, progress)
    return ArchiveMatches(
        duplicates=join.duplicate_groups(),
        repeats=join.repeats,
        reclaimed=join.reclaimed,
        repeat_of=join.repeats_of(),
    )


def find_repeats(
    docs: Iterable[IndexDoc],
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
    join = _Join(settings, fingerprints, repeats=True, duplicates=False)
    join.run(docs, None, progress)
    return join.repeats


def find_duplicates(
    docs: Iterable[IndexDoc],
    settings: IndexSettings = DEFAULT_SETTINGS,
    *,
    fingerprints: Sequence[Fingerprint] | None = None,
    progress: Progress | None = None,
) -> tuple[DuplicateGroup, ...]:
    """Groups of copies: the same canonical text, or own content of at least `min_words` words
    the same or similar at `duplicate_ratio` (a footer, signature, re-wrapping or link changed).
    """
    join = _Join(settings, fingerprints, repeats=False, duplicates=True)
    join.run(docs, None, progress)
    return join.duplicate_groups()


def dominant_source(matches: Iterable[Match]) -> str | None:
    """The message a body repeats most, by characters (ties: the one repeated first)."""
    total: dict[str, int] = {}
    for m in sorted(matches, key=lambda m: m.start):
        total[m.source_id] = total.get(m.source_id, 0) + (m.end - m.start)
    if not total:
        return None
    return max(total, key=lambda s: total[s])
