"""Read YAML keeping the line of every key and item, for messages that point at it.

Two choices make YAML kinder to people who are not programmers:
- only `true` and `false` are booleans: `yes`, `no`, `on`, `off` stay text
  (a scale option `no` must not turn into False);
- a key written twice in one mapping is an error, not a silent overwrite.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import yaml


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


class _Loader(yaml.SafeLoader):
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


def load(text: str, path: str) -> tuple[object, list[Message]]:
    """Parse YAML text. Returns (data, messages); data is None if it could not be read."""
    messages: list[Message] = []
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        return None, [_syntax_message(exc, path, text)]
    except yaml.YAMLError as exc:  # pragma: no cover - unmarked errors are rare
        return None, [Message(path, 0, f"this is not readable YAML ({exc}).")]
    if node is None:
        return None, [Message(path, 0, "the file is empty.")]
    loader = _Loader("")
    return _convert(node, loader, path, messages), messages


def _convert(node, loader, path, messages):
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
