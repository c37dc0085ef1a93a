"""The README and docs/ as a newcomer uses them: every command in their ```bash blocks names a real
`rpvt` subcommand and options, every script it runs exists, the cheap read-only commands run, and
every relative link (and its #anchor) resolves."""

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rpvt_tracker.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
# Subcommands that only read: run for real when their file arguments exist.
CHEAP = {"variants", "info"}
SHIPPED_CHECKPOINT = "weights/rpvt-lite.pth"  # stands in for a checkpoint `rpvt info` names but the repo lacks


def bash_blocks(path):
    return [body for lang, body in FENCE.findall(path.read_text()) if lang == "bash"]


def commands(block):
    """Simple commands of a bash block: continuations joined, comments dropped, split on ; && | and
    the loop keywords; leading VAR=value assignments removed."""
    text = block.replace("\\\n", " ")
    out = []
    for line in text.split("\n"):
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        lexer.commenters = "#"
        current = []
        for token in list(lexer) + [";"]:
            if token in {";", "&&", "||", "|", "&"}:
                while current and (current[0] in {"do", "then", "else"} or re.match(r"^\w+=", current[0])):
                    current.pop(0)
                if current:
                    out.append(current)
                current = []
            else:
                current.append(token)
    return out


def all_commands():
    found = []
    for path in DOCS:
        for block in bash_blocks(path):
            found += [(path.relative_to(ROOT).as_posix(), cmd) for cmd in commands(block)]
    return found


def rpvt_args(cmd):
    """The arguments after `rpvt` (or `-m rpvt_tracker.cli`), or None for another program."""
    if cmd[0] == "rpvt":
        return cmd[1:]
    if "rpvt_tracker.cli" in cmd and cmd[cmd.index("rpvt_tracker.cli") - 1] == "-m":
        return cmd[cmd.index("rpvt_tracker.cli") + 1 :]
    return None


def subparsers(parser):
    action = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return action.choices


def test_docs_have_commands():
    cmds = all_commands()
    assert sum(rpvt_args(c) is not None for _, c in cmds) >= 20, "the command extraction found too little"


def test_rpvt_commands_parse():
    parser = build_parser()
    subs = subparsers(parser)
    checked = 0
    for doc, cmd in all_commands():
        args = rpvt_args(cmd)
        if args is None:
            continue
        where = f"{doc}: {shlex.join(cmd)}"
        args = [a.strip("[]") for a in args]  # optional parts written as [--opt value]
        assert args and args[0] in subs, f"{where}: no such subcommand {args[:1]}"
        sub = subs[args[0]]
        known = set(sub._option_string_actions) | set(parser._option_string_actions)
        for token in args[1:]:
            if token.startswith("-") and token != "-":
                assert token.split("=")[0] in known, f"{where}: {args[0]} has no option {token}"
        if "..." not in args:  # a whole command: argparse must accept it as written
            concrete = [re.sub(r"\$\{?\w+[^\s/]*\}?", "X", a) for a in args]
            try:
                parser.parse_args(concrete)
            except SystemExit as exit_:
                pytest.fail(f"{where}: rpvt's parser refuses it (exit {exit_.code})")
        checked += 1
    assert checked >= 20


def test_named_scripts_exist():
    for doc, cmd in all_commands():
        for i, token in enumerate(cmd[:-1]):
            script = cmd[i + 1]
            if (token in {"python", "python3"} and script.endswith(".py")) or (token == "bash" and script.endswith(".sh")):
                assert (ROOT / script).is_file(), f"{doc}: {shlex.join(cmd)}: {script} is not in the repository"
        for token in cmd:  # pytest files, scripts and benchmarks named anywhere in a command
            if re.match(r"^(tests|scripts|benchmarks)/[\w/.-]+\.(py|sh)$", token):
                assert (ROOT / token).is_file(), f"{doc}: {shlex.join(cmd)}: {token} is not in the repository"


def test_cheap_commands_run():
    exe = shutil.which("rpvt")
    prefix = [exe] if exe else [sys.executable, "-m", "rpvt_tracker.cli"]
    runs = []
    for doc, cmd in all_commands():
        args = rpvt_args(cmd)
        if cmd[0] != "rpvt" or not args or args[0] not in CHEAP:
            continue
        if args[0] == "info" and not (ROOT / args[1]).exists():
            args = ["info", SHIPPED_CHECKPOINT]
        if tuple(args) not in {tuple(r[1]) for r in runs}:
            runs.append((doc, args))
    runs.append(("(help)", ["--help"]))
    assert len(runs) >= 3, runs
    for doc, args in runs:
        result = subprocess.run([*prefix, *args], cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, f"{doc}: rpvt {' '.join(args)}: {result.stderr}"
        assert result.stdout.strip(), f"{doc}: rpvt {' '.join(args)} printed nothing"


def slug(heading):
    """GitHub's anchor for a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(path):
    seen, out = {}, set()
    text = FENCE.sub("", path.read_text())
    for line in text.split("\n"):
        m = re.match(r"^#{1,6} (.*)", line)
        if m:
            base = slug(m.group(1))
            n = seen.get(base, 0)
            seen[base] = n + 1
            out.add(base if n == 0 else f"{base}-{n}")
    return out


@pytest.mark.parametrize("path", [*DOCS, ROOT / "BENCHMARKS.md"], ids=lambda p: p.relative_to(ROOT).as_posix())
def test_relative_links_resolve(path):
    text = FENCE.sub("", path.read_text())
    links = re.findall(r"\]\(([^)\s]+)\)", text)
    for link in links:
        if re.match(r"^[a-z]+:", link):
            continue
        target, _, anchor = link.partition("#")
        file = (path.parent / target).resolve() if target else path
        assert file.exists(), f"{path.name}: link {link} points at nothing"
        if anchor and file.suffix == ".md":
            assert anchor in anchors(file), f"{path.name}: link {link}: no heading #{anchor} in {file.name}"


def test_readme_is_short_and_points_at_every_page():
    readme = (ROOT / "README.md").read_text()
    assert len(readme.split("\n")) <= 250
    next_steps = readme.split("## Where to go next", 1)[1]
    for page in sorted((ROOT / "docs").glob("*.md")):
        assert f"(docs/{page.name})" in next_steps, f"README's 'Where to go next' does not link docs/{page.name}"
