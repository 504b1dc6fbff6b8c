"""MkDocs hook: the CLI reference page, rendered from ``irl.cli``'s argparse parser at build
time, so that every command and option on the page is the one the code parses.

``docs/reference/cli.md`` holds the marker below; :func:`render` writes each subcommand's
usage and a table of its arguments (name, value, default, help).
"""

from __future__ import annotations

import argparse
import os

PAGE = "reference/cli.md"
MARKER = "<!-- cli-reference -->"


def on_page_markdown(markdown: str, page, config, files) -> str:  # noqa: ANN001 - MkDocs' hook signature
    if page.file.src_uri != PAGE:
        return markdown
    if MARKER not in markdown:
        raise ValueError(f"{PAGE} must hold the line {MARKER}")
    from irl.cli import _parser

    return markdown.replace(MARKER, render(_parser()))


def render(parser: argparse.ArgumentParser) -> str:
    """Markdown for ``parser`` and each of its subcommands (usage lines wrapped at 88 columns,
    whatever the terminal)."""
    columns = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "88"
    try:
        return _render(parser)
    finally:
        if columns is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = columns


def _render(parser: argparse.ArgumentParser) -> str:
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    summaries = {choice.dest: choice.help for choice in commands._choices_actions}
    out = ["```text", parser.format_usage().strip(), "```", "", parser.description or "", ""]
    out += ["| command | what it does |", "|---|---|"]
    out += [f"| [`{parser.prog} {name}`](#{parser.prog}-{name}) | {_cell(summaries.get(name))} |"
            for name in commands.choices]
    for name, sub in commands.choices.items():
        out += ["", f"## {parser.prog} {name}", "", sub.description or summaries.get(name) or "", "",
                "```text", sub.format_usage().strip(), "```", "",
                "| argument | value | default | what it does |", "|---|---|---|---|"]
        out += [_row(action) for action in sub._actions if not isinstance(action, argparse._HelpAction)]
    return "\n".join(out) + "\n"


def _row(action: argparse.Action) -> str:
    names = ", ".join(f"`{s}`" for s in action.option_strings) or f"`{action.metavar or action.dest}`"
    return f"| {names} | {_cell(_value(action))} | {_cell(_default(action))} | {_cell(action.help)} |"


def _value(action: argparse.Action) -> str:
    if action.nargs == 0:  # a switch
        return ""
    if action.choices is not None:
        return ", ".join(f"`{c}`" for c in action.choices)
    if action.metavar is not None:
        return f"`{' '.join(action.metavar) if isinstance(action.metavar, tuple) else action.metavar}`"
    kind = getattr(action.type, "__name__", None)
    if kind in (None, "str", "Path"):
        return "text" if kind != "Path" else "path"
    return kind  # the bounded number types name their range, e.g. "int in [1, 100,000]"


def _default(action: argparse.Action) -> str:
    if action.required:
        return "required"
    if action.default is None or action.default == argparse.SUPPRESS or action.default == []:
        return ""
    if isinstance(action, argparse.BooleanOptionalAction):
        return "on" if action.default else "off"
    if action.nargs == 0:
        return "off" if action.default is False else "on"
    return f"`{action.default}`"


def _cell(text: str | None) -> str:
    """Text safe inside a Markdown table cell."""
    return (text or "").replace("|", "\\|").replace("\n", " ")
