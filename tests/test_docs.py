"""The documentation: it builds strictly, its generated tables follow the code, its examples run.

- `mkdocs build --strict` runs whenever MkDocs is installed (the `docs` extra); in CI (env `CI`
  set) a missing MkDocs is a failure, not a skip.
- docs/hooks.py, which fills `<!-- generated: ... -->` markers from the pattern tables, is
  tested directly: it must fail loudly on a table of the wrong shape.
- The `pycon` examples on the pages are run as doctests.
- scripts/getting_started.sh (the README and getting-started commands, verbatim, in a fresh
  copy and virtualenv) runs when env `CI` is set or `WSISDEDUP_SLOW=1`: it installs from the
  network and takes minutes.
"""

from __future__ import annotations

import doctest
import importlib.util
import os
import re
import subprocess
import sys
import types
from html import unescape
from pathlib import Path

import pytest

import wsisdedup
from wsisdedup import cli
from wsisdedup.model import Evidence
from wsisdedup.patterns import links as link_patterns
from wsisdedup.patterns import quotes
from wsisdedup.readers import FORMATS as INPUT_FORMATS

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
IN_CI = bool(os.environ.get("CI"))


def _load_hooks() -> types.ModuleType:
    spec = importlib.util.spec_from_file_location("wsisdedup_docs_hooks", DOCS / "hooks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


hooks = _load_hooks()


def _pages() -> list[Path]:
    return sorted(DOCS.rglob("*.md"))


def _without_code(markdown: str) -> str:
    markdown = re.sub(r"^(```|~~~).*?^\1[ \t]*$", "", markdown, flags=re.S | re.M)
    markdown = re.sub(r"(`+).+?\1", "", markdown, flags=re.S)
    return re.sub(r"<!--.*?-->", "", markdown, flags=re.S)


# ---------------------------------------------------------------------------------------------
# The build
# ---------------------------------------------------------------------------------------------


def _mkdocs_missing() -> str | None:
    for name in ("mkdocs", "material", "mkdocstrings", "mkdocstrings_handlers.python"):
        try:
            importlib.import_module(name)
        except ImportError as exc:
            return f"{name} is not installed ({exc}); pip install -e '.[docs]'"
    return None


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    missing = _mkdocs_missing()
    if missing:
        if IN_CI:
            pytest.fail(f"CI must build the docs, but {missing}")
        pytest.skip(missing)
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", "mkdocs.yml", "-d", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stdout}{result.stderr}"
    return out


def _page(site: Path, name: str) -> str:
    return unescape((site / name / "index.html").read_text(encoding="utf-8"))


def test_build_replaces_every_marker(site: Path) -> None:
    leftovers = [p for p in site.rglob("*.html") if "<!-- generated:" in p.read_text("utf-8")]
    assert leftovers == []


def test_rewriters_table_lists_every_rule(site: Path) -> None:
    page = _page(site, "stages/normalise")
    for rule in link_patterns.REWRITERS:
        assert f"<code>{rule.rewriter.value}</code>" in page
        assert rule.host.pattern in page


def test_attribution_table_lists_every_row(site: Path) -> None:
    page = _page(site, "stages/segment")
    for label, _ in quotes.ATTRIBUTION_ROWS:
        form = label.split(": ", 1)[1]
        assert f"<code>{form}</code>" in page, form


def test_api_reference_documents_the_entry_points(site: Path) -> None:
    page = (site / "api" / "index.html").read_text(encoding="utf-8")
    for name in ("wsisdedup.pipeline.read", "wsisdedup.pipeline.read_many", "wsisdedup.Archive"):
        assert f'id="{name}"' in page
    # Doctests in docstrings reach the page as highlighted code, not as prose.
    stages = (site / "api" / "stages" / "index.html").read_text(encoding="utf-8")
    assert '<span class="gp">&gt;&gt;&gt; </span>' in stages


def test_hooks_file_is_not_published(site: Path) -> None:
    assert not (site / "hooks.py").exists()


# ---------------------------------------------------------------------------------------------
# The hook
# ---------------------------------------------------------------------------------------------


def test_markers_are_replaced_and_the_rest_kept() -> None:
    page = "# Title\n\nBefore.\n\n<!-- generated: segment-kinds -->\n\nAfter.\n"
    out = hooks.render_markers(page)
    assert out.startswith("# Title\n\nBefore.\n\n| Kind |")
    assert out.endswith("\n\nAfter.\n")
    for kind in wsisdedup.SegmentKind:
        assert f"`{kind.name}`" in out


def test_an_unknown_marker_fails_the_build() -> None:
    with pytest.raises(hooks.DocsTableError, match="generated: rewritres"):
        hooks.render_markers("<!-- generated: rewritres -->\n")


def test_a_malformed_attribution_row_fails_with_its_position(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rows = (*quotes.ATTRIBUTION_ROWS[:2], ("On <date> wrote:", r"On .{1,9} wrote:"))
    monkeypatch.setattr(quotes, "ATTRIBUTION_ROWS", rows)
    with pytest.raises(hooks.DocsTableError, match=r"ATTRIBUTION_ROWS\[2\].*language codes"):
        hooks.gen_attributions()
    monkeypatch.setattr(quotes, "ATTRIBUTION_ROWS", (("en", "x", "y"),))
    with pytest.raises(hooks.DocsTableError, match=r"ATTRIBUTION_ROWS\[0\].*pair"):
        hooks.gen_attributions()


def test_a_rewriter_row_of_the_wrong_type_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(link_patterns, "REWRITERS", (("proofpoint", "urldefense.com"),))
    with pytest.raises(hooks.DocsTableError, match=r"REWRITERS\[0\]\.rewriter"):
        hooks.gen_rewriters()


def test_a_missing_table_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(quotes, "FIELD_ROLES")
    with pytest.raises(hooks.DocsTableError, match=r"wsisdedup\.patterns\.quotes\.FIELD_ROLES"):
        hooks.gen_reply_header_fields()


def test_code_spans_survive_backticks_and_pipes() -> None:
    assert hooks.code("a|b") == "`a|b`"
    assert hooks.code("a`b") == "``a`b``"
    assert hooks.code("`x`") == "`` `x` ``"
    assert hooks.cell("a | b\nc") == "a \\| b c"


def test_attribute_docs_reads_the_strings_under_attributes() -> None:
    class Sample:
        first = 1
        """The first."""
        second: int = 2
        third = 3
        """The third,
        on two lines."""

    assert hooks.attribute_docs(Sample) == {
        "first": "The first.",
        "third": "The third,\non two lines.",
    }


def test_doctests_are_fenced_once() -> None:
    doc = "Split a body.\n\n    >>> f(1)\n    ['new', 'quote']\n\nMore prose.\n"
    fenced = hooks.fence_doctests(doc)
    assert fenced == (
        "Split a body.\n\n"
        "    ```pycon\n    >>> f(1)\n    ['new', 'quote']\n    ```\n"
        "\nMore prose.\n"
    )
    assert hooks.fence_doctests(fenced) == fenced


# ---------------------------------------------------------------------------------------------
# The pages and the code agree
# ---------------------------------------------------------------------------------------------


def test_every_input_format_is_documented() -> None:
    page = (DOCS / "formats.md").read_text(encoding="utf-8")
    for fmt in INPUT_FORMATS:
        assert re.search(rf"^\| `{re.escape(fmt)}` \|", page, re.M), fmt


def test_every_kind_of_evidence_is_explained() -> None:
    page = (DOCS / "concepts.md").read_text(encoding="utf-8")
    for evidence in Evidence:
        assert re.search(rf"^\| `{evidence.value}` \| \S", page, re.M), evidence


def test_documented_exit_codes_are_the_cli_s() -> None:
    page = (DOCS / "cli.md").read_text(encoding="utf-8")
    documented = {int(c) for c in re.findall(r"^\| `(\d)` \|", page, re.M)}
    actual = {v for k, v in vars(cli).items() if k.startswith("EXIT_") and isinstance(v, int)}
    assert documented == actual


@pytest.mark.parametrize("page", _pages(), ids=lambda p: str(p.relative_to(DOCS)))
def test_no_bare_angle_brackets_outside_code(page: Path) -> None:
    # `<date>` outside a code span is an unknown HTML tag: the browser hides it silently.
    text = _without_code(page.read_text(encoding="utf-8"))
    assert re.findall(r"<[A-Za-z][^>\n]{0,40}>", text) == []


def _pycon_blocks() -> list[tuple[str, str]]:
    found = []
    for page in _pages():
        text = page.read_text(encoding="utf-8")
        for m in re.finditer(r"^```pycon\n(.*?)^```", text, re.S | re.M):
            line = text.count("\n", 0, m.start()) + 1
            found.append((f"{page.relative_to(DOCS)}:{line}", m.group(1)))
    return found


@pytest.mark.parametrize(("where", "block"), _pycon_blocks(), ids=lambda x: str(x)[:40])
def test_pycon_examples_run(where: str, block: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    test = doctest.DocTestParser().get_doctest(block, {}, where, where, 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    report: list[str] = []
    runner.run(test, out=report.append)
    assert runner.failures == 0, "".join(report)


def test_getting_started_documents_the_whole_path() -> None:
    page = (DOCS / "getting-started.md").read_text(encoding="utf-8")
    marked = "\n".join(re.findall(r"^<!-- run -->\n```\w+\n(.*?)^```", page, re.S | re.M))
    seed = "examples/data/wsis20-2025-06.txt"
    assert f"wsisdedup tree {seed}" in marked
    assert re.search(rf"wsisdedup clean {seed} -o \S+\.jsonl", marked)
    assert re.search(rf"wsisdedup clean {seed} --format html -o \S+\.html", marked)
    assert re.search(rf"wsisdedup clean {seed} --format sqlite -o \S+\.sqlite", marked)
    assert f'wsisdedup.read("{seed}")' in marked


# ---------------------------------------------------------------------------------------------
# The new user's path, end to end
# ---------------------------------------------------------------------------------------------


@pytest.mark.skipif(
    not (IN_CI or os.environ.get("WSISDEDUP_SLOW") == "1"),
    reason="installs into a fresh virtualenv from the network (minutes): runs in CI or with "
    "WSISDEDUP_SLOW=1",
)
def test_getting_started_commands_work_verbatim() -> None:
    result = subprocess.run(
        ["bash", str(ROOT / "scripts" / "getting_started.sh"), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    tail = "\n".join((result.stdout + "\n" + result.stderr).splitlines()[-40:])
    assert result.returncode == 0, f"scripts/getting_started.sh failed:\n{tail}"
    assert "made what the page promises" in result.stdout
