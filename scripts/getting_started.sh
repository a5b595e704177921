#!/usr/bin/env bash
# The new user's path, tested: run the README's set-up command and every command block of
# docs/getting-started.md marked `<!-- run -->`, verbatim, in a fresh copy of the repository
# with a fresh virtualenv, then check that they made what the page promises: the seed's thread
# tree printed, a .jsonl, an .html and a .sqlite file.
#
#   scripts/getting_started.sh [REPO]      (REPO: the repository to copy; default: this one)
#
# Commands are taken from the pages at run time, so the test cannot drift from the docs:
# - docs/getting-started.md: each ```sh or ```python block right after a `<!-- run -->` line
#   (a python block runs with the `python` on PATH at that point, i.e. the activated venv);
# - README.md: its `<!-- run -->` blocks if it has any, otherwise the first ```sh block of its
#   "Set up" section (install and print the tree). The README's other set-up block installs
#   the test tools and runs the whole test suite, which .ci/run already does.
# All commands run one after another in one shell (so `. .venv/bin/activate` carries over), from
# the copy's top folder, with a PATH from which every other virtualenv has been removed. The
# first command that fails stops the run, and is named with its page and line.
#
# Needs: bash, python3 (3.11+, with venv), network access for pip (or a pip configured with a
# local index). Exit status: 0 all good, 1 a documented command failed or an output is missing,
# 2 the script itself could not run.
set -uo pipefail

die() { echo "getting_started: $*" >&2; exit 2; }

src="$(cd "${1:-$(dirname "$0")/..}" && pwd)" || die "no repository at ${1:-}"
[ -f "$src/README.md" ] && [ -f "$src/docs/getting-started.md" ] \
  || die "$src has no README.md or docs/getting-started.md"

# --- A PATH without virtualenvs: the docs must install what they use. ------------------------
clean_path=""
IFS=: read -r -a path_dirs <<<"$PATH"
for d in "${path_dirs[@]}"; do
  [ -n "$d" ] || continue
  [ -f "$d/../pyvenv.cfg" ] && continue
  [ -f "$d/activate" ] && continue
  clean_path="${clean_path:+$clean_path:}$d"
done
export PATH="$clean_path"
unset VIRTUAL_ENV PYTHONPATH PYTHONHOME CONDA_PREFIX
command -v python3 >/dev/null || die "python3 is not on PATH (outside virtualenvs)"

# --- A fresh copy of the repository: tracked and untracked files, not what .gitignore names. -
work="$(mktemp -d "${TMPDIR:-/tmp}/wsisdedup-getting-started.XXXXXX")" || die "mktemp failed"
if [ -z "${KEEP_GETTING_STARTED:-}" ]; then
  trap 'rm -rf "$work"' EXIT
fi
repo="$work/wsisdedup"
mkdir -p "$repo"
if git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  (cd "$src" && git ls-files -z --cached --others --exclude-standard) \
    | (cd "$src" && python3 -c '
import os, sys
names = [n for n in sys.stdin.buffer.read().split(b"\0") if n and os.path.isfile(n)]
sys.stdout.buffer.write(b"\0".join(names))') \
    | (cd "$src" && tar --null -T - -cf -) | (cd "$repo" && tar -xf -) \
    || die "could not copy $src"
else
  (cd "$src" && tar --exclude=./.venv --exclude=./.git --exclude=./site -cf - .) \
    | (cd "$repo" && tar -xf -) || die "could not copy $src"
fi
echo "== fresh copy of $src in $repo"

# --- The documented commands, extracted from the pages. ------------------------------------
steps="$work/steps"
python3 - "$repo" >"$steps" <<'PY' || die "could not extract the documented commands"
import re
import shlex
import sys
from pathlib import Path

repo = Path(sys.argv[1])
FENCE = re.compile(r"^(`{3,}|~{3,})\s*([\w+-]*)\s*$")
MARK = "<!-- run -->"


def blocks(text):
    """(line of the fence, language, body, marked, section) for each fenced block."""
    lines = text.split("\n")
    section, i = "", 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("#") and not line.startswith("#!"):
            section = line.lstrip("#").strip()
        m = FENCE.match(line)
        if not m:
            i += 1
            continue
        fence, lang = m.group(1), m.group(2)
        prev = [ln for ln in lines[max(0, i - 2):i] if ln.strip()]
        marked = bool(prev) and prev[-1].strip() == MARK
        j = i + 1
        while j < len(lines) and not lines[j].startswith(fence):
            j += 1
        yield i + 1, lang, "\n".join(lines[i + 1:j]), marked, section
        i = j + 1


def commands(page, lang, body, line):
    """One step per logical line of a shell block (continuations joined); a python block is one."""
    if lang == "python":
        yield line + 1, f"python -c {shlex.quote(body)}", f"python block ({len(body.splitlines())} lines)"
        return
    if lang not in ("sh", "bash", "shell", "console"):
        sys.exit(f"{page}:{line}: a <!-- run --> block must be sh or python, not {lang!r}")
    pending, start = "", None
    for k, raw in enumerate(body.split("\n"), start=line + 1):
        if not pending and (not raw.strip() or raw.lstrip().startswith("#")):
            continue
        start = start or k
        if raw.endswith("\\"):
            pending += raw[:-1] + " "
            continue
        cmd = pending + raw
        pending = ""
        yield start, cmd, cmd
        start = None


out = []
readme = (repo / "README.md").read_text(encoding="utf-8")
found = list(blocks(readme))
chosen = [b for b in found if b[3]]
if not chosen:
    setup = [b for b in found if b[4].lower().startswith("set up") and b[1] in ("sh", "bash")]
    if not setup:
        sys.exit("README.md: no <!-- run --> blocks and no ```sh block under a 'Set up' heading")
    chosen = setup[:1]
    print("note: README.md has no <!-- run --> marks; using its first 'Set up' block", file=sys.stderr)
for line, lang, body, _, _ in chosen:
    out += [("README.md", *c) for c in commands("README.md", lang, body, line)]

page = "docs/getting-started.md"
marked = [b for b in blocks((repo / page).read_text(encoding="utf-8")) if b[3]]
if not marked:
    sys.exit(f"{page}: no <!-- run --> blocks")
for line, lang, body, _, _ in marked:
    out += [(page, *c) for c in commands(page, lang, body, line)]

for page, line, cmd, shown in out:
    sys.stdout.write(f"{page}:{line}\0{cmd}\0{shown}\0")
PY

# --- Run them, one shell, in order. ---------------------------------------------------------
cd "$repo" || die "cannot enter $repo"
logs="$work/logs"
mkdir -p "$logs"
n=0
tree_logs=()
while IFS= read -r -d '' where <&3 && IFS= read -r -d '' cmd <&3 && IFS= read -r -d '' shown <&3; do
  n=$((n + 1))
  echo
  echo "== step $n ($where): $shown"
  # Trace the simple commands to their own file: when a `a && b && c` line fails, the last one
  # traced is the command that failed.
  exec 9>"$logs/$n.trace"
  BASH_XTRACEFD=9
  set -x
  eval "$cmd" </dev/null >"$logs/$n.out" 2>"$logs/$n.err"
  status=$?
  set +x
  unset BASH_XTRACEFD
  cat "$logs/$n.out"
  cat "$logs/$n.err" >&2
  if [ "$status" -ne 0 ]; then
    echo >&2
    echo "FAILED: step $n, $where, exit status $status:" >&2
    echo "  $shown" >&2
    # The eval itself is traced at depth 1 (`+ eval ...`), the commands it runs at depth 2.
    last="$(grep -E '^\+\+ ' "$logs/$n.trace" | tail -n 1)"
    if [ -n "$last" ] && [ "${last:3}" != "$cmd" ]; then
      echo "the command that failed:" >&2
      echo "  ${last:3:300}" >&2
    fi
    exit 1
  fi
  # A tree command alone prints only the tree (one line per message); in a chain such as the
  # README's `... pip install . && wsisdedup tree ...` pip prints too.
  case "$cmd" in
    *"&&"* | *";"* | *"|"*) case "$cmd" in *"wsisdedup tree"*) tree_logs+=("chain:$logs/$n.out") ;; esac ;;
    *"wsisdedup tree"*) tree_logs+=("alone:$logs/$n.out") ;;
  esac
done 3<"$steps"
[ "$n" -gt 0 ] || die "no commands were extracted"

# --- What the pages promise. ----------------------------------------------------------------
echo
echo "== checking the outputs"
python3 - "$repo" ${tree_logs[@]+"${tree_logs[@]}"} <<'PY'
import json
import sqlite3
import sys
from html.parser import HTMLParser
from pathlib import Path

repo = Path(sys.argv[1])
trees = [(kind, Path(p)) for kind, _, p in (a.partition(":") for a in sys.argv[2:])]
failures = []


def fail(what):
    failures.append(what)
    print(f"FAILED: {what}", file=sys.stderr)


def outputs(suffix):
    return sorted(p for p in repo.glob(f"*{suffix}") if p.is_file())


jsonl, html, dbs = outputs(".jsonl"), outputs(".html"), outputs(".sqlite")
for suffix, found in ((".jsonl", jsonl), (".html", html), (".sqlite", dbs)):
    if not found:
        fail(f"no {suffix} file was written in the repository's top folder")

counts = {}
for path in jsonl:
    lines = [ln for ln in path.read_text(encoding="utf-8").split("\n") if ln]
    try:
        records = [json.loads(ln) for ln in lines]
    except ValueError as exc:
        fail(f"{path.name}: not JSON Lines ({exc})")
        continue
    if not records or not all(isinstance(r, dict) and r.get("id") for r in records):
        fail(f"{path.name}: expected one object with an id per message, got {len(records)} lines")
        continue
    counts[path.name] = len(records)
    print(f"ok: {path.name}: {len(records)} messages")

for path in html:
    class Page(HTMLParser):
        tags = set()

        def handle_starttag(self, tag, attrs):
            self.tags.add(tag)

    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    if not {"html", "body", "title"} <= page.tags:
        fail(f"{path.name}: not an HTML page (no html, title or body element)")
    else:
        print(f"ok: {path.name}: an HTML page of {path.stat().st_size:,} bytes")

for path in dbs:
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        n = con.execute("SELECT count(*) FROM messages").fetchone()[0]
        con.close()
    except sqlite3.Error as exc:
        fail(f"{path.name}: not a wsisdedup database ({exc})")
        continue
    if n == 0:
        fail(f"{path.name}: the messages table is empty")
    else:
        counts[path.name] = n
        print(f"ok: {path.name}: {n} messages")

if len(set(counts.values())) > 1:
    fail(f"the outputs disagree on the number of messages: {counts}")

if not trees:
    fail("no documented command prints the tree (`wsisdedup tree`)")
for kind, log in trees:
    lines = [ln for ln in log.read_text(encoding="utf-8").split("\n") if ln.strip()]
    if not lines:
        fail("`wsisdedup tree` printed nothing")
    elif kind == "chain":
        print(f"ok: a set-up command printed the tree among {len(lines)} lines")
    elif counts and len(lines) != max(counts.values()):
        fail(f"`wsisdedup tree` printed {len(lines)} messages, the exports hold {max(counts.values())}")
    else:
        print(f"ok: the tree printed {len(lines)} messages")

sys.exit(1 if failures else 0)
PY
status=$?
if [ "$status" -ne 0 ]; then
  echo "FAILED: the documented commands ran, but their outputs are not what the page promises" >&2
  exit 1
fi
echo
echo "== getting started: all $n documented commands ran and made what the page promises"
