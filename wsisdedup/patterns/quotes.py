"""Every table and regex the segmenting stage (`wsisdedup.segment`) uses.

One row per mail client and language, each with a comment naming it: supporting a new client or
language means adding a row here, not code in `segment.py`.

Safety: a body of 10 MB must not make any pattern slow. So every pattern here is either
anchored at the start of a (stripped) line and bounded (`{0,200}` instead of `*`), or meant to
run on short candidate strings whose length `segment.py` caps (`MAX_ATTRIBUTION_CHARS`). Inner
character classes exclude the character that starts a match (`\\[[^\\[\\]]...`) so that a long run
of that character cannot make a search quadratic. No quantifier is nested inside another
unbounded one.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

import regex

__all__ = [
    "ADDRESS",
    "ATTRIBUTION_HINT",
    "ATTRIBUTION_ROWS",
    "ATTRIBUTION_START",
    "ATTRIBUTION_START_ROWS",
    "ATTRIBUTION_VERB_ANCHOR",
    "ATTRIBUTION_VERB_LITERALS",
    "BANNER",
    "BAR_MARKER_CHARS",
    "CLOSING_NAME",
    "CONTACT_HINT",
    "DATE_WORDS",
    "DISCLAIMER",
    "ELISION_MARKS",
    "FIELD_LABEL",
    "FIELD_ROLES",
    "FORMAT_PATCH_FROM",
    "FORWARD_END",
    "FORWARD_MARKER",
    "GREETING",
    "GREETING_LINE",
    "INLINE_MOBILE_SIGNATURE",
    "INLINE_SIGNOFF",
    "INLINE_SIGNOFF_WEAK",
    "LABEL_COLON",
    "LOTUS_DATE_LINE",
    "LOTUS_NAME_DATE_LINE",
    "MAILMAN_FOOTER_NAME",
    "MAILMAN_FOOTER_RULE",
    "MAX_ATTRIBUTION_CHARS",
    "MOBILE_PREFIXES",
    "MOBILE_SIGNATURE",
    "MONTHS",
    "NAME_LEAD_WORDS",
    "NOTICE_PREFIXES",
    "NOT_NAMES",
    "PATCH_LINE",
    "PATCH_SUBJECT",
    "PGP_SIGNATURE_BEGIN",
    "PGP_SIGNATURE_END",
    "PGP_SIGNED_BEGIN",
    "PLACEHOLDER",
    "PLACEHOLDER_STARTS",
    "POSTSCRIPT",
    "QUOTE_MARKER_CHARS",
    "REPLY_OPENER",
    "REPLY_SEPARATOR",
    "SCRUBBER_NOTE",
    "SCRUBBER_PART",
    "SEPARATOR_LINE",
    "SIGNATURE_DELIMITER",
    "SIGNOFF_LINE",
    "SIGNOFF_WORDS",
    "SNIP",
    "SUPERCITE_INITIALS",
    "SUPERCITE_MARKER",
    "TIMEZONES",
    "UNDERSCORE_RULE",
    "WEEKDAYS",
    "inline_mobile_signature_rows",
]


def _alt(words: Iterable[str]) -> str:
    """An alternation of literal words, longest first (so that `Sent by` beats `Sent`)."""
    return "|".join(regex.escape(w) for w in sorted(set(words), key=len, reverse=True))


# An attribution or header block longer than this is not one: candidates are cut to this length
# before any pattern runs on them, which bounds the work per candidate.
MAX_ATTRIBUTION_CHARS = 400

# ---------------------------------------------------------------------------------------------
# Quote markers
# ---------------------------------------------------------------------------------------------

# `>`, `> >`, `>>`, with or without spaces, indented or not. Depth is the number of `>` in the
# run of these characters that starts the line. (Counted with `str.lstrip`, not a regex: a
# repeated group over a 10 MB run of `>` exhausts the regex engine's memory.)
QUOTE_MARKER_CHARS = "> \t"
# Supercite (Emacs Gnus, old mailing lists): the quoted author's name or initials before `>`.
SUPERCITE_MARKER = regex.compile(r"[ \t]{0,4}(?P<name>[A-Za-z][\w.-]{0,14})>[ \t>]")
# `|` bar quoting (old Lotus Notes, some webmail): only trusted right after an attribution.
BAR_MARKER_CHARS = "| \t"
# An elision before the marker ("...> text", "…> text"): the replier cut the start of a quoted
# line (Usenet and old mailing-list style). Each is followed by `>` on the line.
ELISION_MARKS = ("...", "…", "..")
# Supercite initials ("MK>", "DC>"): a single such line counts next to other quoted lines.
SUPERCITE_INITIALS = regex.compile(r"[ \t]{0,4}(?P<name>\p{Lu}{1,4})>[ \t>]")

# ---------------------------------------------------------------------------------------------
# Addresses and dates (shared by attributions, reply headers and forwards)
# ---------------------------------------------------------------------------------------------

# `<a@b>`, `< a@b >` (flattened archives put a space where a line was wrapped), `(a@b)`,
# `[mailto:a@b]` (Outlook), or a bare `a@b`.
ADDRESS = regex.compile(
    r"(?:<\s?(?:mailto:)?(?P<a>[^\s<>@]{1,64}@[^\s<>@]{1,255}?)\s?>"
    r"|\((?:mailto:)?(?P<a>[^\s()<>@]{1,64}@[^\s()<>@]{1,255})\)"
    r"|\[mailto:(?P<a>[^\s\[\]@]{1,64}@[^\s\[\]@]{1,255})\]"
    r"|(?P<a>[\w.+'-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}))"
)

# Month names (and their usual abbreviations, with or without a dot) in the languages we read.
# Keys are lower case; values are month numbers.
MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        # English, German, French, Spanish, Portuguese, Italian, Dutch, Swedish, Danish/Norwegian,
        # Finnish, Polish (nominative and genitive), Czech (genitive), Russian (genitive and short)
        "jan january januar janv janvier janvier ene enero janeiro gen gennaio januari "
        "tammi tammik tammikuu tammikuuta sty styczeń stycznia ledna янв января январь",
        "feb february februar fév févr février febrero fev fevereiro febbraio februari "
        "helmi helmik helmikuu helmikuuta lut luty lutego února фев февр февраля февраль",
        "mar march märz mär mars marzo março mrt maart "
        "maalis maalisk maaliskuu maaliskuuta marzec marca března мар марта март",
        "apr april avr avril abr abril aprile "
        "huhti huhtik huhtikuu huhtikuuta kwi kwiecień kwietnia dubna апр апреля апрель",
        "may mai mayo maio mag maggio mei maj touko toukok toukokuu toukokuuta maja května мая май",
        "jun june juni juin jun junio junho giu giugno "
        "kesä kesäk kesäkuu kesäkuuta cze czerwiec czerwca června июн июня июнь",
        "jul july juli juil juillet julio julho lug luglio "
        "heinä heinäk heinäkuu heinäkuuta lip lipiec lipca července июл июля июль",
        "aug august août aoû ago agosto augusti "
        "elo elok elokuu elokuuta sie sierpień sierpnia srpna авг августа август",
        "sep sept september septembre sept septiembre set setembre setembro settembre "
        "syys syysk syyskuu syyskuuta wrz wrzesień września září сен сент сентября сентябрь",
        "oct october oktober okt octobre oct octubre out outubro ott ottobre "
        "loka lokak lokakuu lokakuuta paź październik października října окт октября октябрь",
        "nov november novembre noviembre novembro "
        "marras marrask marraskuu marraskuuta lis listopad listopada listopadu ноя нояб ноября",
        "dec december dezember dez déc décembre dic diciembre dezembro dicembre "
        "joulu jouluk joulukuu joulukuuta gru grudzień grudnia prosince дек декабря декабрь",
    ),
    start=1,
):
    for _name in _names.split():
        MONTHS.setdefault(_name, _number)

# Weekday names and abbreviations: they are part of a date, never of a name.
WEEKDAYS = frozenset(
    (
        # English
        "mon tue tues wed thu thur thurs fri sat sun monday tuesday wednesday thursday friday "
        "saturday sunday "
        # German
        "mo di mi do fr sa so montag dienstag mittwoch donnerstag freitag samstag sonntag "
        # French
        "lun mar mer jeu ven sam dim lundi mardi mercredi jeudi vendredi samedi dimanche "
        # Spanish, Portuguese
        "mié jue vie sáb lunes martes miércoles jueves viernes sábado domingo "
        "seg ter qua qui sex segunda terça quarta quinta sexta "
        # Italian
        "gio lunedì martedì mercoledì giovedì venerdì sabato "
        # Dutch
        "ma wo vr za zo maandag dinsdag woensdag donderdag vrijdag zaterdag zondag "
        # Swedish, Danish, Norwegian
        "mån tis ons tor fre lör sön måndag tisdag onsdag torsdag fredag lördag söndag "
        "man tir lør søn mandag tirsdag fredag lørdag søndag "
        # Finnish
        "ma ti ke to pe la su maanantai tiistai keskiviikko torstai perjantai lauantai sunnuntai "
        # Polish
        "pon wt śr czw pt sob niedz poniedziałek wtorek środa czwartek piątek sobota niedziela "
        # Czech
        "po út st čt pá so ne pondělí úterý středa čtvrtek pátek sobota neděle "
        # Russian
        "пн вт ср чт пт сб вс понедельник вторник среда четверг пятница суббота воскресенье"
    ).split()
)

# Words that glue a date together in attributions ("at", "um", "à", "a las", "kl.", "klo", ...).
DATE_WORDS = frozenset(
    (
        "at um à a las às alle ore om kl kl. klo kello o v в г г. de den the le am pm a.m. p.m. "
        "uhr h o'clock el em il op am, pm, utc gmt z"
    ).split()
)

# Time zone abbreviations seen in attributions, as offsets in minutes east of UTC.
TIMEZONES: dict[str, int] = {
    "utc": 0,
    "gmt": 0,
    "z": 0,
    "est": -300,
    "edt": -240,
    "cst": -360,
    "cdt": -300,
    "mst": -420,
    "mdt": -360,
    "pst": -480,
    "pdt": -420,
    "cet": 60,
    "cest": 120,
    "met": 60,
    "mest": 120,
    "eet": 120,
    "eest": 180,
    "wet": 0,
    "west": 60,
    "msk": 180,
    "ist": 330,
    "jst": 540,
    "kst": 540,
    "aest": 600,
    "aedt": 660,
}

# ---------------------------------------------------------------------------------------------
# Attribution lines: "On <date>, <name> wrote:" and friends
# ---------------------------------------------------------------------------------------------

# Each row: (comment naming client and language, pattern). Patterns run with `fullmatch` on one
# line, or on two or three wrapped lines joined with a space, stripped and cut to
# MAX_ATTRIBUTION_CHARS. Named groups: `date` and `name` where the row can tell them apart,
# `rest` where date and name run together ("On Thu, Jun 5, 2025 at 10:22 AM Name <a@b> wrote:")
# and `segment.parse_attribution` splits them by their words.
_R = r".{1,250}?"  # a bounded stretch of an attribution
_N = r".{1,160}?"  # a bounded name (and address)
_COLON = r"\s?[:：]"
ATTRIBUTION_ROWS: tuple[tuple[str, str], ...] = (
    # English: Gmail, Apple Mail, Thunderbird, Mutt, Evolution, K-9, Outlook for Mac.
    ("en: On <date>, <name> wrote:", r"On\s(?P<rest>" + _R + r")\s(?:wrote|writes|said)" + _COLON),
    # English: Zoho Mail "---- On Tue, 22 Dec 2015 ... wrote ----"
    ("en: Zoho", r"(?:-{2,10}\s?)?On\s(?P<rest>" + _R + r")\swrote\s?-{2,10}"),
    # English: Eudora "At 10:22 AM 1/5/2010, John wrote:"
    ("en: Eudora", r"At\s(?P<date>.{1,80}?),\s(?P<name>" + _N + r")\swrote" + _COLON),
    # English: Gnus/Emacs "In message <id>, John writes:" and "John <a@b> writes:"
    ("en: Gnus", r"In (?:message|article)\s.{1,200}?,\s(?P<name>" + _N + r")\swrites" + _COLON),
    # English: "John wrote on 05/01/2010 10:22:" (several webmails)
    ("en: wrote on", r"(?P<name>" + _N + r")\swrote on\s(?P<date>.{1,80}?)" + _COLON),
    # English: Horde/IMP "Quoting John Doe <j@x>:"
    ("en: Horde", r"Quoting\s(?P<name>" + _N + r")" + _COLON),
    # English: Mutt's alternative format "* John Doe <j@x> [2010-01-05 10:22]:"
    ("en: Mutt *", r"\*\s(?P<name>" + _N + r")\s\[(?P<date>[^\[\]]{4,80})\]" + _COLON),
    # English: Sup "Excerpts from John's message of Tue Jan 05 10:22:00 +0100 2010:"
    ("en: Sup", r"Excerpts from\s(?P<name>" + _N + r")'s message of\s(?P<date>.{1,80}?)" + _COLON),
    # English: name only, "John Doe wrote:", "John Doe <j@x> wrote:", "Bob writes:"
    ("en: <name> wrote:", r"(?P<name>" + _N + r")\s(?:wrote|writes|said)" + _COLON),
    # German: Thunderbird/Apple "Am 05.01.2010 um 10:22 schrieb Max <m@x>:"
    (
        "de: Am <date> schrieb <name>:",
        r"Am\s(?P<date>" + _R + r")\sschrieb\s(?P<name>" + _N + r")" + _COLON,
    ),
    # German: "Am 05.01.2010 10:22, Max Mustermann schrieb:"
    ("de: Am <date>, <name> schrieb:", r"Am\s(?P<rest>" + _R + r")\sschrieb" + _COLON),
    # German: Gmail "Max <m@x> schrieb am Di., 5. Jan. 2010 um 10:22 Uhr:"
    ("de: Gmail", r"(?P<name>" + _N + r")\sschrieb am\s(?P<date>.{1,80}?)" + _COLON),
    # German: "Max hat am 05.01.2010 geschrieben:"
    (
        "de: hat am",
        r"(?P<name>" + _N + r")\s(?:hat|haben) am\s(?P<date>.{1,80}?)\sgeschrieben" + _COLON,
    ),
    # German: name only, "Max Mustermann schrieb:"
    ("de: <name> schrieb:", r"(?P<name>" + _N + r")\sschrieb" + _COLON),
    # French: Gmail/Thunderbird/Apple "Le 5 janv. 2010 à 10:22, Jean <j@x> a écrit :"
    ("fr: Le <date>, <name> a écrit :", r"Le\s(?P<rest>" + _R + r")\s(?:a|ont)\s[ée]crit" + _COLON),
    # French: Thunderbird/Gmail name first "Jean <j@x> a écrit le mar. 5 janv. 2010 à 10:22 :"
    (
        "fr: <name> a écrit le <date> :",
        r"(?P<name>" + _N + r")\sa\s[ée]crit\sle\s(?P<date>.{1,80}?)" + _COLON,
    ),
    # French: name only, "Jean Dupont a écrit :"
    ("fr: <name> a écrit :", r"(?P<name>" + _N + r")\sa\s[ée]crit" + _COLON),
    # Spanish: Gmail "El mar., 5 ene. 2010 a las 10:22, Juan (<j@x>) escribió:"
    ("es: El <date>, <name> escribió:", r"El\s(?P<rest>" + _R + r")\sescribi[óo]" + _COLON),
    # Spanish: name only
    ("es: <name> escribió:", r"(?P<name>" + _N + r")\sescribi[óo]" + _COLON),
    # Portuguese: Gmail "Em ter., 5 de jan. de 2010 às 10:22, João <j@x> escreveu:"
    ("pt: Em <date>, <name> escreveu:", r"Em\s(?P<rest>" + _R + r")\sescreveu" + _COLON),
    # Portuguese: name only
    ("pt: <name> escreveu:", r"(?P<name>" + _N + r")\sescreveu" + _COLON),
    # Italian: Gmail "Il giorno mar 5 gen 2010 alle ore 10:22 Mario <m@x> ha scritto:"
    (
        "it: Il <date> <name> ha scritto:",
        r"Il(?:\sgiorno)?\s(?P<rest>" + _R + r")\sha\sscritto" + _COLON,
    ),
    # Italian: name only
    ("it: <name> ha scritto:", r"(?P<name>" + _N + r")\sha\sscritto" + _COLON),
    # Dutch: Gmail "Op di 5 jan. 2010 om 10:22 schreef Jan <j@x>:"
    (
        "nl: Op <date> schreef <name>:",
        r"Op\s(?P<date>" + _R + r")\sschreef\s(?P<name>" + _N + r")" + _COLON,
    ),
    # Dutch: Apple Mail "Op 5 jan. 2010 om 10:22 heeft Jan <j@x> het volgende geschreven:"
    (
        "nl: Apple Mail",
        r"Op\s(?P<date>"
        + _R
        + r")\s(?:heeft|hebben)\s(?P<name>"
        + _N
        + r")\shet volgende geschreven"
        + _COLON,
    ),
    # Dutch: name only, "Jan schreef:"
    ("nl: <name> schreef:", r"(?P<name>" + _N + r")\sschreef" + _COLON),
    # Swedish/Danish/Norwegian: Thunderbird "Den 2010-01-05 kl. 10:22, skrev Sven:" and
    # "Den 5 jan 2010 kl. 10:22 skrev Sven <s@x>:"
    (
        "sv/da/no: Den <date> skrev <name>:",
        r"(?:Den|På)\s(?P<date>" + _R + r"),?\sskrev\s(?P<name>" + _N + r")" + _COLON,
    ),
    # Swedish/Danish/Norwegian: Gmail "tis 5 jan. 2010 kl. 10:22 skrev Sven <s@x>:"
    # ("tir. 5. jan. 2010 kl. 10.22 skrev", "man. 4. jan. 2010 kl. 10:22 skrev")
    (
        "sv/da/no: Gmail",
        r"(?P<date>(?:\p{L}{2,8}\.?,?\s)?\d{1,2}\.?\s.{1,80}?)\sskrev\s(?P<name>"
        + _N
        + r")"
        + _COLON,
    ),
    # Swedish/Danish/Norwegian: Evolution "ons 2010-01-06 klockan 17:38 +0100 skrev Sven:"
    (
        "sv/da/no: Evolution",
        r"(?P<date>(?:\p{L}{2,8}\.?\s)?\d{4}-\d{2}-\d{2}\s(?:klockan|kl\.?)\s\d{1,2}[:.]\d{2}"
        r"(?:\s[+-]\d{4})?),?\sskrev\s(?P<name>" + _N + r")" + _COLON,
    ),
    # Swedish/Danish/Norwegian: name only, "Sven skrev:"
    ("sv/da/no: <name> skrev:", r"(?P<name>" + _N + r")\sskrev" + _COLON),
    # Finnish: Gmail "ti 5. tammik. 2010 klo 10.22 Matti (<m@x>) kirjoitti:"
    ("fi: <date> <name> kirjoitti:", r"(?P<rest>" + _R + r")\skirjoitti" + _COLON),
    # Finnish: Thunderbird "Matti kirjoitti 5.1.2010 10:22:"
    (
        "fi: <name> kirjoitti <date>:",
        r"(?P<name>" + _N + r")\skirjoitti\s(?P<date>.{1,80}?)" + _COLON,
    ),
    # Polish: Thunderbird "W dniu 05.01.2010 10:22, Jan Kowalski pisze:" and Gmail
    # "wt., 5 sty 2010 o 10:22 Jan <j@x> napisał(a):", "Dnia 5 stycznia 2010 Jan napisał:"
    (
        "pl: W dniu <date> <name> napisał(a):",
        r"(?:W dniu|Dnia)\s(?P<rest>" + _R + r")\s(?:napisał(?:\(a\)|a)?|pisze)" + _COLON,
    ),
    (
        "pl: <date> <name> napisał(a):",
        r"(?P<rest>" + _R + r")\s(?:napisał(?:\(a\)|a)?|pisze)" + _COLON,
    ),
    # Czech: Thunderbird "Dne 5.1.2010 10:22, Jan Novák napsal(a):" and Gmail
    # "út 5. 1. 2010 v 10:22 odesílatel Jan <j@x> napsal:"
    (
        "cs: Dne <date> <name> napsal(a):",
        r"Dne\s(?P<rest>" + _R + r")\snapsal(?:\(a\)|a)?" + _COLON,
    ),
    (
        "cs: Gmail",
        r"(?P<date>" + _R + r")\sodesílatel\s(?P<name>" + _N + r")\snapsal(?:\(a\)|a)?" + _COLON,
    ),
    ("cs: <name> napsal(a):", r"(?P<rest>" + _R + r")\snapsal(?:\(a\)|a)?" + _COLON),
    # Russian/Ukrainian: Thunderbird "05.01.2010 10:22, Иван пишет:", Outlook/Yandex
    # "5 января 2010 г., 10:22 пользователь Иван <i@x> написал:"
    (
        "ru: <date> пользователь <name> написал:",
        r"(?P<date>" + _R + r")\sпользователь\s(?P<name>" + _N + r")\sнаписал(?:\(а\)|а)?" + _COLON,
    ),
    (
        "ru/uk: <date>, <name> написал:",
        r"(?P<rest>" + _R + r")\s(?:написал(?:\(а\)|а)?|пишет|писал|пише)" + _COLON,
    ),
    # Russian: Gmail "вт, 5 янв. 2010 г. в 10:22, Иван <i@x>:" (no verb; the address is required)
    (
        "ru: Gmail",
        r"(?P<date>(?:\p{Ll}{2}\.?,\s)?\d{1,2}\s\p{L}{3,8}\.?\s\d{4}\s?г?\.?,?\s(?:в\s)?\d{1,2}:\d{2}),\s"
        r"(?P<name>[^<>]{1,120}?\s?<[^<>]{3,200}>)" + _COLON,
    ),
    # Japanese: Gmail "2010年1月5日(火) 10:22 Taro <t@x>:" (the address is required)
    (
        "ja: Gmail",
        r"(?P<date>\d{4}年\d{1,2}月\d{1,2}日\s?(?:[(（]\S[)）])?\s?(?:\d{1,2}:\d{2})?)\s?"
        r"(?P<name>[^<>]{0,120}?\s?<[^<>]{3,200}>)" + _COLON,
    ),
    # Japanese: Thunderbird/Becky "Taro さんは書きました:" / "Taro wrote:" already covered
    ("ja: <name> さんは書きました:", r"(?P<rest>" + _R + r")(?:さんは|が)書きました" + _COLON),
    # Chinese (simplified): Gmail "Zhang San <z@x> 于2010年1月5日周二 上午10:22写道："
    ("zh: Gmail", r"(?P<name>" + _N + r")\s?于\s?(?P<date>\d{4}年.{1,40}?)\s?写道" + _COLON),
    # Chinese: Apple Mail / Thunderbird "在 2010年1月5日，上午10:22，Zhang San <z@x> 写道："
    ("zh: 在 <date>，<name> 写道：", r"在\s?(?P<rest>" + _R + r")\s?[写寫]道" + _COLON),
    # Chinese (traditional) and name-only forms: "Zhang San <z@x> 寫道："
    ("zh: <name> 写道：", r"(?P<name>" + _N + r")\s?[写寫]道" + _COLON),
    # Korean: Gmail "2010년 1월 5일 (화) 오전 10:22, Kim <k@x>님이 작성:"
    (
        "ko: Gmail",
        r"(?P<date>\d{4}년\s?\d{1,2}월\s?\d{1,2}일\s?(?:\(\S\))?\s?(?:오전|오후)?\s?"
        r"(?:\d{1,2}:\d{2})?),?\s(?P<name>" + _N + r")님이\s작성\S{0,6}" + _COLON,
    ),
    # Hungarian: Gmail "Kovács János <k@x> ezt írta (időpont: 2010. jan. 5., K, 10:22):"
    (
        "hu: Gmail",
        r"(?P<name>" + _N + r")\sezt írta(?:\s\(időpont:\s(?P<date>[^()]{1,80})\))?" + _COLON,
    ),
    # Turkish: Gmail "Ali <a@x>, 5 Oca 2010 Sal, 10:22 tarihinde şunu yazdı:"
    ("tr: Gmail", r"(?P<name>" + _N + r"),\s(?P<date>.{1,80}?)\starihinde şunu yazdı" + _COLON),
    # Any language, no verb: old Gmail "2009/12/31 Tom Callaway <t@x>:", ISO "2014-10-17 11:28
    # GMT+03:00 Bob <b@x>:", RFC 2822 "Thu, 26 Jun 2014 14:00:51 +0400 Bob <b@x>:"
    (
        "any: <date> <name> <addr>:",
        r"(?P<date>(?:\p{L}{2,9}\.?,?\s)?(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}\s\p{L}{3,9}\.?\s\d{4})"
        r"(?:\s\d{1,2}:\d{2}(?::\d{2})?)?(?:\s?(?:GMT|UTC)?[+-]\d{1,2}:?\d{2})?)\s"
        r"(?P<name>[^<>:]{0,120}?\s?<[^<>]{3,200}>)" + _COLON,
    ),
)

# Where a flattened attribution may start inside a line: a capitalised lead word or a date.
# ATTRIBUTION_START is the alternation of the rows; `segment` also runs them one by one, which
# the `regex` module does several times faster than their alternation.
ATTRIBUTION_START_ROWS = (
    # (U+FEFF: a byte-order mark at the start of a body.)
    r"(?<=^|[\s>*\-\ufeff])"
    r"(?:On|Am|Le|El|Em|Il|Op|Den|På|W dniu|Dnia|Dne|At|Quoting|In message)(?:\s|$)",
    r"(?<=^|[\s\ufeff])\d{1,4}[-/.年]",
    # a weekday before a day ("tis 5 jan", "ti 5.") or an ISO date ("ons 2010-01-06", Evolution)
    r"(?<=^|[\s\ufeff])\p{L}{2,4}\.?,?\s(?:\d{1,2}\.?\s|\d{4}-\d)",
    r"在",
)
ATTRIBUTION_START = regex.compile("(?:" + "|".join(ATTRIBUTION_START_ROWS) + ")")

# The word that ends (or, in verb-first languages, sits inside) an attribution: candidates for a
# flattened attribution are found from these, which are rare in ordinary text.
ATTRIBUTION_VERB_ANCHOR = regex.compile(
    r"(?:\b(?:wrote|writes|schrieb|[ée]crit|escribi[óo]|escreveu|scritto|schreef|geschreven|"
    r"skrev|kirjoitti|napisał(?:\(a\)|a)?|pisze|napsal(?:\(a\)|a)?|написал(?:\(а\)|а)?|пишет|"
    r"пише|írta|yazdı)\b|[写寫]道|書きました|작성|>\s?[:：])"
)

# Pieces of text one of which every match of ATTRIBUTION_VERB_ANCHOR holds (`crit` for
# `[ée]crit`, `>` for `>:`): a line holding none is no anchor, found with `str.__contains__`
# at a fraction of the pattern's cost. Keep in step with the pattern.
ATTRIBUTION_VERB_LITERALS = (
    "wrote",
    "writes",
    "schrieb",
    "crit",
    "escribi",
    "escreveu",
    "scritto",
    "schreef",
    "geschreven",
    "skrev",
    "kirjoitti",
    "napisał",
    "pisze",
    "napsal",
    "написал",
    "пише",
    "írta",
    "yazdı",
    "道",
    "書きました",
    "작성",
    ">",
)

# Every attribution row holds one of these: rows are only tried on lines that do.
ATTRIBUTION_HINT = regex.compile(
    ATTRIBUTION_VERB_ANCHOR.pattern + r"|\b(?:Quoting|Excerpts from)\s|\]\s?[:：]|\bsaid\b"
)

# Words some clients put between the date and the name ("... 15:23 użytkownik Bob <b@x>
# napisał:"): they are not part of the name.
NAME_LEAD_WORDS = frozenset(("użytkownik", "пользователь", "odesílatel", "user"))

# ---------------------------------------------------------------------------------------------
# Reply header blocks (Outlook desktop, web, mobile and Mac; Lotus Notes; Thunderbird forwards)
# ---------------------------------------------------------------------------------------------

# Field label -> role, per language. Roles: from, date, to, cc, subject, reply_to.
FIELD_ROLES: dict[str, str] = {}
for _role, _labels in (
    (
        "from",
        # en, de, fr/es/pt, it, nl, sv, da/no, fi, pl/cs, ru, ja, zh-CN, zh-TW, ko
        "From|Von|De|Expéditeur|Da|Van|Från|Fra|Lähettäjä|Od|От|Отправитель|差出人|送信者|"
        "发件人|寄件者|寄件人|보낸 사람",
    ),
    (
        "date",
        # en (+ Lotus "Sent by" is a sender, kept as date-less), de, fr, es, pt, it, nl, sv,
        # da/no, fi, pl, cs, ru, ja, zh, ko
        "Sent|Date|Gesendet|Datum|Envoyé|Envoyé le|Enviado|Enviado el|Enviada em|Enviado em|Fecha|"
        "Data|Inviato|Verzonden|Skickat|Sendt|Dato|Lähetetty|Päivämäärä|Wysłano|Wysłane|Odesláno|"
        "Отправлено|Дата|送信日時|日付|发送时间|日期|寄件日期|傳送時間|보낸 날짜",
    ),
    (
        "to",
        "To|An|À|A|Para|Aan|Till|Til|Vastaanottaja|Do|Komu|Кому|宛先|收件人|收件者|받는 사람",
    ),
    ("cc", "Cc|CC|Kopie|Copie|Kopia|Kopi|Kopio|DW|Копия|抄送|副本|참조"),
    (
        "subject",
        "Subject|Betreff|Objet|Sujet|Asunto|Assunto|Oggetto|Onderwerp|Ämne|Emne|Aihe|Temat|"
        "Předmět|Тема|件名|主题|主旨|제목",
    ),
    (
        "reply_to",
        "Reply-To|Reply To|Antwort an|Répondre à|Responder a|Rispondi a|Beantwoorden - Aan|"
        "Svara till|Svar til|Odpowiedz do",
    ),
    ("other", "Sent by|Importance|Wichtigkeit|Attachments|Anlagen|Organization|Priority"),
):
    for _label in _labels.split("|"):
        FIELD_ROLES.setdefault(_label.lower(), _role)

_LABELS = _alt(FIELD_ROLES)
# Any field label followed by its colon, for text already cut to one attribution or block.
FIELD_LABEL = regex.compile(
    # (after "--": a divider glued to the block, "-----Original Message-----From: ...")
    r"(?:(?<=^|[\s>]|--)[*_]{0,2})(?P<label>" + _LABELS + r")[*_]{0,2}[ \u00a0]?[:：][*_]{0,2}\s?",
    regex.IGNORECASE,
)

# A colon after a word, as every FIELD_LABEL match ends (each label ends in a letter): where
# this finds fewer than two, FIELD_LABEL finds fewer than two labels too, and a text of one
# attribution line ("On ..., Bob wrote:") is settled without FIELD_LABEL's scan, which tries
# its alternation of labels at every position.
LABEL_COLON = regex.compile(r"[^\W\d][*_]{0,2}[ \u00a0]?[:：]")

# Lines that open a reply header block, or stand for one on their own.
REPLY_SEPARATOR = regex.compile(
    r"[ \t]{0,8}[*_]{0,2}-{2,12}[ \t]?(?:"
    + _alt(
        (
            # en: Outlook, Outlook Express, Thunderbird (old), Android "Reply message"
            "Original Message",
            "Original message",
            "original message",
            "Reply Message",
            "Reply message",
            # de
            "Ursprüngliche Nachricht",
            "Originalnachricht",
            "Antwort Nachricht",
            # fr
            "Message d'origine",
            "Message d’origine",
            "Message original",
            # es
            "Mensaje original",
            # pt
            "Mensagem original",
            "Mensagem Original",
            # it
            "Messaggio originale",
            # nl
            "Oorspronkelijk bericht",
            "Origineel bericht",
            # sv
            "Ursprungligt meddelande",
            "Originalmeddelande",
            # da
            "Oprindelig meddelelse",
            "Original meddelelse",
            # no
            "Opprinnelig melding",
            "Originalmelding",
            # fi
            "Alkuperäinen viesti",
            # pl
            "Wiadomość oryginalna",
            "Oryginalna wiadomość",
            # cs
            "Původní zpráva",
            "Původní e-mail",
            # ru
            "Исходное сообщение",
            "Пересылаемое сообщение",
            # ja
            "元のメッセージ",
            "Original Message",
            # zh
            "原始邮件",
            "原始郵件",
            "邮件原件",
        )
    )
    + r")[ \t]?-{0,12}[*_]{0,2}[ \t]{0,8}",
)
# Outlook web and mobile put a line of underscores above the header block.
UNDERSCORE_RULE = regex.compile(r"[ \t]{0,8}_{10,200}[ \t]{0,8}")

# ---------------------------------------------------------------------------------------------
# Forwarded messages
# ---------------------------------------------------------------------------------------------

FORWARD_MARKER = regex.compile(
    r"[ \t>]{0,8}[*_]{0,2}(?:-{2,12}[ \t]?)?(?:"
    + _alt(
        (
            # en: Gmail "---------- Forwarded message ---------", Thunderbird/Evolution
            # "-------- Forwarded Message --------", Yahoo "----- Forwarded Message -----"
            "Forwarded message",
            "Forwarded Message",
            "Forwarded e-mail",
            # en: Apple Mail "Begin forwarded message:"
            "Begin forwarded message",
            # de: Gmail, Thunderbird, Apple Mail
            "Weitergeleitete Nachricht",
            "Weitergeleitete Mitteilung",
            "Anfang der weitergeleiteten Nachricht",
            "Anfang der weitergeleiteten E-Mail",
            # fr
            "Message transféré",
            "Début du message réexpédié",
            "Début du message transféré",
            # es
            "Mensaje reenviado",
            "Inicio del mensaje reenviado",
            # pt
            "Mensagem encaminhada",
            "Início da mensagem reencaminhada",
            "Mensagem reencaminhada",
            # it
            "Messaggio inoltrato",
            "Inizio messaggio inoltrato",
            # nl
            "Doorgestuurd bericht",
            "Begin doorgestuurd bericht",
            # sv
            "Vidarebefordrat meddelande",
            "Vidarebefordrat brev",
            # da
            "Videresendt meddelelse",
            "Videresendt besked",
            "Start på videresendt besked",
            # no
            "Videresendt melding",
            "Videresendt e-post",
            # fi
            "Välitetty viesti",
            "Välitetty viesti alkaa",
            # pl
            "Przekazana wiadomość",
            "Wiadomość przekazana dalej",
            "Początek przekazywanej wiadomości",
            # cs
            "Přeposlaná zpráva",
            "Začátek přeposlané zprávy",
            # ru
            "Пересланное сообщение",
            "Переадресованное сообщение",
            "Начало переадресованного сообщения",
            # ja
            "転送されたメッセージ",
            "転送メッセージ",
            # zh
            "转发的邮件",
            "已转发邮件",
            "轉寄的郵件",
            # ko
            "전달된 메시지",
        )
    )
    + r")[ \t]?(?:[:：]|-{2,12})?[*_]{0,2}[ \t]{0,8}"
    # mutt: "----- Forwarded message from John Doe <j@x> -----"
    r"|[ \t]{0,8}-{3,12}[ \t]?Forwarded message from (?P<who>.{1,200}?)[ \t]?-{3,12}[ \t]{0,8}"
    # Lotus Notes: "----- Forwarded by John Doe/ORG on 01/05/2010 10:22 AM -----", and its
    # translations (de, fr, es, pt, it, nl, sv, da/no, fi, pl)
    r"|[ \t]{0,8}-{3,12}[ \t]?(?:Forwarded by|Weitergeleitet von|Transféré par|Réacheminé par|"
    r"Reenviado por|Encaminhado por|Inoltrato da|Doorgestuurd door|Vidarebefordrat av|"
    r"Videresendt af|Videresendt av|Välittäjä|Przekazane przez) .{1,200}?[ \t]?-{3,12}[ \t]{0,8}",
    regex.IGNORECASE,
)
# mutt: "----- End forwarded message -----"
FORWARD_END = regex.compile(
    r"[ \t]{0,8}-{3,12}[ \t]?End forwarded message[ \t]?-{3,12}[ \t]{0,8}", regex.I
)

# ---------------------------------------------------------------------------------------------
# Signatures
# ---------------------------------------------------------------------------------------------

# The `-- ` delimiter (RFC 3676), also without its trailing space, and dash-escaped inside a
# PGP-signed message ("- -- ").
SIGNATURE_DELIMITER = regex.compile(r"(?:- )?--[ \t]?")
# A line of only dashes, underscores or equals signs: a separator, sometimes above a contact block.
SEPARATOR_LINE = regex.compile(
    r"[ \t]{0,8}(?:-{2,200}|_{2,200}|={2,200}|~{2,200}|\*{3,200})[ \t]{0,8}"
)

# Mobile and client signatures, one row per client and language; each matches at the start of
# a stripped line (`match`), the line being at most a short sentence.
_MOBILE_ROWS = (
    # en: iOS, Android, BlackBerry, Outlook mobile, Samsung, Yahoo, ProtonMail, Airmail...
    r"Sent from my\s",
    r"Sent (?:from|via|with|using|by) (?:Outlook|Mail|Yahoo|Gmail|AOL|Samsung|BlackBerry|"
    r"ProtonMail|Proton Mail|Airmail|Spark|BlueMail|Nine|TypeApp|Superhuman|Windows|iPhone|iPad|"
    r"Android|mobile|my|a mobile|a phone|phone|the|Hey|Fastmail|Zoho|Tutanota)",
    r"Get Outlook for (?:iOS|Android)",
    r"Sent on the go",
    r"Sent from mobile",
    r"\(?Sent from (?:a |my )?(?:mobile|phone|tablet)",
    r"[\w.-]{1,20} from (?:my )?mobile",
    # de
    r"Von meinem \S.{0,40}gesendet",
    r"Gesendet (?:von|mit|über) (?:meinem|der|Mail|Outlook|Yahoo|iPhone|iPad|Android|GMX|WEB\.DE|"
    r"Samsung|BlackBerry)",
    r"Diese Nachricht wurde von meinem .{1,60}gesendet",
    r"Von Outlook für (?:iOS|Android) gesendet",
    r"Outlook für (?:iOS|Android) beziehen",
    # fr
    r"Envoyé (?:de|depuis|à partir de) (?:mon|ma|Outlook|Yahoo|Mail|l'application|mon)",
    r"Obtenir Outlook pour (?:iOS|Android)",
    # es
    r"Enviado desde (?:mi|Outlook|Yahoo|Correo|Mail)",
    r"Obtener Outlook para (?:iOS|Android)",
    # pt
    r"Enviado do (?:meu|Outlook|Yahoo|Email)",
    r"Enviado de (?:meu|minha|Outlook)",
    r"Obter o Outlook para (?:iOS|Android)",
    # it
    r"Inviato da (?:iPhone|iPad|Outlook|Yahoo|Posta|smartphone|dispositivo|Samsung|Android|mio)",
    r"Inviato dal mio\s",
    r"Scarica Outlook per (?:iOS|Android)",
    # nl
    r"(?:Verzonden|Verstuurd) (?:vanaf|vanuit|met|van) (?:mijn|Outlook|Yahoo|Mail|iPhone)",
    r"Outlook voor (?:iOS|Android) downloaden",
    # sv
    r"Skickat från (?:min|Outlook|Yahoo|E-post|Mail)",
    r"Skickades från min\s",
    r"Hämta Outlook för (?:iOS|Android)",
    # da / no (the seed: "Sendt fra Outlook for iOS")
    r"Sendt fra (?:min|Outlook|Yahoo|Mail|E-post|iPhone|iPad|Samsung)",
    r"Hent Outlook (?:til|for) (?:iOS|Android)",
    # fi
    r"Lähetetty (?:iPhonesta|iPadista|Android|Outlook|matkapuhelimesta|mobiililaitteesta|"
    r"Samsung|laitteesta)",
    # pl
    r"Wysłan[eo] (?:z|ze) (?:mojego|iPhone|iPada|Outlook|telefonu|urządzenia|aplikacji)",
    r"Pobierz aplikację Outlook",
    # cs
    r"Odesláno z (?:mého|iPhonu|iPadu|Outlooku|telefonu|aplikace|mobilu)",
    # ru / uk
    r"Отправлено (?:с|из) ",
    r"Получить Outlook для (?:iOS|Android)",
    r"Надіслано з ",
    # ja
    r"(?:iPhone|iPad|Android|Outlook|Galaxy|Xperia)\s?から送信",
    # zh
    r"(?:从|從)我的\s?.{1,20}(?:发送|傳送|送出)",
    r"(?:发|發)自我的\s?\S",
    # ko
    r"(?:내\s)?(?:iPhone|iPad|Galaxy|Android|Samsung).{0,20}에서 보냄",
)
# The lower-cased starts of the rows above: only lines starting so are tried against them.
# (Derived from the rows above, lower-cased; keep in step when adding a row.)
MOBILE_PREFIXES = tuple(
    (
        "sent |(sent|<sent|get outlook|von |gesendet|diese nachricht|outlook|envoy|"
        "obtenir|enviad|obtener|obter|inviato|scarica|verzonden|verstuurd|skickat|"
        "skickades|hämta|sendt|hent |lähetetty|wysłan|pobierz|odesláno|отправлено|"
        "получить|надіслано|iphone|ipad|android|galaxy|xperia|从我的|從我的|发自我的|發自我的|내 |"
        "samsung"
    ).split("|")
)
MOBILE_SIGNATURE = regex.compile(r"[(<]{0,2}(?:" + "|".join(_MOBILE_ROWS) + r")", regex.IGNORECASE)
# The same at the end of a flattened line: the phrase, a few words, an optional link, the end.
_INLINE_MOBILE_HEAD = r"(?:(?<=^|[\s.!?])(?:"
_INLINE_MOBILE_TAIL = r"))[^\n<>]{0,60}?(?:\s?<https?://[^\s<>]{1,300}>)?\s{0,8}$"
INLINE_MOBILE_SIGNATURE = regex.compile(
    _INLINE_MOBILE_HEAD + "|".join(_MOBILE_ROWS) + _INLINE_MOBILE_TAIL, regex.IGNORECASE
)


@functools.cache
def inline_mobile_signature_rows() -> tuple[regex.Pattern[str], ...]:
    """`INLINE_MOBILE_SIGNATURE`, one pattern a row, in the order of the rows.

    The `regex` module searches the case-insensitive alternation at some 0.2-0.4 us a
    character, 7x slower than all its rows one by one: 185 against 27 us on a flattened line
    of 800 characters. Where a row matches first, at the leftmost start of any row's match, so
    does the alternation (`segment.signature`). Compiled when first asked for: compiling them
    all as the package is imported added some 17 ms to every start.
    """
    return tuple(
        regex.compile(_INLINE_MOBILE_HEAD + row + _INLINE_MOBILE_TAIL, regex.IGNORECASE)
        for row in _MOBILE_ROWS
    )


# Sign-offs, per language. A line that is a sign-off (and optionally a short name) near the end
# of the author's text starts the signature.
_SIGNOFFS = (
    # en
    "best regards|kind regards|warm regards|warmest regards|regards|best wishes|all the best|"
    "best|cheers|thanks|thank you|many thanks|thanks again|thanks in advance|thanks and regards|"
    "thanks & regards|thx|tia|sincerely|yours sincerely|sincerely yours|yours truly|yours|"
    "respectfully|with thanks|take care|greetings|rgds|br|cordially|warmly|with best regards|"
    "with kind regards|best rgds|kr|hth|ttyl|ttfn|bye|cya|later|see you|cu"
    # de
    "|mit freundlichen grüßen|mit freundlichen grüssen|freundliche grüße|freundliche grüsse|mfg|"
    "viele grüße|viele grüsse|beste grüße|beste grüsse|liebe grüße|liebe grüsse|herzliche grüße|"
    "schöne grüße|grüße|grüsse|gruß|gruss|lg|vg|danke|vielen dank|besten dank"
    # fr
    "|cordialement|bien cordialement|bien à vous|amicalement|salutations|meilleures salutations|"
    "sincères salutations|bonne journée|merci|merci beaucoup|bises|a\\+"
    # es
    "|saludos|un saludo|saludos cordiales|atentamente|cordialmente|gracias|muchas gracias|"
    "un abrazo|abrazos"
    # pt
    "|atenciosamente|cumprimentos|melhores cumprimentos|abraços|abraço|obrigado|obrigada|"
    "saudações|att"
    # it
    "|cordiali saluti|saluti|distinti saluti|un saluto|grazie|grazie mille|a presto|ciao"
    # nl
    "|met vriendelijke groet|met vriendelijke groeten|vriendelijke groet|vriendelijke groeten|"
    "groeten|groet|mvg|hartelijke groet|bedankt|dank je|dank u"
    # sv
    "|med vänliga hälsningar|vänliga hälsningar|hälsningar|bästa hälsningar|mvh|tack"
    # da / no
    "|med venlig hilsen|venlig hilsen|bedste hilsner|de bedste hilsner|hilsen|med vennlig hilsen|"
    "vennlig hilsen|tak|takk"
    # fi
    "|ystävällisin terveisin|terveisin|parhain terveisin|kiitos"
    # pl
    "|pozdrawiam|z poważaniem|z wyrazami szacunku|pozdrowienia|dziękuję|dzięki"
    # cs
    "|s pozdravem|s úctou|děkuji|zdravím"
    # ru
    "|с уважением|спасибо|с наилучшими пожеланиями|всего доброго|всего хорошего"
    # ja, zh
    "|よろしくお願いします|よろしくお願いいたします|以上|此致|敬礼|此致敬礼|谢谢|祝好|顺祝商祺"
)
# The sign-offs as words (the table above without its regex escapes).
SIGNOFF_WORDS = tuple(word.replace("\\", "") for word in _SIGNOFFS.split("|"))
# A whole line: the sign-off, punctuation, and at most a short name ("Cheers, Bob", "Thanks!").
SIGNOFF_LINE = regex.compile(
    r"[-–—~ \t]{0,4}(?i:(?:"
    + _SIGNOFFS
    # (joined: "Thanks and regards", "Best regards / Mit freundlichen Grüßen" in bilingual firms)
    + r")(?:[ \t]{0,4}(?:,|and|&|/)[ \t]{0,4}(?:"
    + _SIGNOFFS
    + r")){0,2})[ \t]{0,4}[,.!:;…。！]{0,3}"
    r"(?:[ \t]{0,4}[-–—]?[ \t]{0,4}[*_]{0,2}\p{Lu}[\p{L}.'’-]{0,30}"
    r"(?:[ \t][*_]{0,2}\p{Lu}[\p{L}.'’-]{0,30}){0,3}[*_]{0,2}[,.!]?)?"
    r"[ \t]{0,4}",
)
# Inside a flattened line, only unmistakable sign-offs count, after a sentence ends, followed by
# the end, a capitalised or starred name, or a contact block.
INLINE_SIGNOFF = regex.compile(
    r"(?:(?<=[.!?…)\]>\"”]\s{1,4})|(?<=[.!?…]{3}\s{0,4}))(?:"
    # two-word sign-offs: followed by the end, a capitalised or starred name, or "v/"
    r"(?:Best regards|Kind regards|Kind Regards|Best Regards|Warm regards|Warmest regards|"
    r"Best wishes|All the best|Yours sincerely|Yours truly|"
    r"Mit freundlichen Grüßen|Mit freundlichen Grüssen|Viele Grüße|Beste Grüße|Liebe Grüße|"
    r"Bien cordialement|Bien à vous|Un saludo|Saludos cordiales|Cordiali saluti|"
    r"Met vriendelijke groet|Vriendelijke groet|Med vänliga hälsningar|Vänliga hälsningar|"
    r"Med venlig hilsen|Venlig hilsen|Med vennlig hilsen|Vennlig hilsen|Ystävällisin terveisin|"
    r"Z poważaniem|S pozdravem|С уважением)"
    r"(?=[ \t]{0,4}[,.!]?[ \t]{0,4}(?:$|[*_]{0,2}\p{Lu}|v/))"
    # one-word sign-offs: only with a comma or at the very end ("Best, v/", "Cheers,")
    r"|(?:Best|Regards|Cheers|Sincerely|Respectfully|Cordialement|Saludos|Atentamente|"
    r"Atenciosamente|Cumprimentos|Terveisin|Pozdrawiam|Groeten|Hälsningar|Hilsen|Grüße)"
    r"(?=[ \t]{0,4}(?:,|$))"
    r")"
)
# Thanks-like sign-offs count inside a line only when nothing but a short name follows.
INLINE_SIGNOFF_WEAK = regex.compile(
    r"(?:(?<=[.!?…)\]>\"”]\s{1,4}))(?:Thanks|Thank you|Many thanks|Thanks again|Danke|Merci|"
    r"Gracias|Grazie|Obrigad[oa]|Bedankt|Tack|Takk|Tak|Kiitos|Dziękuję|Děkuji|Спасибо)"
    r"[ \t]{0,4}[,.!]?(?:[ \t]{1,4}\p{Lu}[\p{L}.'’-]{0,30}(?:[ \t]\p{Lu}[\p{L}.'’-]{0,30}){0,2})?"
    r"[ \t]{0,4}[,.!]?[ \t]{0,4}$"
)
# Short replies that look like a name on their own line but are not one.
NOT_NAMES = frozenset(
    "yes no ok okay agreed done fixed sure indeed correct right ack nack good great nice exactly "
    "absolutely true false maybe thanks noted confirmed approved pushed merged works ja nein oui "
    "non sí si sim não nee tak nej da нет да "
    # zh, ja, ko: short answers of two to four characters, which the name-line test would take
    "好的 是的 同意 了解 收到 没有 不是 可以 谢谢 多谢 感谢 明白 知道了 "
    "確認 了解です 承知 はい いいえ 네 아니요 감사합니다 알겠습니다".split()
)
# "P.S." ends a signature block: what follows is the author's again.
POSTSCRIPT = regex.compile(r"[ \t]{0,8}(?:P\.?\s?S\.?|PS)[ \t]?[:.\-,]", regex.IGNORECASE)

# Legal disclaimers, per language: the paragraph they start and what follows is signature.
DISCLAIMER = regex.compile(
    r"[ \t*_]{0,8}(?:"
    # en
    r"CONFIDENTIALITY(?: NOTICE| NOTE| STATEMENT)?|CONFIDENTIAL|DISCLAIMER|Disclaimer:|"
    r"LEGAL NOTICE|IMPORTANT NOTICE|PRIVILEGED AND CONFIDENTIAL|"
    r"This (?:e-?mail|message|communication|transmission)"
    r"(?: and any (?:files|attachments?|documents)"
    r"(?: transmitted with it)?)?(?: \(including any attachments\))? (?:is|are|may be|may contain|"
    r"contains|and its attachments|is intended|are intended)|"
    r"The (?:information|content|contents) (?:contained )?in this "
    r"(?:e-?mail|message|communication)|"
    r"Please consider the environment before printing|"
    # de
    r"Diese (?:E-Mail|Nachricht|Mail)(?: enthält| kann| ist)|"
    r"Der Inhalt dieser (?:E-Mail|Nachricht)|"
    r"Vertraulichkeitshinweis|Haftungsausschluss|"
    # fr
    r"Ce (?:message|courriel|e-?mail)(?: et (?:toutes )?(?:les |ses )?pièces jointes)? "
    r"(?:est|sont|peut|"
    r"contient|et)|AVERTISSEMENT|Avis de confidentialité|"
    # es
    r"Este (?:mensaje|correo)(?: electrónico)?(?: y sus (?:anexos|adjuntos))? "
    r"(?:es|y|puede|contiene|"
    r"se dirige)|AVISO (?:DE )?CONFIDENCIALIDAD|AVISO LEGAL|"
    # pt
    r"Esta mensagem(?: e (?:seus|os seus) anexos)? (?:é|pode|contém)|AVISO DE CONFIDENCIALIDADE|"
    # it
    r"Questo messaggio(?: e i suoi allegati)? (?:è|può|contiene)|"
    r"Le informazioni contenute in questo messaggio|AVVISO DI RISERVATEZZA|"
    # nl
    r"Dit (?:e-?mail)?bericht(?: en eventuele bijlagen)? (?:is|kan|bevat)|"
    r"De informatie (?:verzonden met|in) dit (?:e-?mail)?bericht|"
    # sv / da / no
    r"Detta (?:e-?post)?meddelande (?:är|kan|innehåller)|Denna e-post|"
    r"Denne (?:e-?mail|meddelelse|e-?posten|meldingen) (?:er|kan|indeholder|inneholder)|"
    # fi
    r"Tämä (?:viesti|sähköposti(?:viesti)?) (?:on|voi|sisältää)|"
    # pl / cs
    r"(?:Ta|Niniejsza) wiadomość (?:jest|może|zawiera)|Tato zpráva (?:je|může|obsahuje)|"
    r"Tento e-mail (?:je|může|obsahuje)|"
    # ru
    r"(?:Это|Данное) (?:сообщение|письмо) (?:является|может|содержит)|"
    r"Информация, содержащаяся в|"
    # ja / zh
    r"この(?:電子)?メール(?:には|は)|本メールは|此邮件|本邮件"
    r")"
)

# The lower-cased starts of the disclaimer and banner rows: only lines starting so are tried.
# (en, de, fr, es, pt, it, nl, sv/da/no, fi, pl, cs, ru, ja, zh; keep in step with the rows.)
NOTICE_PREFIXES = tuple(
    (
        "confidential|disclaimer|legal notice|important notice|privileged|this e|"
        "this message|this communication|this transmission|the information|the content|"
        "please consider|caution|warning|attention|external|notice|*|this mess|diese|"
        "der inhalt|vertraulich|haftung|ce message|ce courriel|ce e-mail|ce mail|"
        "avertissement|avis de|este |aviso|esta mensagem|questo messaggio|"
        "le informazioni|avviso|dit |de informatie|detta|denna|denne|tämä|ta wiadomość|"
        "niniejsza|tato zpráva|tento e-mail|это |данное|информация|この|本メール|此邮件|本邮件"
    ).split("|")
)

# External-sender banners inserted by the recipient's mail gateway, not by the author.
BANNER = regex.compile(
    r"[ \t*\[]{0,8}(?:"
    r"(?:CAUTION|WARNING|ATTENTION|EXTERNAL(?: EMAIL| SENDER| MESSAGE)?|NOTICE)[:!]? ?"
    r"(?:This (?:e-?mail|message) (?:originated|was sent|came|is) from (?:outside|an external)|"
    r"External (?:e-?mail|sender)|Use caution)|"
    r"\[?EXTERNAL\]|\[External\]|\*{1,3} ?External (?:e-?mail|sender) ?\*{0,3}|"
    r"This (?:e-?mail|message) (?:originated|was sent|came) from outside (?:of )?(?:the|your|our)"
    r")",
    regex.IGNORECASE,
)

# PGP armour: the header of a clearsigned message, and the signature block.
PGP_SIGNED_BEGIN = regex.compile(r"[ \t]{0,8}-----BEGIN PGP SIGNED MESSAGE-----[ \t]{0,8}")
PGP_SIGNATURE_BEGIN = regex.compile(r"[ \t]{0,8}-----BEGIN PGP SIGNATURE-----[ \t]{0,8}")
PGP_SIGNATURE_END = regex.compile(r"[ \t]{0,8}-----END PGP SIGNATURE-----[ \t]{0,8}")

# ---------------------------------------------------------------------------------------------
# Placeholders for removed content
# ---------------------------------------------------------------------------------------------

# Inline stand-ins, each bounded and unable to span another `[` or `<`.
PLACEHOLDER = regex.compile(
    # Outlook/Apple inline images: "[cid:image001.png@01D...]"
    r"\[cid:[^\[\]\n]{1,300}\]"
    # Gmail: "[image: image.png]", "[image: Logo]"; Outlook "[Image removed by sender.]"
    r"|\[(?:image|Image|IMAGE|Bild|Imagen|Immagine|Afbeelding|Obraz|Изображение)"
    r"(?::|\s(?:removed|supprimée|entfernt|eliminada))[^\[\]\n]{0,300}\]"
    # Apple Mail, Outlook: "[Screenshot 2024-12-16 at 16.31.19.png]", "[logo.jpg]"
    r"|\[[^\[\]\n]{1,200}\.(?i:png|jpe?g|gif|bmp|tiff?|webp|heic|svg|emz|wmz|pdf|docx?|xlsx?|"
    r"pptx?|zip|ics|vcf|eml|msg|mov|mp4)\]"
    # Apple Mail: "<image001.png>"; Outlook attachments "<<report.pdf>>"
    r"|<image\d{1,4}\.(?i:png|jpe?g|gif)>"
    r"|<<[^<>\n]{1,200}\.\w{2,4}>>"
    # Gmail/Yahoo: "[Attachment: x]", "[attachment removed]", "[Attachment #2 (text/html)]"
    r"|\[(?i:attachment)[^\[\]\n]{0,200}\]"
    # Gmail web: "[Quoted text hidden]", "[Message clipped]"
    r"|\[(?:Quoted text hidden|Message clipped|Texte des messages précédents masqué|"
    r"Zitierten Text ausblenden|Texto citado oculto)\]"
)

# What every PLACEHOLDER match starts with: text holding none of these holds no placeholder,
# and `str.find` tells that far faster than the pattern's search. Keep in step with the rows.
PLACEHOLDER_STARTS = ("[", "<image", "<<")

# Marks a replier leaves where they cut quoted text: "[...]", "<snip>", "... snip ...", "[…]".
SNIP = regex.compile(
    r"[ \t]{0,8}[\[(<{]?[ \t]?(?:\.{2,5}|…)?[ \t]?"
    r"(?i:snip|snipped|schnipp|schnapp|cut|coupé|recortado|tagliato|knip|klipp|ciach|vágás|обрезано)?"
    r"[ \t]?(?:\.{2,5}|…)?[ \t]?[\])>}]?[ \t]{0,8}"
)

# Pipermail / Mailman scrubber notes.
SCRUBBER_PART = regex.compile(r"[ \t]{0,8}-{3,20}[ \t]?next part[ \t]?-{3,20}[ \t]{0,8}")
SCRUBBER_NOTE = regex.compile(
    r"[ \t]{0,8}(?:An HTML attachment was scrubbed\.{0,3}|A non-text attachment was scrubbed\.{0,3}"
    r"|An embedded and charset-unspecified text was scrubbed\.{0,3}"
    r"|An embedded message was scrubbed\.{0,3}|Skipped content of type .{1,100}"
    r"|(?:Name|Type|Size|Desc|Url|URL)[ \t]{0,2}:.{0,500})"
)

# ---------------------------------------------------------------------------------------------
# List footers (the footers module learns the rest; this is the Mailman 2 default only)
# ---------------------------------------------------------------------------------------------

# Mailman 2's default msg_footer: 47 underscores, "<list> mailing list", address, listinfo URL.
MAILMAN_FOOTER_RULE = regex.compile(r"_{40,60}[ \t]{0,8}")
MAILMAN_FOOTER_NAME = regex.compile(r"\S.{0,100}\smailing list[ \t]{0,8}")

# ---------------------------------------------------------------------------------------------
# Greetings: where the quoted body starts after a flattened header block's Subject
# ---------------------------------------------------------------------------------------------

GREETING = regex.compile(
    r"(?<=\s)(?:Hi|Hello|Hey|Dear|Good (?:morning|afternoon|evening)|Greetings|Hallo|Liebe|Lieber|"
    r"Sehr geehrte|Guten (?:Tag|Morgen)|Bonjour|Bonsoir|Salut|Cher|Chère|Chers|Hola|Estimad[oa]s?|"
    r"Buongiorno|Buonasera|Ciao|Caro|Cara|Gentile|Olá|Oi|Prezad[oa]s?|Beste|Hoi|Hej|Hei|Moi|"
    r"Dzień dobry|Witam|Cześć|Dobrý den|Ahoj|Здравствуйте|Добрый день|Привет|Уважаем\p{L}{1,4})"
    r"(?:[ \t]{1,4}[\p{L}.'’-]{1,30}){0,3}[ \t]{0,2}[,!:]"
)

# ---------------------------------------------------------------------------------------------
# The replier's voice: where a quote without markers ends (`segment.unmarked`)
# ---------------------------------------------------------------------------------------------

# A paragraph that starts so answers the quoted message: agreement, disagreement, a short
# yes/no. Matched at the start of the paragraph's first line, after the quoted message's first
# paragraph, in a body whose author wrote nothing before the attribution.
REPLY_OPENER = regex.compile(
    r"[ \t]{0,4}(?:"
    # en
    r"(?i:I (?:fully |totally |completely )?(?:agree|disagree)|Agreed|Sounds (?:good|great|fine)|"
    r"Makes sense|Good (?:idea|point|catch)|Works for me|Fine (?:with|by) me|Same here|Me too|"
    r"Not (?:for|to) me|Exactly|Absolutely|Of course|Indeed)\b|\+1\b|-1\b|"
    r"(?:Yes|No|Sure|Yep|Yup|Nope|Correct|Right)[,.!:]"
    # de
    r"|(?:Ich stimme|Einverstanden|Klingt gut|Gute Idee|Genau|Stimmt)\b|(?:Ja|Nein)[,.!]"
    # fr
    r"|(?:Je suis (?:d'accord|d’accord)|D'accord|D’accord|Bonne idée|Tout à fait|Exactement)\b"
    r"|(?:Oui|Non)[,.!]"
    # es / pt / it
    r"|(?:Estoy de acuerdo|De acuerdo|Buena idea|Concordo|Boa ideia|Sono d'accordo|"
    r"D'accordo|Buona idea|Esatto)\b|(?:Sí|Si|Sim|Não|Sì|Claro|Certo)[,.!]"
    # nl / sv / da / no
    r"|(?:Mee eens|Klinkt goed|Goed idee|Jag håller med|Låter bra|Jeg er enig|Lyder godt|"
    r"Høres bra ut)\b|(?:Nee|Nej|Nei|Enig)[,.!]"
    # fi / pl / cs / ru
    r"|(?:Olen samaa mieltä|Samaa mieltä|Kuulostaa hyvältä|Zgadzam się|Zgoda|Brzmi dobrze|"
    r"Souhlasím|Zní to dobře|Согласен|Согласна|Звучит хорошо)\b|(?:Kyllä|Tak|Nie|Ano|Да|Нет)[,.!]"
    # ja / zh
    r"|賛成|了解しました|承知しました|同意|赞成"
    r")"
)

# A greeting line that names someone ("Hi Ann,", "Hallo Max!", "Ann,"): when the name is the
# quoted author's, the paragraph speaks to them. (en, de, fr, es, pt, it, nl, sv/da/no, fi, pl,
# cs, ru; the greeting word is optional.)
GREETING_LINE = regex.compile(
    r"[ \t]{0,4}(?:(?i:Hi|Hello|Hey|Dear|Hallo|Hallo|Liebe|Lieber|Bonjour|Salut|Cher|Chère|Hola|"
    r"Estimad[oa]|Olá|Oi|Ciao|Caro|Cara|Hoi|Beste|Hej|Hei|Moi|Terve|Cześć|Witaj|Ahoj|Привет|"
    r"Здравствуй(?:те)?)[ \t]{1,4})?"
    r"(?P<name>\p{Lu}[\p{L}.'’-]{0,30}(?:[ \t]\p{Lu}[\p{L}.'’-]{0,30})?)[ \t]{0,2}[,!:—–]"
)

# A name closing a message on its own line ("Ann", "-- Ann Lee", "~Bob", "/Linnea"): one to
# three capitalised words after optional dashes, a tilde or a slash (any language with capitals).
CLOSING_NAME = regex.compile(
    r"[-–—~/ \t]{0,4}(\p{Lu}[\p{L}.'’-]{0,30}(?:[ \t]\p{Lu}[\p{L}.'’-]{0,30}){0,2})"
)

# Lotus Notes reply headers: the quoted author's name ("Tom Hale/IT/Acme"), then the date alone
# on a line ("03/14/2011 02:15 PM", "14.03.2011 14:15"), then To / cc / Subject (labels alone
# on a line with the value under them, or with a colon and a tab). Also one line with the name
# and date ("Tom Hale/IT/Acme@Acme on 03/14/2011 02:15:33 PM").
LOTUS_DATE_LINE = regex.compile(
    r"[ \t]{0,8}\d{1,2}[/.]\d{1,2}[/.]\d{2,4}[ \t]{1,4}\d{1,2}:\d{2}(?::\d{2})?"
    r"(?:[ \t]?(?:AM|PM|am|pm))?[ \t]{0,8}"
)
LOTUS_NAME_DATE_LINE = regex.compile(
    r"[ \t]{0,8}[^\s:][^:\n]{0,80}?[ \t](?:on|am|le|el|il|op|den)[ \t]"
    r"\d{1,2}[/.]\d{1,2}[/.]\d{2,4}[ \t]{1,4}\d{1,2}:\d{2}(?::\d{2})?"
    r"(?:[ \t]?(?:AM|PM|am|pm))?[ \t]{0,8}"
)

# git format-patch and git send-email: a patch mail's own header lines are the author's content,
# never a quoted message's header block. The mbox-style first line format-patch writes, and the
# Subject prefix it and send-email give ("[PATCH]", "[PATCH v2 1/3]", "[RFC PATCH net-next]").
FORMAT_PATCH_FROM = regex.compile(r"From [0-9a-f]{40} Mon Sep 17 00:00:00 2001")
PATCH_SUBJECT = regex.compile(
    r"[ \t]{0,4}(?i:Subject)[ \t]{0,2}:[ \t]{0,4}\[(?:[^\[\]\n]{0,40}[ \t])?PATCH\b"
)

# Lines of a diff or diffstat (git, diff -u): after a `---` line they are a patch, never a
# contact block.
PATCH_LINE = regex.compile(
    r"diff --git |@@ -\d|\+\+\+ |--- a/|index [0-9a-f]{7,40}\.\.|[ \t]\d{1,6} files? changed,"
)

# What a contact block holds (an address, a phone number, a link, a phone label): a paragraph
# holding one after the quoted author's name is their signature, not a reply.
CONTACT_HINT = regex.compile(
    r"\+?\d[\d ()./-]{6,20}\d|[\w.+-]{1,64}@[\w-]{1,63}\.[\w.-]{2,60}|https?://|www\."
    r"|\b(?:Tel|Phone|Mobile|Mob|Cell|Fax|Tél|Telefon|Tlf|Puh|Тел)\b",
    regex.IGNORECASE,
)
