#!/usr/bin/env python3
"""Write plain-text archive dumps shaped like a HyperKitty page scrape, from real threads.

The seed (examples/data/wsis20-2025-06.txt) is the only real dump we have; the text-dump reader
must not be fitted to it. This script makes more dumps of the same shape from threads of the
bundled archives (fedora-devel and numpy-discussion pipermail, a LISTSERV mbox) whose true
authors, dates and parents the headers tell, so tests can check the reader against them:

- no headers; the thread's subject on a line of its own before its first message;
- each message's own text (its non-quoted lines, signature included) flattened onto one line;
  if it quotes, its attribution ("On ..., X wrote:", wrapped or not) flattened at the end of
  that line, then the quoted lines one per line, `>` markers stripped and blank lines dropped
  (interleaved replies thus become a reply above the whole quote, as the page shows it);
- the messages of a thread depth-first, replies in date order (the page's thread view);
- a `participants (N)` roster at the end, alphabetical, one name a line joined by " -".

Next to each dump, `<name>.json` holds the answers taken from the headers: for each message its
first line, author, date, the dump index of the message it replies to, its thread, its thread's
subject, and whether the dump itself prints a zoned time for it (an attribution of a reply that
quotes it with the same time and UTC offset as its Date header).

Usage: python scripts/make_textdump.py [--out tests/data/textdump]
"""

from __future__ import annotations

import argparse
import email
import email.header
import email.policy
import email.utils
import gzip
import json
import re
from datetime import datetime
from email.message import Message
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "examples" / "data"
FEDORA = "fedora-devel-2010-January.txt.gz"
NUMPY = "numpy-discussion-2001-November.txt"
EVS = "3gpp-sa-wg4-evs.mbox"

# Each dump: its file stem, its source archive and the Message-IDs of the roots of its threads,
# in dump order.
DUMPS: dict[str, tuple[str, tuple[str, ...]]] = {
    # "Heads-up: %define vs %global in specs": 7 messages, a branching tree, Mutt (with zone),
    # Thunderbird, Pine and KMail attributions.
    "fedora-define-global": (FEDORA, ("<alpine.LFD.2.00.1001051803460.19327@localhost>",)),
    # "Common Lisp apps in Fedora" (7 messages, Gmail attributions wrapped over two lines, PGP
    # armour, interleaved replies) then "How did I end up as the package owner for emacs?" (5
    # messages, name-only and old-Gmail "2010/1/3 Name <addr>:" attributions, a one-line reply).
    "fedora-lisp-emacs": (
        FEDORA,
        (
            "<870180fe1001040829u218bebe1gb7f1a719f1c1c413@mail.gmail.com>",
            "<645d17211001030541v54288117uf572b275c4ebce6c@mail.gmail.com>",
        ),
    ),
    # "Looking for pointers how to set up lzma stream using xz-devel" (6 messages, a chain six
    # deep: each reply quotes the quotes of the ones before it, lone names and short code lines
    # in the tails) then "formal request - package take over (libssh2)" (5, a chain).
    "fedora-lzma-libssh2": (
        FEDORA,
        (
            "<20100102210906.GA21344@wolff.to>",
            "<201001051249.37196.kdudka@redhat.com>",
        ),
    ),
    # "BLAS and innerproduct" (7 messages, three deep) then "Sort , Complex array" (5): 2001
    # clients (Gnus, Netscape, Outlook Express), "X wrote:" and "On <date>, X wrote:".
    "numpy-blas-sort": (
        NUMPY,
        (
            "<ye1lmhaibjv.fsf@orange30.ex.ac.uk>",
            "<3C021F19.E0D869CB@mecha.uni-stuttgart.de>",
        ),
    ),
    # "Draft EVS-8a" (7 messages, a chain): Outlook "-----Original Message-----" header blocks
    # flattened into bodies, quotes of quotes of quotes, quoted LISTSERV footers, "Best
    # regards" / lone-name sign-offs in the tails, a Swedish Outlook date.
    # "Heigenvalues is broken" (interactive ">>>" prompts that look like quote markers, a
    # question quoted back line by line) then "Using Reduce with Multi-dimensional Masked
    # Arrays" (a branching thread, "X wrote:" attributions).
    "numpy-heigen-reduce": (
        NUMPY,
        ("<3BF7E462.A473B686@wanadoo.fr>", "<3C05FDA2.AD9C5DCC@libero.it>"),
    ),
    "evs-draft-8a": (EVS, ("<a6172d5f-a7d4-c50c-19bc-de0a42997d58@USherbrooke.ca>",)),
    # Three short LISTSERV threads: Outlook blocks with "On Behalf Of" and Reply-To, a
    # mobile-style "From: ... on behalf of ..." block, an interleaved one-line quote.
    "evs-info-sessions": (
        EVS,
        (
            "<SN6PR02MB54567B0763574E96206CD5A1F8769@SN6PR02MB5456.namprd02.prod.outlook.com>",
            "<SN6PR02MB5456E28AA965FF9865284C7CF8FF9@SN6PR02MB5456.namprd02.prod.outlook.com>",
            "<82F2C509-0F29-4158-B739-1743615311B7@qti.qualcomm.com>",
        ),
    ),
}

# The strict mbox separator: "From addr Www Mmm dd hh:mm:ss yyyy" (pipermail writes two spaces
# and "user at host" in its monthly files, this one does not).
SEPARATOR = re.compile(r"^From \S+(?: at \S+)? {1,2}\w{3} \w{3} [ \d]?\d \d\d:\d\d:\d\d \d{4}$")
QUOTED = re.compile(r"^[ \t]*>")
MARKERS = re.compile(r"^(?:[ \t]*>)+[ \t]?")


def read_archive(path: Path) -> list[Message]:
    if path.suffix == ".gz":
        with gzip.open(path, "rt", encoding="utf-8", errors="replace") as f:
            text = f.read()
    else:
        text = path.read_text(encoding="utf-8", errors="replace")
    messages: list[list[str]] = []
    for line in text.split("\n"):
        if SEPARATOR.match(line):
            messages.append([])
        elif messages:
            messages[-1].append(line)
    return [email.message_from_string("\n".join(m), policy=email.policy.compat32) for m in messages]


def header(msg: Message, name: str) -> str:
    raw = msg.get(name)
    if raw is None:
        return ""
    parts = email.header.decode_header(str(raw))
    return "".join(
        p.decode(c or "latin-1", errors="replace") if isinstance(p, bytes) else p for p, c in parts
    )


def author(msg: Message) -> str:
    name, addr = email.utils.parseaddr(header(msg, "From"))
    return " ".join(name.split()) or addr.replace(" at ", "@")


def body(msg: Message) -> str:
    part = msg
    while part.is_multipart():
        first = part.get_payload(0)
        assert isinstance(first, Message)
        part = first
    payload = part.get_payload(decode=True)
    charset = part.get_content_charset() or "utf-8"
    assert isinstance(payload, bytes)
    return payload.decode(charset, errors="replace")


def flatten(msg: Message) -> list[str]:
    """The message as the page shows it: one flattened line, then its quoted lines."""
    lines = body(msg).replace("\r", "").split("\n")
    first_quote = next((n for n, line in enumerate(lines) if QUOTED.match(line)), None)
    attribution: list[int] = []
    if first_quote is not None:
        k = first_quote - 1
        while k >= 0 and not lines[k].strip():
            k -= 1
        if k >= 0 and lines[k].rstrip().endswith(":"):
            attribution = [k]
            # Wrapped attributions: "On ..., Alexander Kahl" / "<akahl@...> wrote:" and Mutt's
            # "On Sun, Jan 03, 2010 at 22:53:26 +0100," / "  Karel Klic <kklic@...> wrote:".
            if k > 0 and lines[k - 1].strip() and lines[k][:1] in "< \t":
                attribution = [k - 1, k]
    own = [
        line.strip()
        for n, line in enumerate(lines)
        if not QUOTED.match(line) and n not in attribution and line.strip()
    ]
    main = " ".join(own)
    if attribution:
        main += " " + " ".join(lines[n].strip() for n in attribution)
    tail = [MARKERS.sub("", line).strip() for line in lines if QUOTED.match(line)]
    return [main.strip(), *(line for line in tail if line)]


def make_dump(
    messages: list[Message], roots: tuple[str, ...]
) -> tuple[list[str], list[dict[str, Any]]]:
    # Pipermail's monthly files may hold a message twice: the first copy counts.
    by_id: dict[str, Message] = {}
    for m in messages:
        if m["Message-ID"]:
            by_id.setdefault(m["Message-ID"].strip(), m)
    children: dict[str, list[Message]] = {}
    for m in by_id.values():
        parent = (m.get("In-Reply-To") or "").strip()
        if parent in by_id:
            children.setdefault(parent, []).append(m)

    def when(m: Message) -> datetime:
        return email.utils.parsedate_to_datetime(m["Date"])

    out: list[str] = []
    answers: list[dict[str, Any]] = []
    index_of: dict[str, int] = {}
    participants: set[str] = set()
    for thread, root in enumerate(roots):
        subject = header(by_id[root], "Subject")
        subject = re.sub(r"^(?:Re:\s*)+", "", " ".join(subject.split()), flags=re.IGNORECASE)
        # The LISTSERV export writes some subjects in quotes ("subject: 'Draft EVS-8a'").
        if len(subject) > 1 and subject[0] == subject[-1] == "'":
            subject = subject[1:-1]
        out.append(subject)
        stack = [by_id[root]]
        while stack:
            m = stack.pop()
            mid = m["Message-ID"].strip()
            index_of[mid] = len(answers)
            parent = (m.get("In-Reply-To") or "").strip()
            participants.add(author(m))
            answers.append(
                {
                    "index": len(answers),
                    "line": len(out) + 1,
                    "author": author(m),
                    "date": when(m).isoformat(),
                    "in_reply_to": index_of.get(parent),
                    "thread": thread,
                    "subject": subject,
                    "message_id": mid,
                }
            )
            out.extend(flatten(m))
            stack.extend(sorted(children.get(mid, []), key=when, reverse=True))
    names = sorted(participants, key=str.casefold)
    out.append(f"participants ({len(names)})")
    out.append("-")
    out.extend(f"{n} -" for n in names[:-1])
    out.append(names[-1])
    for a in answers:
        a["date_in_dump"] = zoned_time_printed(out, answers, a)
    return out, answers


def zoned_time_printed(
    out: list[str], answers: list[dict[str, Any]], answer: dict[str, Any]
) -> bool:
    """True when a reply's attribution names this message with its time and UTC offset."""
    d = datetime.fromisoformat(answer["date"])
    offset = d.strftime("%z")
    if not offset:
        return False
    clock = d.strftime("%I:%M:%S").lstrip("0"), d.strftime("%H:%M:%S")
    for reply in answers:
        if reply["in_reply_to"] != answer["index"]:
            continue
        main = out[reply["line"] - 1]
        if offset in main[-200:] and any(c in main[-200:] for c in clock):
            return True
    return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "tests" / "data" / "textdump")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    archives: dict[str, list[Message]] = {}
    for stem, (source, roots) in DUMPS.items():
        if source not in archives:
            archives[source] = read_archive(DATA / source)
        lines, answers = make_dump(archives[source], roots)
        (args.out / f"{stem}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        expected = {
            "source": f"{source}, threads {', '.join(roots)}",
            "messages": answers,
        }
        (args.out / f"{stem}.json").write_text(
            json.dumps(expected, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        print(f"{stem}: {len(answers)} messages, {len(lines)} lines")


if __name__ == "__main__":
    main()
