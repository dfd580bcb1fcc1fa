"""Read YAML keeping the line of every key and item, for messages that point at it.

Two choices make YAML kinder to people who are not programmers:
- only `true` and `false` are booleans: `yes`, `no`, `on`, `off` stay text
  (a scale option `no` must not turn into False);
- a key written twice in one mapping is an error, not a silent overwrite.

And a spec is data only: tags (`!!python/object`…) are refused, and so is a file whose
aliases (`*name`) would copy more than any spec holds, or refer to themselves, or whose
lists and mappings are nested too deeply (budgets.py), before anything is built from it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from ..budgets import SPEC_DEPTH, SPEC_NODES

if TYPE_CHECKING:
    import yaml

# yaml is imported where it is used, not at the top: the command line imports this module (through specs)
# for every command, and `auditdocs --help` should not wait for yaml.


@dataclass(frozen=True)
class Message:
    path: str
    line: int  # 1-based; 0 when the whole file is meant
    text: str

    def __str__(self) -> str:
        where = f"{self.path}, line {self.line}" if self.line else self.path
        return f"{where}: {self.text}"


class YMap(dict):
    """A mapping from YAML that knows the line of itself and of each key."""

    line: int = 0
    key_lines: dict

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class YList(list):
    line: int = 0
    item_lines: list

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if index < len(self.item_lines) else self.line


@cache
def _loader_class(quick: bool = True) -> type:
    """yaml's SafeLoader with YAML 1.2's booleans (made once, the first time a file is read); `quick`: on libyaml's
    parser where PyYAML has it, six times quicker than PyYAML's own, with the same nodes and lines."""
    import yaml

    class _Loader(yaml.CSafeLoader if quick and _with_libyaml() else yaml.SafeLoader):
        pass

    # Replace YAML 1.1's bool resolver (yes/no/on/off) by YAML 1.2's (true/false only).
    _Loader.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    _Loader.add_implicit_resolver(
        "tag:yaml.org,2002:bool",
        re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
        list("tTfF"),
    )
    return _Loader


def _with_libyaml() -> bool:
    import yaml

    return getattr(yaml, "__with_libyaml__", False)


def _compose(text: str):
    """The file's node tree. A file that is not valid YAML is composed again by PyYAML's own parser, whose error says
    more of what is wrong ("expected ',' or ']', but got ':'", an undefined alias by its name) than libyaml's."""
    import yaml

    try:
        return yaml.compose(text, Loader=_loader_class())
    except yaml.MarkedYAMLError:
        if _with_libyaml():
            yaml.compose(text, Loader=_loader_class(quick=False))  # (raises its own error; else libyaml's is kept)
        raise


def load(text: str, path: str) -> tuple[object, list[Message]]:
    """Parse YAML text. Returns (data, messages); data is None if it could not be read."""
    import yaml

    messages: list[Message] = []
    deep = _too_deep(text)
    if deep is not None:
        return None, [Message(path, deep, TOO_DEEP)]
    try:
        node = _compose(text)
    except yaml.MarkedYAMLError as exc:
        return None, [_syntax_message(exc, path, text)]
    except yaml.YAMLError as exc:  # pragma: no cover - unmarked errors are rare
        return None, [Message(path, 0, f"this is not readable YAML ({exc}).")]
    except RecursionError:
        return None, [Message(path, 0, TOO_DEEP)]
    if node is None:
        return None, [Message(path, 0, "the file is empty.")]
    refused = _refused(node, path)
    if refused:
        return None, [refused]
    loader = _loader_class()("")
    try:
        return _convert(node, loader, path, messages), messages
    except yaml.MarkedYAMLError as exc:
        return None, [_syntax_message(exc, path, text)]
    except (yaml.YAMLError, ValueError, OverflowError) as exc:  # a value that cannot be read (an int of 5000 digits)
        return None, [Message(path, 0, f"a value in this file cannot be read ({exc}).")]


TOO_DEEP = (f"lists and mappings are nested here more than {SPEC_DEPTH} deep, far more than any spec; "
            "the file was refused. Check its indentation.")
#: The only tags a spec's values may have (the plain YAML kinds: text, numbers, true/false, dates, lists, mappings).
PLAIN_TAGS = {f"tag:yaml.org,2002:{kind}" for kind in ("str", "int", "float", "bool", "null", "timestamp", "seq", "map")}


def _too_deep(text: str) -> int | None:
    """The line (0 if unknown) where lists and mappings nest deeper than SPEC_DEPTH, found before the file is
    composed: PyYAML's own reader slows to minutes on thousands of nested brackets, libyaml's does not."""
    import yaml

    if _with_libyaml():
        depth = 0
        try:
            for event in yaml.parse(text, Loader=yaml.CSafeLoader):
                if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                    depth += 1
                    if depth > SPEC_DEPTH:
                        return event.start_mark.line + 1
                elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                    depth -= 1
        except yaml.MarkedYAMLError as exc:
            if "nesting depth" in str(exc.problem):
                return (exc.problem_mark.line + 1) if exc.problem_mark else 0
        except yaml.YAMLError:
            pass  # PyYAML's own reader says what is wrong, in its words
        return None
    depth = 0  # pragma: no cover - without libyaml: the brackets outside quotes and comments
    for n, line in enumerate(text.splitlines(), start=1):
        for c in re.sub(r"'[^']*'|\"(?:[^\"\\]|\\.)*\"|#.*", "", line):
            depth += 1 if c in "[{" else -1 if c in "]}" else 0
            if depth > SPEC_DEPTH:
                return n
    return None


def _refused(root, path: str) -> Message | None:
    """Why a composed file is refused before anything is built from it (None if it is not): a tag that is not a
    plain value, an alias inside itself, nesting deeper than SPEC_DEPTH, or more than SPEC_NODES values once
    every alias is copied out (a 'billion laughs' file). Each node is counted once, whatever refers to it."""
    import yaml

    sizes: dict[int, int] = {}
    open_: set[int] = set()

    def size(node, depth: int) -> int:
        if id(node) in sizes:
            return sizes[id(node)]
        line = node.start_mark.line + 1
        if id(node) in open_:
            raise _Refusal(Message(path, line, "an alias (*name) here is used inside what it names, so it "
                                               "would never end; the file was refused. Remove that alias."))
        if depth > SPEC_DEPTH:
            raise _Refusal(Message(path, line, TOO_DEEP))
        if node.tag not in PLAIN_TAGS:
            raise _Refusal(Message(path, line, f"the tag '{node.tag.replace('tag:yaml.org,2002:', '!!')}' is not "
                                               "allowed in a spec: a spec holds text, numbers, lists and mappings "
                                               "only. Remove the tag."))
        open_.add(id(node))
        if isinstance(node, yaml.MappingNode):
            total = 1 + sum(size(k, depth + 1) + size(v, depth + 1) for k, v in node.value)
        elif isinstance(node, yaml.SequenceNode):
            total = 1 + sum(size(child, depth + 1) for child in node.value)
        else:
            total = 1
        open_.discard(id(node))
        if total > SPEC_NODES:
            raise _Refusal(Message(path, line, f"the aliases (*name) here would copy out more than {SPEC_NODES:,} "
                                               "values, far more than any spec holds; the file was refused. "
                                               "Write the values out, or use fewer aliases."))
        sizes[id(node)] = total
        return total

    try:
        size(root, 0)
    except _Refusal as exc:
        return exc.message
    return None


class _Refusal(Exception):
    def __init__(self, message: Message):
        self.message = message


def _convert(node, loader, path, messages):
    import yaml

    if isinstance(node, yaml.MappingNode):
        out = YMap()
        out.line = node.start_mark.line + 1
        out.key_lines = {}
        for key_node, value_node in node.value:
            key = _convert(key_node, loader, path, messages)
            line = key_node.start_mark.line + 1
            if not isinstance(key, str):
                key = str(key)
            if key in out:
                messages.append(
                    Message(
                        path,
                        line,
                        f"'{key}' is written twice here (first on line "
                        f"{out.key_lines[key]}): keep one of them.",
                    )
                )
                continue
            out.key_lines[key] = line
            out[key] = _convert(value_node, loader, path, messages)
        return out
    if isinstance(node, yaml.SequenceNode):
        out = YList()
        out.line = node.start_mark.line + 1
        out.item_lines = []
        for child in node.value:
            out.item_lines.append(child.start_mark.line + 1)
            out.append(_convert(child, loader, path, messages))
        return out
    return loader.construct_object(node, deep=True)


def _syntax_message(exc: yaml.MarkedYAMLError, path: str, text: str) -> Message:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else 0
    problem = (exc.problem or "").strip()
    lines = text.splitlines()
    if "\t" in (lines[line - 1] if 0 < line <= len(lines) else ""):
        hint = "this line is indented with a tab: use spaces only."
    elif "mapping values are not allowed" in problem or "expected <block end>" in problem or (
        "did not find expected key" in problem
    ):
        hint = (
            "bad indentation: the indentation of this line does not match the lines "
            "around it. Items of one list or mapping must start in the same column."
        )
    elif "found character" in problem and "'\\t'" in problem:
        hint = "this line is indented with a tab: use spaces only."
    elif "could not find expected ':'" in problem:
        hint = "a key is missing its ':' (write 'key: value')."
    else:
        hint = f"this is not valid YAML ({problem or exc.context})."
    if problem.startswith("found duplicate anchor"):
        hint = f"this is not valid YAML ({problem})."
    return Message(path, line, hint)
