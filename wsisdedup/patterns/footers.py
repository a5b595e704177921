"""Mailing-list footer templates, one row per list manager and variant.

The patterns match *canonical* text (`wsisdedup.text.normalise.canonical`): lower case, single
spaces, no `>` markers, a link reduced to its host, a separator line reduced to five characters
(`_____`, `#####`). So one row matches a footer whether it sits at the end of a message, inside
a quote, or flattened onto one line by an archive's web page.

Each row has an `anchor`, a literal that every match contains: `footer_spans` finds anchors
with `str.find` (fast) and runs the pattern only in a window around each one.

Sources for the shapes: Mailman 2.1's default `msg_footer`; Mailman 3's
`list:member:regular:footer` template (the same in `mailman/src/mailman/templates/`); LISTSERV
and JISCMail footers as they appear in public archives (the 3GPP corpus holds LISTSERV's);
Google Groups' footer.
"""

from __future__ import annotations

import attrs
import regex

__all__ = ["FOOTER_TEMPLATES", "SEPARATOR_WORD", "FooterTemplate"]

# A link is its host in canonical text, set apart from the punctuation after it ("host ,").
_HOST = r"[a-z0-9][a-z0-9-]{0,62}(?:\.[a-z0-9-]{1,63}){1,10}"
_ADDRESS = r"[\w.+=-]{1,64}(?:@| at )" + _HOST


@attrs.frozen(kw_only=True)
class FooterTemplate:
    """One list manager's footer shape."""

    name: str
    anchor: str
    """A literal every match contains; only windows around it are searched."""
    pattern: regex.Pattern[str]
    before: int = 200
    """How far before the anchor a match may start."""
    after: int = 600
    """How far after the anchor a match may end."""


FOOTER_TEMPLATES: tuple[FooterTemplate, ...] = (
    # Mailman 2.1 default, also Mailman 3.0's: a line of underscores (or a `-- ` line),
    # "<List> mailing list", "<list>@<host>" (pipermail shows "<list> at <host>"), the listinfo
    # link (here its host).
    FooterTemplate(
        name="mailman2",
        anchor=" mailing list ",
        pattern=regex.compile(
            r"(?:_____ |-- )?(?P<list>[\w.+=-]{1,100}) mailing list (?P=list)(?:@| at )"
            + _HOST
            + r"(?: "
            + _HOST
            + r"(?= |$))?"
        ),
    ),
    # Mailman 3 default: "<Display Name> mailing list -- <list address>", then
    # "To unsubscribe send an email to <list>-leave@<domain>"; sites often add lines of
    # "<label>: <link>" (list guidelines, archives, code of conduct).
    FooterTemplate(
        name="mailman3",
        anchor=" mailing list -- ",
        pattern=regex.compile(
            r"(?:_____ [^_]{1,100}?|\S{1,100}) mailing list -- "
            + _ADDRESS
            + r" to unsubscribe send an email to [\w.+=-]{1,64}-leave@"
            + _HOST
            + r"(?: [\w ,'-]{1,40}: "
            + _HOST
            + r"(?= |$)){0,8}"
        ),
        before=120,
    ),
    # LISTSERV: a line of `#`, "To unsubscribe from the <LIST> list, click the following
    # link:" and the SUBED1 link; older sites write "...list: write to: mailto:<LIST>-SIGNOFF-
    # REQUEST@<host> or click the following link:". A closing `#` line is added by the caller.
    FooterTemplate(
        name="listserv",
        anchor="to unsubscribe from the ",
        pattern=regex.compile(
            r"(?:\#\#\#\#\# (?:\#{1,4} ){0,2})?to unsubscribe from the \S{1,100} list[,:]? "
            r"(?:write to:? \S{1,200} or )?click the following link:?(?: \S{1,300})?"
        ),
        before=30,
    ),
    # LISTSERV sites that print the sign-off address alone (IEEE): "Unsubscribe link:
    # mailto:<LIST>-SIGNOFF-REQUEST@<host>".
    FooterTemplate(
        name="listserv-signoff",
        anchor="-signoff-request@",
        pattern=regex.compile(
            r"(?:to unsubscribe[^.]{0,80}?|unsubscribe link:?|use this link to unsubscribe:?) "
            r"(?:mailto:)?[\w.+=-]{1,100}-signoff-request@" + _HOST
        ),
        before=120,
        after=200,
    ),
    # LISTSERV's web-link variant: "Use this link to unsubscribe: <link>".
    FooterTemplate(
        name="listserv-link",
        anchor="use this link to unsubscribe",
        pattern=regex.compile(r"use this link to unsubscribe:?(?: " + _HOST + r"(?= |$))?"),
        before=0,
        after=300,
    ),
    # JISCMail (LISTSERV) adds a sentence after the unsubscribe link.
    FooterTemplate(
        name="jiscmail",
        anchor="this message was issued to members of ",
        pattern=regex.compile(
            r"this message was issued to members of \S{1,200}(?: ,)? a mailing list hosted by "
            r"\S{1,200}(?: ,)? terms (?:&|and) conditions are available at \S{1,300}"
        ),
        before=0,
    ),
    # Google Groups: "-- ", "You received this message because you are subscribed to the
    # Google Groups "<name>" group.", the unsubscribe address and the discussion's web link.
    FooterTemplate(
        name="google-groups",
        anchor="you received this message because you are subscribed to the google groups ",
        pattern=regex.compile(
            r"(?:-- )?you received this message because you are subscribed to the google "
            r'groups "[^"]{1,200}" group\. (?:to unsubscribe from this group and stop '
            r"receiving emails from it, send an email to \S{1,200}@googlegroups\.com\.?"
            r"(?: to (?:view|post to) this (?:discussion|group)[^.]{0,60}? (?:visit|send email"
            r" to) \S{1,300}(?: \.)?)*(?: for more options,? visit \S{1,300}(?: \.)?)?)?"
        ),
        before=5,
        after=1000,
    ),
)

SEPARATOR_WORD = regex.compile(r"(?:_____|=====|\#\#\#\#\#|~~~~~|\+\+\+\+\+|-----|\*\*\*\*\*|--)")
"""A canonical word that is a separator line (five characters) or the signature dash `--`."""
