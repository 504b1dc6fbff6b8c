"""Griffe extension: the Sphinx roles in irl's docstrings as cross-references on the site.

``:class:`irl.energy.networks.FreeEnergy``` becomes a link to that object's API reference,
``:func:`~irl.data.demos.load_demos``` one that shows ``load_demos``. A short name
(``:func:`hold_after_cloning```) is looked up from the docstring's own object outwards.
Fully qualified names go to mkdocs-autorefs as they are, so a name that is not documented
fails ``mkdocs build --strict``; a short name found nowhere stays plain code. A paragraph
ending in ``::`` (reStructuredText's mark of the literal block that follows, which Markdown
shows as code already) ends in ``:``.
"""

from __future__ import annotations

import re
from typing import Any, Iterator

import griffe

LITERAL_MARK = re.compile(r"(\S)::\n(?=[ \t]*\n)")
ROLE = re.compile(r":(?:py:)?(?:class|func|meth|mod|attr|data|exc|obj|const):`(~?)([\w.]+)(\(\))?`")


class SphinxRoles(griffe.Extension):
    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        for obj in _walk(pkg):
            if obj.docstring is not None:
                value = LITERAL_MARK.sub(r"\1:\n", obj.docstring.value)
                obj.docstring.value = ROLE.sub(lambda m: _link(m, obj), value)

    def on_package_loaded(self, *, pkg: griffe.Module, **kwargs: Any) -> None:  # griffe < 2
        self.on_package(pkg=pkg)


def _walk(obj: griffe.Object) -> Iterator[griffe.Object]:
    yield obj
    for member in obj.members.values():
        if not member.is_alias:
            yield from _walk(member)


def _link(match: re.Match, obj: griffe.Object) -> str:
    short, target, call = match.group(1) == "~", match.group(2), match.group(3) or ""
    path = target if target.startswith("irl.") else _resolve(target, obj)
    text = f"`{target.rsplit('.', 1)[-1] if short else target}{call}`"
    return f"[{text}][{path}]" if path else text


def _resolve(name: str, obj: griffe.Object) -> str | None:
    scope: griffe.Object | None = obj if obj.is_class or obj.is_module else obj.parent
    while scope is not None:
        try:
            found = scope[name]
        except (KeyError, ValueError, griffe.AliasResolutionError):
            scope = scope.parent
            continue
        return found.target_path if found.is_alias else found.path
    return None
