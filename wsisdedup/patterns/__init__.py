"""Every regex and table the library uses, one module per subject.

- `quotes`: attributions, reply headers, forwards, signatures, placeholders (segmenting).
- `links`: link rewriters' hosts and shapes, link-label artefacts.
- `footers`: mailing-list footer templates.

A new mail client, language or gateway is a new row in a table here, not new code.
"""
