"""Coverage-guided fuzzing with atheris: `split_body` and the readers on arbitrary bytes.

Not collected by pytest (atheris is not a project dependency). Run, from the repository root:

    .venv/bin/pip install atheris
    .venv/bin/python tests/fuzz/atheris_target.py -atheris_runs=20000 -max_len=65536 [CORPUS_DIR]

The first input byte picks the entry point (split_body on the rest decoded as UTF-8, or read()
as mbox, pipermail, text-dump, eml or sniffed), the rest is the input. A crash is any exception
that is not a `wsisdedup.WsisdedupError`, or segments that do not rebuild a body; libFuzzer's
`-timeout=` (seconds per input) catches stalls. Seed the corpus with the bundled archives,
e.g. `mkdir -p /tmp/seeds && cp examples/data/*.mbox examples/data/*.txt /tmp/seeds`.
"""

from __future__ import annotations

import io
import sys

import atheris

with atheris.instrument_imports():
    import wsisdedup

FORMATS = (None, "mbox", "pipermail", "text-dump", "eml")


def one_input(data: bytes) -> None:
    """One libFuzzer input: the first byte selects the entry point."""
    if not data:
        return
    choice, rest = data[0], data[1:]
    if choice % 6 == 5:
        text = rest.decode("utf-8", "replace")
        body = wsisdedup.split_body(text)
        assert "".join(s.text for s in body.segments) == text
        return
    try:
        archive = wsisdedup.read(io.BytesIO(rest), format=FORMATS[choice % 6])
    except wsisdedup.WsisdedupError:
        return
    for m in archive.messages:
        assert "".join(s.text for s in m.segments) == m.body, m.id


def main() -> None:
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
