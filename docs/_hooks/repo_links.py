"""MkDocs hook: links from a docs page to a repository file outside docs/.

On GitHub such a link opens the file; on the site there is no file to open. Each one is
checked (a missing file is a warning, so ``mkdocs build --strict`` fails on it) and then
rewritten: a link to a module of ``irl/`` becomes a cross-reference to its API reference
(``[text][irl.x.y]``, resolved by mkdocs-autorefs, which fails the strict build on a name
that is not documented), any other file becomes its link text.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path, PurePosixPath

log = logging.getLogger("mkdocs.hooks.repo_links")
LINK = re.compile(r"\[([^\]\n]+)\]\(([^)\s#]+)(#[^)\s]*)?\)")
NAME = re.compile(r"^\w+(\.\w+)*$")


def on_page_markdown(markdown: str, page, config, files) -> str:  # noqa: ANN001 - MkDocs' hook signature
    docs = Path(config["docs_dir"]).resolve()
    repo = docs.parent
    here = (docs / page.file.src_uri).parent

    def rewrite(match: re.Match) -> str:
        text, target = match.group(1), match.group(2)
        if "://" in target or target.startswith(("mailto:", "/")):
            return match.group(0)
        path = (here / target).resolve()
        if path.is_relative_to(docs):
            return match.group(0)  # MkDocs checks links inside the site itself
        if not path.is_relative_to(repo) or not path.exists():
            log.warning("%s links to %s, which is not in the repository", page.file.src_uri, target)
            return match.group(0)
        rel = PurePosixPath(path.relative_to(repo).as_posix())
        if rel.parts[0] == "irl" and (rel.suffix == ".py" or path.is_dir()):
            module = ".".join(rel.with_suffix("").parts if rel.suffix else rel.parts)
            module = module.removesuffix(".__init__")
            name = text.strip("`")
            if NAME.match(name) and not name.startswith("irl."):
                name = f"{module}.{name}"
            return f"[{text}][{name if NAME.match(name) and name.startswith(module) else module}]"
        return text

    return LINK.sub(rewrite, markdown)
