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
Google Groups' footer in its older and newer wording; Lyris ListManager's "You are currently
subscribed to"; ezmlm's "-unsubscribe@"/"-help@" lines; Majordomo's "send the line
unsubscribe"; Sympa's command address and its "Liste de diffusion" info footer.
"""

from __future__ import annotations

import attrs
import regex

__all__ = ["FOOTER_TEMPLATES", "SEPARATOR_PAIR", "SEPARATOR_WORD", "WORDED_LINE", "FooterTemplate"]

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
    # Lyris ListManager: "---", "You are currently subscribed to <list> as: <address>", then
    # how to leave: a blank mail to leave-<list>-<id>@<host>, or a link.
    FooterTemplate(
        name="lyris",
        anchor="you are currently subscribed to ",
        pattern=regex.compile(
            r"(?:--- |----- )?you are currently subscribed to \S{1,100} as:? "
            + _ADDRESS
            + r"\.?(?: to unsubscribe[^.@]{0,120}?(?:"
            + _ADDRESS
            + r"|"
            + _HOST
            + r")\.?(?: or [^.@]{0,60}?(?:"
            + _ADDRESS
            + r"|"
            + _HOST
            + r")\.?)?)?(?: (?:for|to) [^.@]{1,80}?(?:"
            + _ADDRESS
            + r"|"
            + _HOST
            + r")\.?){0,3}"
        ),
        before=10,
        after=800,
    ),
    # ezmlm (and ezmlm-idx, as the Apache lists run it): a dash line, "To unsubscribe,
    # e-mail: <list>-unsubscribe@<host>", "For additional commands, e-mail: <list>-help@<host>".
    FooterTemplate(
        name="ezmlm",
        anchor="-unsubscribe@",
        pattern=regex.compile(
            r"(?:----- )?to unsubscribe,? (?:e-?mail|send (?:an )?e-?mail to):? [\w.+=-]{1,100}"
            r"-unsubscribe@" + _HOST + r"\.?(?: for additional commands,? (?:e-?mail|send "
            r"(?:an )?e-?mail to):? [\w.+=-]{1,100}-help@" + _HOST + r"\.?)?"
        ),
        before=120,
        after=300,
    ),
    # Majordomo: 'To unsubscribe from this list: send the line "unsubscribe <list>" in the body
    # of a message to majordomo@<host>', often "More majordomo info at <link>" and one more
    # "<words> at <link>" line the site adds.
    FooterTemplate(
        name="majordomo",
        anchor="majordomo@",
        pattern=regex.compile(
            r"(?:- |-- )?to unsubscribe[^@]{0,160}?majordomo@"
            + _HOST
            + r"\.?(?: more majordomo info at "
            + _HOST
            + r"(?: [a-z ]{1,40} at "
            + _HOST
            + r")?)?"
        ),
        before=200,
        after=300,
    ),
    # Sympa: sites add "<List> mailing list" or "Liste de diffusion <list>" and the list's info
    # link after a separator, or the command address: "To unsubscribe ... sympa@<host> with
    # the subject unsubscribe <list>".
    FooterTemplate(
        name="sympa",
        anchor=" sympa@",
        pattern=regex.compile(
            r"(?:(?:_____|--) )?(?:liste de diffusion [\w.+=-]{1,100} (?:" + _HOST + r" )?)?"
            r"(?:(?:to unsubscribe|pour (?:se|vous) d[ée]s(?:inscrire|abonner))[^@]{0,100}? )?"
            r"sympa@"
            + _HOST
            + r"(?: [^.]{0,100}?(?:unsubscribe|signoff|sig) [\w.+=-]{1,100}[\"']?)?"
        ),
        before=200,
        after=200,
    ),
    FooterTemplate(
        name="sympa-info",
        anchor=" liste de diffusion ",
        pattern=regex.compile(
            r"(?:_____|--) liste de diffusion [\w.+=-]{1,100} " + _HOST + r"(?= |$)"
        ),
        before=6,
        after=360,
    ),
    # Google Groups: "-- ", "You received this message because you are subscribed to the
    # Google Groups "<name>" group.", the unsubscribe address and the discussion's web link.
    FooterTemplate(
        name="google-groups",
        anchor="you received this message because you are subscribed to the google groups ",
        pattern=regex.compile(
            r"(?:-- |--- )?you received this message because you are subscribed to the google "
            r'groups "[^"]{1,200}" group\.'
            # Then, in the order of the Groups version that wrote it (older ones first post,
            # then unsubscribe, then "for more options"): each sentence at most once or twice.
            r"(?: (?:to post to this group, send (?:an )?email to \S{1,200}"
            r"|to unsubscribe from this group(?: and stop receiving emails from it)?, send "
            r"(?:an )?email to \S{1,200}"
            r"|to (?:view|post to) this (?:discussion|group)[^.]{0,60}? (?:visit|send email"
            r" to) \S{1,300}"
            r"|for more options,? visit (?:this group at )?\S{1,300})(?: \.)?){0,6}"
        ),
        before=5,
        after=1000,
    ),
)

SEPARATOR_WORD = regex.compile(r"(?:_____|=====|\#\#\#\#\#|~~~~~|\+\+\+\+\+|-----|\*\*\*\*\*|--)")
"""A canonical word that is a separator line (five characters) or the signature dash `--`."""

SEPARATOR_PAIR = regex.compile(r"[-_=\#~+*]{2}")
"""Two characters of a separator side by side in raw (lower-cased ASCII) text: a text without
them has no `SEPARATOR_WORD` in canonical form, which only drops `*` between them, turns a
longer run into five and folds non-ASCII dashes (`segment.footers.learn_footers`)."""

WORDED_LINE = regex.compile(r"(?m)^[ \t>]*[a-z]{2,}[ \t]+[a-z]{2,}")
"""A line of raw (lower-cased ASCII) text that starts, after quote markers, with two words of
letters: its text has two words in canonical form, unless a bracketed placeholder or a
Proofpoint banner, which canonical form blanks out, holds it (`segment.footers`)."""
