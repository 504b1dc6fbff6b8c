"""The docs site's sources: the CLI reference is rendered from the parser, and every page
the site's navigation names exists. (``mkdocs build --strict`` itself runs in .ci/run.)"""

import argparse
import importlib.util
import re
from pathlib import Path

from irl.cli import _parser

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"


def _cli_reference():
    spec = importlib.util.spec_from_file_location("cli_reference", DOCS / "_hooks" / "cli_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cli_reference_has_every_command_and_every_option_with_its_default():
    hook = _cli_reference()
    parser = _parser()
    page = hook.render(parser)
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices
    assert {"train", "export", "retrain", "judge"} <= set(commands)
    for name, sub in commands.items():
        assert f"\n## irl {name}\n" in page
        section = page.split(f"\n## irl {name}\n")[1].split("\n## ")[0]
        for action in sub._actions:
            for option in action.option_strings:
                if option not in ("-h", "--help"):
                    assert f"`{option}`" in section, (name, option)
    train = page.split("\n## irl train\n")[1].split("\n## ")[0]
    assert re.search(r"\| `--steps` \| int in \[1, 10,000,000,000\] \| `1000000` \|", train)
    assert re.search(r"\| `--env` \| text \| required \|", train)
    assert re.search(r"\| `--absorbing`, `--no-absorbing` \|  \| on \|", train)
    for section in page.split("\n## irl ")[1:]:  # a pipe in a help text is escaped, so every row has 4 cells
        rows = [line for line in section.splitlines() if line.startswith("| `")]
        assert rows and all(len(re.split(r"(?<!\\)\|", row)) == 6 for row in rows), section.splitlines()[0]


def test_cli_reference_page_holds_the_marker_the_hook_replaces():
    hook = _cli_reference()
    assert hook.MARKER in (DOCS / hook.PAGE).read_text()


def test_every_page_in_the_nav_exists():
    nav = (REPO / "mkdocs.yml").read_text().split("\nnav:\n")[1]
    pages = re.findall(r":\s+(\S+\.md)\s*$", nav, re.MULTILINE)
    assert "reference/cli.md" in pages and "energy.md" in pages
    assert [p for p in pages if not (DOCS / p).is_file()] == []


def test_the_docs_extra_installs_what_mkdocs_yml_uses():
    setup = (REPO / "setup.cfg").read_text()
    extra = re.search(r"\ndocs =\n((?:[ \t]+\S.*\n)+)", setup).group(1)
    assert "mkdocs>=" in extra and "mkdocs-material" in extra and "mkdocstrings[python]" in extra
    config = (REPO / "mkdocs.yml").read_text()
    assert "name: material" in config and "mkdocstrings" in config


def test_links_in_included_snippets_resolve_from_the_page_that_includes_them():
    """A ``--8<--`` snippet's text is pasted into the including page, so MkDocs resolves its
    relative links from that page's folder, not the snippet's own."""
    link = re.compile(r"\]\(([^)\s#]+)(?:#[^)\s]*)?\)")
    broken = []
    for page in DOCS.rglob("*.md"):
        for snippet in re.findall(r'^--8<-- "([^"]+)"', page.read_text(), re.MULTILINE):
            for target in link.findall((DOCS / snippet).read_text()):
                if "://" not in target and not target.startswith(("mailto:", "/")) \
                        and not (page.parent / target).exists():
                    broken.append(f"{page.relative_to(DOCS)} <- {snippet}: {target}")
    assert broken == []
