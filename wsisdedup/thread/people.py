"""Who an attribution names: name keys, and whether a name or address designates an author.

`AttributionRef` is what the pipeline reads from an attribution line ("On <date>, <name>
wrote:"); `names_author` says whether it names a message's author. Names are compared fuzzily
(rapidfuzz `token_set_ratio`) on keys stripped of quotes, punctuation, "via list" and case.
"""

from __future__ import annotations

import functools
import unicodedata
from datetime import datetime
from typing import Final

import attrs
import regex
from rapidfuzz import fuzz

from wsisdedup.model import Person

__all__ = ["AttributionRef", "name_key", "names_author"]

# Names this similar (rapidfuzz token_set_ratio, 0-100) are one person: "Kevin" is "Kevin
# Kofler", "Lange, Annebeth" is "Annebeth Lange".
_NAME_SCORE: Final = 90.0


@attrs.frozen(kw_only=True)
class AttributionRef:
    """Whom and when an attribution line of a message names ("On <date>, <name> wrote:")."""

    name: str = ""
    address: str = ""
    date: datetime | None = None
    """The time printed in the attribution. Naive: the replier's local time, zone unknown."""


_NAME_JUNK = regex.compile(r"[^\w\s]+")
_VIA_LIST = regex.compile(r"\s+via\s+\S+\Z", regex.IGNORECASE)
_BLANKS = regex.compile(r"\s+")


@functools.lru_cache(maxsize=1 << 14)
def _name_key(name: str) -> str:
    """A name reduced for fuzzy comparison: no quotes, punctuation, `via list` or case.

    Memoised: an archive names the same few thousand people over and over, and the regexes
    cost more than the lookup."""
    n = unicodedata.normalize("NFKC", name).casefold().strip()
    n = _VIA_LIST.sub("", n)
    key: str = _BLANKS.sub(" ", _NAME_JUNK.sub(" ", n)).strip()
    return key


def name_key(name: str) -> str:
    """A name as an exact key for one person: `_name_key` with its words sorted, so that
    "Lee, Ann" and "Ann Lee" are one key.

    >>> name_key("Lee, Ann") == name_key("ann LEE")
    True
    """
    return " ".join(sorted(_name_key(name).split()))


def names_author(ref: AttributionRef, author: Person) -> bool:
    """Does an attribution name this author (same address, or a name at least this similar)?"""
    name, address = _author_key(author)
    return _same_person(_name_key(ref.name), ref.address.casefold().strip(), name, address)


def _author_key(author: Person) -> tuple[str, str]:
    """An author as compared with attributions: name key (else the address's local part)."""
    address = author.address.casefold().strip()
    return _name_key(author.name) or _name_key(address.split("@", 1)[0]), address


def _same_person(ref_name: str, ref_address: str, name: str, address: str) -> bool:
    """Does an attribution's name key or address designate this author (name key, address)?"""
    if ref_address and address and ref_address == address:
        return True
    if not ref_name or not name:
        return False
    return fuzz.token_set_ratio(ref_name, name) >= _NAME_SCORE
