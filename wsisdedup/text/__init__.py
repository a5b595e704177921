"""Text stage: pure functions from a string to a value.

- `normalise`: the canonical form of a body for matching, with a map back to the body
  (`offsets`: that map, `OffsetMap`).
- `links`: link rewriters undone (Proofpoint, Safe Links, ...), cut links found and completed.
- `subject`: subject lines without `Re:`/`Fwd:` and list tags, for threading by subject.
- `blocks`: long texts a block of whole lines at a time (`line_blocks`, `lower_lines`), for
  the canonical form and the footer pre-check.

Each module is imported by its full name (`from wsisdedup.text.normalise import canonical`);
this package re-exports nothing, so importing one does not load the others.
"""
