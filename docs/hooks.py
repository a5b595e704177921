"""MkDocs hook: fill `<!-- generated: NAME -->` markers with tables built from the code.

The pages say what the library recognises (mail clients, languages, link rewriters, footers,
export formats, the command line), and those lists grow every week. Copied into Markdown they
would go stale the day a row is added, so each marker is replaced at build time by a table made
from the module that holds the data (`wsisdedup.patterns.*`, `wsisdedup.model`, ...).

Each generator checks the shape of what it reads: a table whose rows are not what it expects
stops the build with a message naming the table, the row and the expected shape, rather than
printing nonsense. An unknown marker stops the build too, so a typo cannot pass unseen.

The same file is a Griffe extension (`DoctestFences`, named in mkdocs.yml): the docstrings are
prose with doctests, and a doctest must reach the API pages as code, not as a paragraph.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import inspect
import io
import itertools
import json
import logging
import os
import re
import sqlite3
import sys
import tempfile
import textwrap
import types
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
"""The repository: the pages document the code next to them, not an installed copy."""
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

log = logging.getLogger("mkdocs.hooks.wsisdedup")

MARKER = re.compile(r"^<!-- generated: (?P<name>[a-z0-9-]+) -->[ \t]*$", re.MULTILINE)
"""A marker stands alone on its line; what replaces it is a block of Markdown."""

SEED = ROOT / "examples" / "data" / "wsis20-2025-06.txt"
TWICE_ARCHIVED = ROOT / "examples" / "data" / "numpy-discussion-2001-November.txt"


class DocsTableError(Exception):
    """A table in the code does not have the shape its generator expects."""


# ---------------------------------------------------------------------------------------------
# MkDocs entry points
# ---------------------------------------------------------------------------------------------


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """Replace every marker of a page; fail the build (PluginError) on any shape problem."""
    from mkdocs.exceptions import PluginError

    try:
        return render_markers(markdown)
    except DocsTableError as exc:
        raise PluginError(f"docs/{page.file.src_uri}: {exc}") from exc


def render_markers(markdown: str) -> str:
    """The page with each `<!-- generated: NAME -->` line replaced by what NAME generates."""

    def replace(m: re.Match[str]) -> str:
        name = m.group("name")
        generate = GENERATORS.get(name)
        if generate is None:
            known = ", ".join(sorted(GENERATORS))
            raise DocsTableError(f"unknown marker <!-- generated: {name} -->; known: {known}")
        return generate().strip("\n")

    return MARKER.sub(replace, markdown)


# ---------------------------------------------------------------------------------------------
# Markdown helpers
# ---------------------------------------------------------------------------------------------


def code(text: str) -> str:
    """`text` as a Markdown code span, whatever backticks and pipes it holds.

    Python-Markdown's tables do not split a row on a `|` inside a code span, and a code span
    shows backslashes as they are: the text needs no escaping, only a fence longer than any run
    of backticks inside it.
    """
    text = text.replace("\n", " ")
    if not text:
        return '`""`'
    runs = [len(r) for r in re.findall(r"`+", text)]
    fence = "`" * (max(runs, default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def cell(text: str) -> str:
    """Plain text for a table cell: one line, pipes escaped."""
    return " ".join(text.split()).replace("|", "\\|")


def table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A Markdown table; every row must have one cell per header."""
    out = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    for row in rows:
        if len(row) != len(headers):
            raise DocsTableError(f"row {row!r} has {len(row)} cells, expected {len(headers)}")
        out.append("| " + " | ".join(row) + " |")
    return "\n".join(out) + "\n"


def first_line(doc: str | None) -> str:
    """The first paragraph of a docstring, on one line."""
    if not doc:
        return ""
    return " ".join(inspect.cleandoc(doc).split("\n\n")[0].split())


# ---------------------------------------------------------------------------------------------
# Shape checks
# ---------------------------------------------------------------------------------------------


def _module(name: str) -> types.ModuleType:
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise DocsTableError(f"cannot import {name}: {exc}") from exc


def _attr(module: types.ModuleType, name: str, kind: type | tuple[type, ...]) -> Any:
    where = f"{module.__name__}.{name}"
    if not hasattr(module, name):
        raise DocsTableError(f"{where} is missing: the docs build a table from it")
    value = getattr(module, name)
    if not isinstance(value, kind):
        kinds = kind if isinstance(kind, tuple) else (kind,)
        expected = " or ".join(k.__name__ for k in kinds)
        raise DocsTableError(f"{where} is a {type(value).__name__}, expected a {expected}")
    return value


def _function(module: types.ModuleType, name: str) -> Callable[..., Any]:
    value: object = getattr(module, name, None)
    if not callable(value):
        raise DocsTableError(f"{module.__name__}.{name} is missing or not callable")
    return value


def _pattern_text(value: Any, where: str) -> str:
    """The source of a compiled pattern (`regex` or `re`)."""
    pattern = getattr(value, "pattern", None)
    if not isinstance(pattern, str):
        raise DocsTableError(f"{where} is {value!r:.80}, expected a compiled pattern")
    return pattern


def attribute_docs(cls: type) -> dict[str, str]:
    """The docstrings written under the attributes of a class (the string after `X = ...`).

    Python keeps no such docstrings at run time; they are read from the class's source, as
    mkdocstrings does, so the tables say what the code's own comments say.
    """
    try:
        source = textwrap.dedent(inspect.getsource(cls))
    except (OSError, TypeError) as exc:
        raise DocsTableError(f"cannot read the source of {cls.__qualname__}: {exc}") from exc
    body = ast.parse(source).body
    if not body or not isinstance(body[0], ast.ClassDef):
        raise DocsTableError(f"the source of {cls.__qualname__} is not a class definition")
    docs: dict[str, str] = {}
    stmts = body[0].body
    for stmt, nxt in itertools.pairwise(stmts):
        target: ast.expr | None = None
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target = stmt.targets[0]
        elif isinstance(stmt, ast.AnnAssign):
            target = stmt.target
        if (
            isinstance(target, ast.Name)
            and isinstance(nxt, ast.Expr)
            and isinstance(nxt.value, ast.Constant)
            and isinstance(nxt.value.value, str)
        ):
            docs[target.id] = inspect.cleandoc(nxt.value.value)
    return docs


# ---------------------------------------------------------------------------------------------
# Languages
# ---------------------------------------------------------------------------------------------

LANGUAGE_NAMES: Mapping[str, str] = {
    "any": "Any language",
    "ar": "Arabic",
    "bg": "Bulgarian",
    "ca": "Catalan",
    "cs": "Czech",
    "cy": "Welsh",
    "da": "Danish",
    "de": "German",
    "el": "Greek",
    "en": "English",
    "es": "Spanish",
    "et": "Estonian",
    "fa": "Persian",
    "fi": "Finnish",
    "fr": "French",
    "he": "Hebrew",
    "hi": "Hindi",
    "hr": "Croatian",
    "hu": "Hungarian",
    "id": "Indonesian",
    "is": "Icelandic",
    "it": "Italian",
    "ja": "Japanese",
    "ko": "Korean",
    "lt": "Lithuanian",
    "lv": "Latvian",
    "ms": "Malay",
    "nb": "Norwegian Bokmål",
    "nl": "Dutch",
    "nn": "Norwegian Nynorsk",
    "no": "Norwegian",
    "pl": "Polish",
    "pt": "Portuguese",
    "ro": "Romanian",
    "ru": "Russian",
    "sk": "Slovak",
    "sl": "Slovenian",
    "sr": "Serbian",
    "sv": "Swedish",
    "th": "Thai",
    "tr": "Turkish",
    "uk": "Ukrainian",
    "vi": "Vietnamese",
    "zh": "Chinese",
}
"""Names for the language codes the pattern tables use. A code missing here is shown as is."""


def language_name(codes: str) -> str:
    """`de` -> `German (de)`, `sv/da/no` -> `Swedish, Danish, Norwegian (sv/da/no)`."""
    names = [LANGUAGE_NAMES.get(c, c) for c in re.split(r"[/-]", codes)]
    return f"{', '.join(names)} ({codes})"


# ---------------------------------------------------------------------------------------------
# Generators: one per marker
# ---------------------------------------------------------------------------------------------

_ATTRIBUTION_LABEL = re.compile(r"(?P<langs>[a-z]{2,3}(?:/[a-z]{2,3})*|any): (?P<form>\S.*)")


def gen_attributions() -> str:
    """Attribution lines ("On <date>, <name> wrote:") by language, from ATTRIBUTION_ROWS."""
    quotes = _module("wsisdedup.patterns.quotes")
    rows = _attr(quotes, "ATTRIBUTION_ROWS", tuple)
    import regex

    by_language: dict[str, list[str]] = {}
    for i, row in enumerate(rows):
        where = f"wsisdedup.patterns.quotes.ATTRIBUTION_ROWS[{i}]"
        if not (isinstance(row, tuple) and len(row) == 2 and all(isinstance(x, str) for x in row)):
            raise DocsTableError(f"{where} is {row!r:.100}: expected a (label, pattern) pair")
        label, pattern = row
        m = _ATTRIBUTION_LABEL.fullmatch(label)
        if m is None:
            raise DocsTableError(
                f"{where} has the label {label!r}: expected '<language codes>: <form or client>',"
                " e.g. 'de: Am <date> schrieb <name>:'"
            )
        try:
            regex.compile(pattern)
        except regex.error as exc:
            raise DocsTableError(f"{where} ({label!r}) does not compile: {exc}") from exc
        by_language.setdefault(m.group("langs"), []).append(m.group("form"))
    if not by_language:
        raise DocsTableError("wsisdedup.patterns.quotes.ATTRIBUTION_ROWS is empty")
    body = table(
        ("Language", "Forms and clients recognised"),
        (
            (cell(language_name(langs)), ", ".join(code(f) for f in forms))
            for langs, forms in by_language.items()
        ),
    )
    return (
        f"{len(rows)} rows of `ATTRIBUTION_ROWS`, {len(by_language)} language groups. "
        "`<date>` and `<name>` stand for the parts the row reads; a form that names only a "
        "client (Gmail, Zoho, ...) is that client's own wording.\n\n" + body
    )


def gen_reply_header_fields() -> str:
    """Reply and forward header labels by role, from FIELD_ROLES."""
    quotes = _module("wsisdedup.patterns.quotes")
    roles = _attr(quotes, "FIELD_ROLES", Mapping)
    by_role: dict[str, list[str]] = {}
    for label, role in roles.items():
        if not (isinstance(label, str) and isinstance(role, str) and label and role):
            raise DocsTableError(
                f"wsisdedup.patterns.quotes.FIELD_ROLES has the entry {label!r}: {role!r}; "
                "expected label (str) -> role (str)"
            )
        by_role.setdefault(role, []).append(label)
    if "from" not in by_role:
        raise DocsTableError("wsisdedup.patterns.quotes.FIELD_ROLES has no 'from' labels")
    return (
        f"{len(roles)} labels, compared without case; a label may be starred (`*From:*`), "
        "followed by a full-width colon, or flattened into one line with the others.\n\n"
        + table(
            ("Field", "Labels"),
            (
                (code(role), ", ".join(code(lb) for lb in labels))
                for role, labels in by_role.items()
            ),
        )
    )


def gen_subject_prefixes() -> str:
    """Reply and forward prefixes stripped from subjects, from wsisdedup.text.subject."""
    subject = _module("wsisdedup.text.subject")
    rows = []
    for name, meaning in (("REPLY_PREFIXES", "reply"), ("FORWARD_PREFIXES", "forward")):
        prefixes = _attr(subject, name, frozenset)
        if not prefixes or not all(isinstance(p, str) and p for p in prefixes):
            raise DocsTableError(
                f"wsisdedup.text.subject.{name} must be a non-empty set of strings"
            )
        rows.append((meaning, str(len(prefixes)), ", ".join(code(p) for p in sorted(prefixes))))
    return table(("Prefix", "How many", "Prefixes (after case folding)"), rows)


def gen_rewriters() -> str:
    """Security gateways whose links are restored, from wsisdedup.patterns.links.REWRITERS."""
    links = _module("wsisdedup.patterns.links")
    model = _module("wsisdedup.model")
    rewriter_enum = _attr(model, "Rewriter", type)
    carrier_enum = _attr(links, "Carrier", type)
    rules = _attr(links, "REWRITERS", tuple)
    carrier_docs = attribute_docs(carrier_enum)
    rows = []
    covered: set[Any] = set()
    for i, rule in enumerate(rules):
        where = f"wsisdedup.patterns.links.REWRITERS[{i}]"
        rewriter = getattr(rule, "rewriter", None)
        carrier = getattr(rule, "carrier", None)
        if not isinstance(rewriter, rewriter_enum):
            raise DocsTableError(f"{where}.rewriter is {rewriter!r}, expected a Rewriter")
        if not isinstance(carrier, carrier_enum):
            raise DocsTableError(f"{where}.carrier is {carrier!r}, expected a Carrier")
        if carrier.name not in carrier_docs:
            raise DocsTableError(
                f"Carrier.{carrier.name} has no docstring in wsisdedup/patterns/links.py: "
                "the rewriters table quotes it"
            )
        host = _pattern_text(getattr(rule, "host", None), f"{where}.host")
        path = _pattern_text(getattr(rule, "path", None), f"{where}.path")
        covered.add(rewriter)
        restored = "no: kept as written" if carrier.name == "OPAQUE" else "yes"
        rows.append(
            (
                code(rewriter.value),
                code(host),
                code(path),
                cell(first_line(carrier_docs[carrier.name])),
                restored,
            )
        )
    if not rows:
        raise DocsTableError("wsisdedup.patterns.links.REWRITERS is empty")
    missing = [r for r in rewriter_enum if r.name != "NONE" and r not in covered]
    note = ""
    if missing:
        names = ", ".join(code(r.value) for r in missing)
        note = f"\n`Rewriter` also names {names}, which no rule recognises yet.\n"
    return (
        f"{len(rows)} rules. The host is matched in full (lower case), the path at its start; "
        "gateways nested inside one another are peeled one by one.\n\n"
        + table(
            ("Rewriter", "Host", "Path", "The original address is carried as", "Restored"),
            rows,
        )
        + note
    )


def gen_footers() -> str:
    """List-manager footer templates, from wsisdedup.patterns.footers.FOOTER_TEMPLATES."""
    footers = _module("wsisdedup.patterns.footers")
    templates = _attr(footers, "FOOTER_TEMPLATES", tuple)
    rows = []
    for i, t in enumerate(templates):
        where = f"wsisdedup.patterns.footers.FOOTER_TEMPLATES[{i}]"
        name, anchor = getattr(t, "name", None), getattr(t, "anchor", None)
        if not (isinstance(name, str) and name and isinstance(anchor, str) and anchor):
            raise DocsTableError(f"{where} has name {name!r}, anchor {anchor!r}: expected strings")
        _pattern_text(getattr(t, "pattern", None), f"{where}.pattern")
        rows.append((code(name), code(json.dumps(anchor, ensure_ascii=False))))
    if not rows:
        raise DocsTableError("wsisdedup.patterns.footers.FOOTER_TEMPLATES is empty")
    return table(("Template", "Every match contains (canonical text)"), rows)


def gen_segment_kinds() -> str:
    """The segment kinds with their docstrings, from wsisdedup.model.SegmentKind."""
    model = _module("wsisdedup.model")
    kind = _attr(model, "SegmentKind", type)
    if not issubclass(kind, Enum):
        raise DocsTableError("wsisdedup.model.SegmentKind is not an Enum")
    docs = attribute_docs(kind)
    rows = []
    for member in kind:
        if member.name not in docs:
            raise DocsTableError(f"SegmentKind.{member.name} has no docstring in model.py")
        rows.append(
            (code(member.name), code(str(member.value)), cell(first_line(docs[member.name])))
        )
    return table(("Kind", "Value in exports", "What it is"), rows)


def gen_index_settings() -> str:
    """The matching stage's knobs with their defaults, from match.records.IndexSettings."""
    import attrs

    index = _module("wsisdedup.match.records")
    settings = _attr(index, "IndexSettings", type)
    if not attrs.has(settings):
        raise DocsTableError("wsisdedup.match.records.IndexSettings is not an attrs class")
    docs = attribute_docs(settings)
    default = settings()
    rows = [
        (
            code(f.name),
            code(repr(getattr(default, f.name))),
            cell(first_line(docs.get(f.name))) or "—",
        )
        for f in attrs.fields(settings)
    ]
    return table(("Setting", "Default", "What it does"), rows)


def gen_export_formats() -> str:
    """`--format` values, from wsisdedup.export.FORMATS and STREAM_FORMATS."""
    export = _module("wsisdedup.export")
    formats = _attr(export, "FORMATS", Mapping)
    stream = _attr(export, "STREAM_FORMATS", Mapping)
    rows = []
    for name in sorted(formats):
        writer = stream.get(name) or formats[name]
        if not callable(writer):
            raise DocsTableError(f"wsisdedup.export.FORMATS[{name!r}] is not callable")
        doc = first_line(writer.__doc__).removeprefix("Write to the file at `path`: ")
        if not doc:
            raise DocsTableError(f"the writer of --format {name} has no docstring")
        rows.append((code(name), "yes" if name in stream else "no: give `-o PATH`", cell(doc)))
    return table(("`--format`", "To standard output", "What it writes"), rows)


def _sample_archive() -> Any:
    """A two-message archive (a question and a reply quoting it) to show the export shapes."""
    model = _module("wsisdedup.model")
    pipeline = _module("wsisdedup.pipeline")
    parsed = _attr(model, "ParsedMessage", type)
    source, person = _attr(model, "Source", type), _attr(model, "Person", type)
    ask = parsed(
        source=source(path="sample.mbox", format="mbox", line=1, index=0),
        message_id="ask@example.org",
        author=person(name="Ann", address="ann@example.org"),
        date=datetime(2025, 6, 5, 10, 22, tzinfo=UTC),
        subject="Agenda",
        body="Is https://example.org/agenda final?\n\nAnn\n",
    )
    reply = parsed(
        source=source(path="sample.mbox", format="mbox", line=9, index=1),
        message_id="reply@example.org",
        in_reply_to=("ask@example.org",),
        references=("ask@example.org",),
        author=person(name="Bob", address="bob@example.org"),
        date=datetime(2025, 6, 5, 11, 0, tzinfo=UTC),
        subject="Re: Agenda",
        body="Yes.\n\nOn Thu, Jun 5, 2025 at 10:22 AM Ann <ann@example.org> wrote:\n"
        "> Is https://example.org/agenda final?\n",
    )
    return pipeline.build_archive([ask, reply])


def gen_record_fields() -> str:
    """The keys of an exported message record, from wsisdedup.export.message_record."""
    export = _module("wsisdedup.export")
    records = _function(export, "to_records")(_sample_archive())
    if not (isinstance(records, list) and len(records) == 2):
        raise DocsTableError("wsisdedup.export.to_records did not give one record per message")
    if not all(isinstance(r, dict) for r in records):
        raise DocsTableError("wsisdedup.export.to_records gave records that are not dicts")
    reply = records[1]
    rows = []
    for key, value in reply.items():
        try:
            shown = json.dumps(value, ensure_ascii=False)
        except TypeError as exc:
            raise DocsTableError(f"the record field {key!r} is not JSON: {exc}") from exc
        if len(shown) > 70:
            shown = shown[:67] + "..."
        rows.append((code(key), code(shown)))
    return table(("Field", "Its value for a short reply"), rows)


def gen_sqlite_schema() -> str:
    """Tables and views of `--format sqlite`, from a database written by export.write_sqlite."""
    export = _module("wsisdedup.export")
    write_sqlite = _function(export, "write_sqlite")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sample.sqlite"
        try:
            write_sqlite(_sample_archive(), path)
        except Exception as exc:
            raise DocsTableError(f"write_sqlite failed on a two-message archive: {exc}") from exc
        con = sqlite3.connect(path)
        try:
            objects = con.execute(
                "SELECT type, name, sql FROM sqlite_master "
                "WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' ORDER BY rowid"
            ).fetchall()
            virtual = {
                n for t, n, sql in objects if (sql or "").upper().startswith("CREATE VIRTUAL")
            }
            shadow = {
                f"{v}_{s}" for v in virtual for s in ("data", "idx", "content", "docsize", "config")
            }
            rows = []
            for kind, name, _sql in objects:
                if name in shadow:
                    continue
                columns = [r[1] for r in con.execute(f'PRAGMA table_info("{name}")')]
                what = "full-text index (FTS5)" if name in virtual else kind
                rows.append((code(name), what, ", ".join(code(c) for c in columns)))
        finally:
            con.close()
    if not any(r[0] == code("messages") for r in rows):
        raise DocsTableError("the SQLite export has no `messages` table")
    return table(("Name", "Kind", "Columns"), rows)


def gen_cli() -> str:
    """`wsisdedup --help` and each sub-command's help, from wsisdedup.cli.main."""
    cli = _module("wsisdedup.cli")
    main = _function(cli, "main")

    def help_text(argv: list[str]) -> str:
        out = io.StringIO()
        old = os.environ.get("COLUMNS")
        os.environ["COLUMNS"] = "100"  # argparse wraps to the terminal; pages need one width
        try:
            with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
                main(argv)
        finally:
            if old is None:
                del os.environ["COLUMNS"]
            else:
                os.environ["COLUMNS"] = old
        text = out.getvalue()
        if not text.startswith("usage: wsisdedup"):
            raise DocsTableError(f"`wsisdedup {' '.join(argv)}` did not print a usage text")
        return text

    top = help_text(["--help"])
    m = re.search(r"\{(?P<cmds>[a-z][a-z,-]*)\}", top)
    if m is None:
        raise DocsTableError("`wsisdedup --help` names no sub-commands as {a,b,...}")
    parts = [f"```text\n$ wsisdedup --help\n{top.rstrip()}\n```\n"]
    for cmd in m.group("cmds").split(","):
        text = help_text([cmd, "--help"])
        parts.append(f"### `wsisdedup {cmd}`\n\n```text\n{text.rstrip()}\n```\n")
    return "\n".join(parts)


_PROBE_TEXT = (
    "The drafting group met on Thursday and agreed to circulate the revised outline of the "
    "outcome document before the consultation closes, so that every stakeholder group can "
    "send written comments on the three open questions: the review cycle, the role of the "
    "national forums, and how the follow-up is financed. Details at "
    "https://example.org/wsis/drafting-group/revised-outline-2025-06.html for now.\n"
)


def _probe_archive() -> Any:
    """Four messages without threading headers that exercise the archive-wide stages.

    `ask` states something; `copy` is the same message archived twice; `answer` replies with an
    attribution and `>` markers, a different subject and a link the archive cut; `echo` repeats
    `ask`'s words without any marker. What `read` makes of them says which stages are wired in.
    """
    model = _module("wsisdedup.model")
    pipeline = _module("wsisdedup.pipeline")
    parsed = _attr(model, "ParsedMessage", type)
    source, person = _attr(model, "Source", type), _attr(model, "Person", type)
    ann = person(name="Ann Lee", address="ann@example.org")

    def msg(i: int, author: Any, minute: int, subject: str, body: str) -> Any:
        return parsed(
            source=source(path="probe.txt", format="text-dump", index=i),
            author=author,
            date=datetime(2025, 6, 5, 10, minute, tzinfo=UTC),
            subject=subject,
            body=body,
        )

    quoted = "".join("> " + line + "\n" for line in _PROBE_TEXT.splitlines())
    cut = "https://example.org/wsis/drafting-group/revis..."
    return pipeline.build_archive(
        [
            msg(0, ann, 22, "Drafting group", _PROBE_TEXT),
            msg(1, ann, 22, "Drafting group", _PROBE_TEXT),
            msg(
                2,
                person(name="Bob Ray", address="bob@example.net"),
                40,
                "Comments due",
                f"Thanks, see {cut} for my notes.\n\n"
                "On Thu, Jun 5, 2025 at 10:22 AM Ann Lee <ann@example.org> wrote:\n" + quoted,
            ),
            msg(
                3,
                person(name="Cy Dee", address="cy@example.com"),
                55,
                "Financing",
                "I would start from this:\n\n" + _PROBE_TEXT + "\nThe third question matters.\n",
            ),
        ]
    )


def _crash(exc: BaseException) -> str:
    return code(f"{type(exc).__name__}: {' '.join(str(exc).split())}"[:200])


def gen_status() -> str:
    """What `read` does today, probed at build time (the stages land one by one)."""
    wsisdedup = _module("wsisdedup")
    rows = []
    feature = "Plain-text scrapes of archive pages (`text-dump`)"
    try:
        seed = wsisdedup.read(SEED)
    except wsisdedup.UnsupportedFormatError as exc:
        why = cell(str(getattr(exc, "what", exc)))
        rows.append(
            (feature, f"**in progress**: reading the seed raises `UnsupportedFormatError` ({why})")
        )
    except Exception as exc:  # a crash is reported on the page, not hidden by a failed build
        log.info("reading the seed failed: %r", exc)
        rows.append((feature, f"**fails**: reading the seed raises {_crash(exc)}"))
    else:
        rows.append(
            (
                feature,
                f"works: the seed reads as {len(seed)} messages in {len(seed.threads)} threads",
            )
        )

    probe = _probe_archive()
    by_author = {m.author.name: m for m in probe.messages}
    ask, answer, echo = by_author.get("Ann Lee"), by_author.get("Bob Ray"), by_author.get("Cy Dee")
    if ask is None or answer is None or echo is None:
        raise DocsTableError("the status probe lost a message: build_archive dropped one")

    def state(ok: bool, works: str, missing: str) -> str:
        return f"works: {works}" if ok else f"**in progress**: {missing}"

    copies = sum(1 for m in probe.messages if m.author.name == "Ann Lee")
    kept = "a message archived twice is kept once"
    if ask.duplicates:
        kept += ", its copy listed in `Message.duplicates`"
    rows.append(
        (
            "Copies of one message collapsed",
            state(
                copies == 1,
                kept,
                "a message archived twice is kept twice (`wsisdedup.match` is not run by `read`)",
            ),
        )
    )
    sources = {q.source_id for q in answer.quotes}
    rows.append(
        (
            "Quotes linked to the message they quote (`Segment.source_id`)",
            state(
                ask.id in sources,
                "a `>` quote points to its source",
                "quotes are found and typed, but carry no `source_id`",
            ),
        )
    )
    unmarked = any(q.source_id == ask.id for q in echo.quotes)
    rows.append(
        (
            "Quotes without `>` markers found by their text",
            state(
                unmarked,
                "text repeated from an earlier message becomes a sourced quote",
                "only quotes that follow an attribution or a reply header are found",
            ),
        )
    )
    evidence = answer.parent_evidence.value if answer.parent_evidence else "none"
    rows.append(
        (
            "Parents from attribution lines when headers are missing",
            state(
                answer.parent_id == ask.id and evidence == "attribution",
                "`On <date>, <name> wrote:` finds the parent",
                "a reply without headers gets no parent from its attribution "
                f"(evidence: {evidence})",
            ),
        )
    )
    evidence = echo.parent_evidence.value if echo.parent_evidence else "none"
    rows.append(
        (
            "Parents from quoted text when headers are missing",
            state(
                echo.parent_id == ask.id and evidence == "quote",
                "the message a reply quotes most becomes its parent",
                "a reply that only repeats its parent's text gets no parent from it "
                f"(evidence: {evidence})",
            ),
        )
    )
    completed = any(link.completed for link in answer.links)
    rows.append(
        (
            "Cut links completed from full copies in the archive",
            state(
                completed,
                "a link cut with `...` is completed (`Link.completed`)",
                "cut links are marked `truncated` but not completed by `read` "
                "(`wsisdedup.text.links.complete_truncated` exists)",
            ),
        )
    )
    return table(("Feature", "State when these pages were built"), rows)


def gen_seed_tree() -> str:
    """The first lines `wsisdedup tree` prints for the seed, run at build time."""
    cli = _module("wsisdedup.cli")
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code_ = cli.main(["tree", str(SEED)])
    except Exception as exc:  # a crash is reported on the page, not hidden by a failed build
        code_, err = 2, io.StringIO(f"wsisdedup tree crashed: {_crash(exc)}")
    lines = out.getvalue().rstrip("\n").splitlines()
    if code_ == 2 or not lines:
        message = " ".join(err.getvalue().split()) or f"exit code {code_}, nothing printed"
        log.info("seed tree not shown: %s", message)
        return (
            '!!! warning "Not in this build"\n\n'
            "    `wsisdedup tree` could not read the seed yet:\n"
            f"    {code(message.replace(str(ROOT) + os.sep, ''))}.\n"
        )
    shown = lines[:25]
    more = f"\n... ({len(lines) - len(shown)} more lines)" if len(lines) > len(shown) else ""
    return "```text\n" + "\n".join(shown) + more + "\n```\n"


GENERATORS: Mapping[str, Callable[[], str]] = {
    "attributions": gen_attributions,
    "cli": gen_cli,
    "export-formats": gen_export_formats,
    "footers": gen_footers,
    "index-settings": gen_index_settings,
    "record-fields": gen_record_fields,
    "reply-header-fields": gen_reply_header_fields,
    "rewriters": gen_rewriters,
    "seed-tree": gen_seed_tree,
    "segment-kinds": gen_segment_kinds,
    "sqlite-schema": gen_sqlite_schema,
    "status": gen_status,
    "subject-prefixes": gen_subject_prefixes,
}


# ---------------------------------------------------------------------------------------------
# Griffe extension: doctests as code blocks
# ---------------------------------------------------------------------------------------------

_FENCE = re.compile(r"^\s*(```|~~~)")


def fence_doctests(text: str) -> str:
    """Wrap each doctest block (a `>>>` line up to the next blank line) in a pycon fence.

    The docstrings are prose in Markdown with doctests in the plain Python style; without a
    fence, a doctest's output such as `['new', 'quote']` reads as a Markdown link reference.
    Blocks already inside a fence are left alone.
    """
    out: list[str] = []
    lines = text.split("\n")
    i, fenced = 0, False
    while i < len(lines):
        line = lines[i]
        if _FENCE.match(line):
            fenced = not fenced
        if fenced or not line.lstrip().startswith(">>>"):
            out.append(line)
            i += 1
            continue
        indent = line[: len(line) - len(line.lstrip())]
        j = i
        while j < len(lines) and lines[j].strip():
            j += 1
        block = [ln[len(indent) :] if ln.startswith(indent) else ln.lstrip() for ln in lines[i:j]]
        out.extend([f"{indent}```pycon", *(indent + b for b in block), f"{indent}```"])
        i = j
    return "\n".join(out)


try:
    import griffe
except ImportError:  # pragma: no cover - only the hook half is needed without mkdocstrings
    pass
else:

    class DoctestFences(griffe.Extension):
        """Fence the doctests of every docstring before mkdocstrings renders it."""

        def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
            if obj.docstring is not None and ">>>" in obj.docstring.value:
                obj.docstring.value = fence_doctests(obj.docstring.value)
