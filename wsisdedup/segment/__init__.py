"""Segment stage: one body in, typed segments that cover it exactly out.

`split_body` is the entry point and `parse_attribution` the one parser of attribution lines and
reply header blocks (the text-dump reader and the thread stage use it too). The parts, in the
order `split_body` runs them:

- `lines`: cuts a body into units (a line, a run of lines of one kind, a piece of a flattened
  line); the hot loop, with the plain-line fast path.
- `tags`: the tag of one line from its own text (`_Unit`, `_Tag`, `_tag_unit`).
- `anchors`: attributions and header blocks flattened into the middle of a line.
- `group`: wrapped attributions, reply header blocks, forwards and Mailman footers that span
  several units.
- `unmarked`: where a quote without `>` markers ends, from what the body shows.
- `assign`: the state machine that turns tags into kinds (a driver and one handler per mode).
- `signature`: sign-offs, names and contact blocks at the end of the author's text.
- `passes`: placeholders, and list footers (with the cheap pre-check before `footer_spans`).
- `footers`: list footers, from templates and learned from the archive.
- `body`: `split_body` itself, and `_finish`, which makes canonical segments of the spans.
- `attribution`: `parse_attribution`, `Attribution` and the date parser; `_match_attribution`,
  the yes/no test the taggers use.
- `spans`: `_Span`, what the state machine hands to the passes, and `K`.

Imports run one way, in layers (a module imports only from layers before it):
`attribution`, `spans`, `footers` -> `tags` -> `anchors` -> `lines`, `group`, `unmarked` ->
`assign`, `signature`, `passes` -> `body`. See docs/architecture.md for how the parts fit.
"""

from __future__ import annotations

from wsisdedup.segment.attribution import Attribution, parse_attribution
from wsisdedup.segment.body import split_body

__all__ = ["Attribution", "parse_attribution", "split_body"]
