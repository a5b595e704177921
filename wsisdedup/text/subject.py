"""Subject lines reduced to what a thread shares: no reply or forward prefixes, no list tags.

Threading falls back on the subject when a message carries no usable headers, so two subjects
must compare equal whenever they name the same conversation, whatever mail client, language and
list software wrote them: `Re: [Numpy-discussion] RE: FW: Array slicing` and `[Numpy-discussion]
Array slicing` both reduce to `array slicing`.

The prefixes live in one table, one row per language: a new client or language is a new row.
Prefixes are stripped one at a time by an anchored pattern in a loop (each step consumes at
least one character), so a subject of any length costs time linear in its length.

>>> normalise_subject("Re: [Numpy-discussion] RE: FW: Array slicing")
'array slicing'
>>> strip_subject("AW: SV: Re[2]:  Meeting   notes")
'Meeting notes'
>>> is_reply_subject("Antw: Agenda"), is_reply_subject("Fwd: Agenda"), is_reply_subject("Agenda")
(True, False, False)
"""

from __future__ import annotations

import functools
import unicodedata
from typing import Final

import attrs
import regex

__all__ = [
    "FORWARD_PREFIXES",
    "REPLY_PREFIXES",
    "SubjectParts",
    "is_reply_subject",
    "is_trivial_subject",
    "normalise_subject",
    "split_subject",
    "strip_subject",
]

# One row per language: (language, reply prefixes, forward prefixes). Compared after NFKC and
# case folding, so `RE`, `Re` and `re` are one entry, and a full-width colon `：` (CJK clients)
# is a plain colon. A trailing `.` (`Réf.`, `Antw.`) and a counter (`Re[2]`, `Re(2)`, `Re^2`)
# are allowed on every prefix by the pattern, not listed here.
_PREFIX_TABLE: Final[tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]] = (
    # English and most clients' defaults; `Re` is Latin and used everywhere.
    ("en", ("re", "reply"), ("fwd", "fw", "forward")),
    # German: Antwort / Weitergeleitet (Outlook, Lotus Notes).
    ("de", ("aw", "antwort"), ("wg", "weitergeleitet")),
    # Dutch: Antwoord / Doorsturen.
    ("nl", ("antw", "antwoord"), ("doorst", "fwd")),
    # French: Réponse, Référence / Transféré (also `RE :` with a space, handled by the pattern).
    ("fr", ("réf", "rép", "réponse"), ("tr", "transf", "transféré")),
    # Spanish: Respuesta / Reenviado.
    ("es", ("rpta", "rta", "resp"), ("rv", "reenv", "reenviado")),
    # Portuguese: Resposta / Encaminhado.
    ("pt", ("res", "resp"), ("enc", "encaminhado")),
    # Italian: Risposta, Riferimento / Inoltrato (Outlook writes `R:` and `I:`).
    ("it", ("r", "rif", "risposta"), ("i", "inoltro", "inoltrato")),
    # Swedish, Norwegian, Danish: Svar / Vidarebefordrat, Videresendt.
    ("sv-no-da", ("sv", "svar"), ("vs", "vb", "vid", "videresend", "vidarebefordrat")),
    # Icelandic: Svar / Framsent.
    ("is", ("sv",), ("framsent",)),
    # Finnish: Vastaus / Välitetty.
    ("fi", ("vs", "vast", "vastaus"), ("vl", "välitetty")),
    # Estonian: Vastus / Edasi saadetud.
    ("et", ("vs", "vastus"), ("edasi",)),
    # Polish: Odpowiedź / Przekazanie dalej.
    ("pl", ("odp", "odpowiedź"), ("pd", "prz")),
    # Czech and Slovak: Odpověď / Přeposlat.
    ("cs-sk", ("odp", "odpověď"), ("př", "fw")),
    # Hungarian: Válasz / Továbbítás.
    ("hu", ("vá", "válasz"), ("továbbítás", "tov")),
    # Turkish: Yanıt / İlet.
    ("tr", ("ynt", "yanıt", "cevap", "cvp"), ("ilt", "ilet")),
    # Latvian and Lithuanian: Atbilde, Atsakymas / Pārsūtīt, Persiųsta.
    ("lv-lt", ("atb", "ats"), ("pārs", "pers")),
    # Indonesian and Malay: Balas / Teruskan.
    ("id-ms", ("bls", "balas"), ("trs", "teruskan")),
    # Welsh: Ateb / Ymlaen.
    ("cy", ("atb", "ateb"), ("yml", "ymlaen")),
    # Greek: Απάντηση, Σχετικό / Προώθηση.
    ("el", ("απ", "απαντ", "σχετ"), ("πρθ", "προωθ")),
    # Russian and Ukrainian: Ответ, Відповідь / Пересылка, Переслати.
    ("ru-uk", ("ответ", "отв", "відп", "відповідь"), ("пересл", "переслать", "переслано")),
    # Bulgarian: Отговор / Препратено.
    ("bg", ("отг", "отговор"), ("препр", "препратено")),
    # Hebrew: השב (reply) / הועבר (forwarded).
    ("he", ("השב", "תשובה"), ("הועבר",)),
    # Arabic: رد / إعادة توجيه; Persian: پاسخ / ارسال مجدد.
    ("ar-fa", ("رد", "پاسخ"), ("إعادة توجيه", "ارسال مجدد")),
    # Chinese (simplified and traditional): 回复, 答复, 回覆 / 转发, 轉寄, 轉發.
    ("zh", ("回复", "答复", "回覆", "答覆"), ("转发", "轉寄", "轉發", "转寄")),
    # Japanese: 返信 / 転送.
    ("ja", ("返信",), ("転送",)),
    # Korean: 회신, 답장 / 전달.
    ("ko", ("회신", "답장"), ("전달",)),
    # Vietnamese: Trả lời / Chuyển tiếp.
    ("vi", ("trả lời",), ("chuyển tiếp",)),
)

REPLY_PREFIXES: Final[frozenset[str]] = frozenset(
    unicodedata.normalize("NFKC", p).casefold() for _, rs, _f in _PREFIX_TABLE for p in rs
)
FORWARD_PREFIXES: Final[frozenset[str]] = (
    frozenset(
        unicodedata.normalize("NFKC", p).casefold() for _, _r, fs in _PREFIX_TABLE for p in fs
    )
    - REPLY_PREFIXES
)


def _alternation(words: frozenset[str]) -> str:
    # Longest first so that `antwort` is tried before `antw`; escaped because of `.` and spaces.
    return "|".join(regex.escape(w) for w in sorted(words, key=lambda w: (-len(w), w)))


# One prefix: a known word, an optional `.`, an optional counter, at most one blank (French
# `RE :`), then a colon. Anchored at the position the loop passes; bounded quantifiers only.
_PREFIX = regex.compile(
    r"[ \t]{0,8}(?P<word>" + _alternation(REPLY_PREFIXES | FORWARD_PREFIXES) + r")"
    r"\.?(?:\[\d{1,4}\]|\(\d{1,4}\)|\^\d{1,4})?[ \t]?:",
    regex.IGNORECASE | regex.VERSION1,
)
# A list tag or topic tag before the subject proper: `[Numpy-discussion]`, `[wsis20]`.
_TAG = regex.compile(r"[ \t]{0,8}\[[^\[\]\n]{1,60}\]", regex.VERSION1)
# Old Mozilla and Pine forwards wrap the whole subject: `[Fwd: subject]`, `subject (fwd)`.
_WRAPPED_FORWARD = regex.compile(r"\[(?:fwd?|fw):[ \t]?(?P<inner>[^\[\]\n]{0,400})\]\Z", regex.I)
_FWD_SUFFIX = regex.compile(r"[ \t]{0,8}\((?:fwd?|fw)\)\Z", regex.IGNORECASE)
# A changed subject keeps the old one in a trailing `(was: old subject)`; the thread that grows
# from it is named by the new part. `[^()]` keeps the match linear.
_WAS_SUFFIX = regex.compile(r"[ \t]{0,8}\(was\b[^()\n]{0,400}\)?\Z", regex.IGNORECASE)
_BLANKS = regex.compile(r"\s+")

# Subjects that say nothing about the conversation: joining by them would merge strangers.
_PLACEHOLDER_SUBJECTS: Final[frozenset[str]] = frozenset(
    {
        "",
        "no subject",
        "(no subject)",
        "none",
        "untitled",
        "kein betreff",  # de
        "sans objet",  # fr
        "sin asunto",  # es
        "sem assunto",  # pt
        "nessun oggetto",  # it
        "geen onderwerp",  # nl
        "inget ämne",  # sv
        "无主题",  # zh
        "件名なし",  # ja
        "без темы",  # ru
    }
)
# Short greetings and one-word subjects that unrelated threads share.
_GENERIC_WORDS: Final[frozenset[str]] = frozenset(
    {
        "hi",
        "hello",
        "hey",
        "help",
        "question",
        "questions",
        "test",
        "testing",
        "info",
        "update",
        "thanks",
        "thank you",
        "fyi",
        "urgent",
        "important",
        "meeting",
        "reminder",
        "request",
        "problem",
        "issue",
    }
)


@attrs.frozen(kw_only=True)
class SubjectParts:
    """A subject taken apart: its base, and whether a reply or forward prefix was removed."""

    base: str
    """The subject without prefixes, tags and `(was: ...)`, blanks collapsed, case kept."""
    reply: bool = False
    """A reply prefix (`Re:`, `AW:`, `SV:`, `回复:`, ...) was present."""
    forward: bool = False
    """A forward prefix (`Fwd:`, `WG:`, `TR:`, ...) or `[Fwd: ...]` wrapper was present."""


@functools.lru_cache(maxsize=1 << 14)
def split_subject(subject: str) -> SubjectParts:
    """Remove every leading reply/forward prefix and list tag, in any order and nesting.

    Memoised (the parts are frozen): a thread's messages share one subject, and the stages
    take each subject apart several times.

    >>> split_subject("Re: [list] AW: Fwd: Budget (was: Re: money)")
    SubjectParts(base='Budget', reply=True, forward=True)
    """
    s = unicodedata.normalize("NFKC", subject)
    s = _BLANKS.sub(" ", s).strip()
    reply = forward = False
    while True:
        pos = 0
        while True:
            m = _PREFIX.match(s, pos)
            if m is not None:
                if m.group("word").casefold() in REPLY_PREFIXES:
                    reply = True
                else:
                    forward = True
                pos = m.end()
                continue
            t = _TAG.match(s, pos)
            if t is not None and t.end() < len(s):
                pos = t.end()
                continue
            break
        s = s[pos:].strip()
        wrapped = _WRAPPED_FORWARD.match(s)
        if wrapped is None:
            break
        forward = True
        s = wrapped.group("inner").strip()
    if _FWD_SUFFIX.search(s):
        forward = True
        s = _FWD_SUFFIX.sub("", s)
    stripped = _WAS_SUFFIX.sub("", s).strip()
    if stripped:
        s = stripped
    return SubjectParts(base=s.strip(), reply=reply, forward=forward)


def strip_subject(subject: str) -> str:
    """The subject without prefixes and tags, blanks collapsed, case kept (for display)."""
    return split_subject(subject).base


def normalise_subject(subject: str) -> str:
    """The key two subjects of one conversation share: stripped, NFKC, case-folded.

    >>> normalise_subject("RE : Réf. : [wsis20]  Rapport   FINAL")
    'rapport final'
    """
    return split_subject(subject).base.casefold()


def is_reply_subject(subject: str) -> bool:
    """True when the subject carries a reply prefix in any language."""
    return split_subject(subject).reply


def is_trivial_subject(key: str) -> bool:
    """True for a normalised subject too generic to tie two messages together.

    Placeholders (`(no subject)` in several languages), generic one-liners (`help`, `question`)
    and keys with fewer than 4 letters or digits say nothing about which conversation a message
    belongs to.

    >>> is_trivial_subject(normalise_subject("Re: Question")), is_trivial_subject("abrt crashes")
    (True, False)
    """
    k = key.strip().strip("?!.:;,-").strip()
    if k in _PLACEHOLDER_SUBJECTS or k in _GENERIC_WORDS:
        return True
    return sum(1 for c in k if c.isalnum()) < 4
