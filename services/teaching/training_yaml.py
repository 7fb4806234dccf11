"""Rasa's YAML training data as plain items, and back, without loss.

Pure functions, no database: `parse_nlu_file` / `parse_domain` turn files into
`Item`s plus the `FileFrame` around them, `render_nlu_file` / `render_domain`
write them again. What makes the round trip lossless:

- NLU files (`data/nlu/**`) are written in the repository's own style
  (`- intent: x` / `  examples: |` / `    - text`), and the comment lines
  written just above an item travel with it, so an unchanged file comes back
  byte for byte.
- In the domain only `responses:` is edited here; the text around it (intents,
  slots, forms, actions) is kept verbatim as the file's frame, and each
  response keeps its original YAML (`raw`, anchors and aliases included) until
  someone edits it. If an edit removes an anchor that another response still
  uses, every response is written out in full instead.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

NLU_KINDS = ("intent", "synonym", "lookup", "regex")
DOMAIN_PATH = "bot/domain.yml"
NLU_DIR = "data/nlu"

_ITEM_START = re.compile(r"^- (intent|synonym|lookup|regex):")
_NLU_KEY = re.compile(r"^nlu:\s*$")
_RESPONSES_KEY = re.compile(r"^responses:\s*$")
_TOP_LEVEL_KEY = re.compile(r"^[A-Za-z_\"']")
_RESPONSE_KEY = re.compile(r"^  [^\s#-]")
_PLAIN_NAME = re.compile(r"^[\w/\-.]+$")


class TrainingDataFormatError(ValueError):
    """A file uses a shape this editor cannot keep without loss; fix it in git."""


@dataclass
class Item:
    kind: str  # intent, synonym, lookup, regex, response
    name: str
    source_file: str
    examples: list[str] = field(default_factory=list)
    body: dict[str, Any] = field(default_factory=dict)  # other keys; {"variations": [...]} for a response
    comment: str = ""  # the comment (and blank) lines just above the item
    raw: str | None = None  # a response's original YAML

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.kind, self.name, self.source_file)

    def content(self) -> dict[str, Any]:
        """What the item means, without how it was written (for diffs and revisions)."""
        return {
            "kind": self.kind,
            "name": self.name,
            "source_file": self.source_file,
            "examples": list(self.examples),
            "body": self.body,
        }


@dataclass
class FileFrame:
    path: str
    preamble: str = ""
    trailer: str = ""


# --- reading ---------------------------------------------------------------


def _is_filler(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


def _split_trailing_filler(lines: list[str]) -> tuple[list[str], list[str]]:
    end = len(lines)
    while end > 0 and _is_filler(lines[end - 1]):
        end -= 1
    return lines[:end], lines[end:]


def _examples(block: Any, where: str) -> list[str]:
    if not isinstance(block, str):
        raise TrainingDataFormatError(f"{where}: examples must be a `|` block of `- ` lines")
    out = []
    for line in block.splitlines():
        if not line.startswith("- "):
            raise TrainingDataFormatError(f"{where}: example line {line!r} does not start with '- '")
        out.append(line[2:])
    return out


def parse_nlu_file(path: str, text: str) -> tuple[FileFrame, list[Item]]:
    data = yaml.safe_load(text) or {}
    if not isinstance(data, dict) or set(data) - {"version", "nlu"}:
        raise TrainingDataFormatError(f"{path}: only `version` and `nlu` are supported in NLU files")
    entries = data.get("nlu") or []
    lines = text.splitlines(keepends=True)
    try:
        nlu_line = next(i for i, line in enumerate(lines) if _NLU_KEY.match(line))
    except StopIteration:
        raise TrainingDataFormatError(f"{path}: no `nlu:` line") from None
    starts = [i for i, line in enumerate(lines) if _ITEM_START.match(line)]
    if len(starts) != len(entries) or (starts and starts[0] <= nlu_line):
        raise TrainingDataFormatError(f"{path}: every item must start at column 0 with `- <kind>: <name>`")
    frame = FileFrame(path=path, preamble="".join(lines[: nlu_line + 1]))
    pending_comment = lines[nlu_line + 1 : starts[0]] if starts else []
    items = []
    for index, (start, entry) in enumerate(zip(starts, entries, strict=True)):
        end = starts[index + 1] if index + 1 < len(starts) else len(lines)
        _body, filler = _split_trailing_filler(lines[start:end])
        kind = next(k for k in NLU_KINDS if k in entry)
        where = f"{path}: {kind} {entry[kind]}"
        extra = {k: v for k, v in entry.items() if k not in (kind, "examples")}
        items.append(
            Item(
                kind=kind,
                name=str(entry[kind]),
                source_file=path,
                examples=_examples(entry.get("examples"), where),
                body=extra,
                comment="".join(pending_comment),
            )
        )
        pending_comment = filler
    if not starts and lines[nlu_line + 1 :]:
        pending_comment = lines[nlu_line + 1 :]
    frame.trailer = "".join(pending_comment)
    return frame, items


def parse_domain(text: str, path: str = DOMAIN_PATH) -> tuple[FileFrame, list[Item]]:
    data = yaml.safe_load(text) or {}
    responses: dict[str, Any] = data.get("responses") or {}
    lines = text.splitlines(keepends=True)
    try:
        start = next(i for i, line in enumerate(lines) if _RESPONSES_KEY.match(line))
    except StopIteration:
        return FileFrame(path=path, preamble=text + ("" if text.endswith("\n") else "\n") + "responses:\n"), []
    end = next((i for i in range(start + 1, len(lines)) if _TOP_LEVEL_KEY.match(lines[i])), len(lines))
    section, filler = _split_trailing_filler(lines[start + 1 : end])
    keys = [i for i, line in enumerate(section) if _RESPONSE_KEY.match(line)]
    names = [next(iter(yaml.safe_load(section[i]) or {None: None})) for i in keys]
    if names != list(responses):
        raise TrainingDataFormatError(f"{path}: responses must be keys indented by two spaces, one per line")
    items = []
    pending_comment = section[: keys[0]] if keys else section
    for index, (key_line, name) in enumerate(zip(keys, names, strict=True)):
        block_end = keys[index + 1] if index + 1 < len(keys) else len(section)
        block, next_comment = _split_trailing_filler(section[key_line:block_end])
        items.append(
            Item(
                kind="response",
                name=str(name),
                source_file=path,
                body={"variations": responses[name]},
                comment="".join(pending_comment),
                raw="".join(block),
            )
        )
        pending_comment = next_comment
    frame = FileFrame(
        path=path,
        preamble="".join(lines[: start + 1]),
        trailer="".join(pending_comment) + "".join(filler) + "".join(lines[end:]),
    )
    return frame, items


# --- writing ---------------------------------------------------------------


class _IndentedDumper(yaml.SafeDumper):
    """Lists indented under their key, as the repository writes them."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


class _Quoted(str):
    """A string value written in double quotes, as the domain writes its texts."""


_IndentedDumper.add_representer(
    _Quoted, lambda dumper, value: dumper.represent_scalar("tag:yaml.org,2002:str", str(value), style='"')
)


def _quote_values(value: Any) -> Any:
    if isinstance(value, str):
        return _Quoted(value)
    if isinstance(value, list):
        return [_quote_values(v) for v in value]
    if isinstance(value, dict):
        return {k: _quote_values(v) for k, v in value.items()}
    return value


def _dump(value: Any, quoted: bool = False) -> str:
    return yaml.dump(
        _quote_values(value) if quoted else value,
        Dumper=_IndentedDumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=10_000,
    )


def _scalar(name: str) -> str:
    if _PLAIN_NAME.match(name) and yaml.safe_load(name) == name:
        return name
    return json.dumps(name, ensure_ascii=False)


def _indent(text: str, spaces: int) -> str:
    pad = " " * spaces
    return "".join(pad + line if line.strip() else line for line in text.splitlines(keepends=True))


def render_nlu_item(item: Item) -> str:
    out = [item.comment, f"- {item.kind}: {_scalar(item.name)}\n"]
    if item.body:
        out.append(_indent(_dump(item.body), 2))
    out.append("  examples: |\n")
    out.extend(f"    - {example}\n" for example in item.examples)
    return "".join(out)


def render_nlu_file(frame: FileFrame, items: list[Item]) -> str:
    return frame.preamble + "".join(render_nlu_item(item) for item in items) + frame.trailer


def render_response(item: Item) -> str:
    return _indent(_dump({item.name: _quote_values(item.body.get("variations") or [])}), 2)


def render_domain(frame: FileFrame, items: list[Item]) -> str:
    """Original YAML for untouched responses; if that breaks an alias, all in full."""
    text = frame.preamble + "".join(item.comment + (item.raw or render_response(item)) for item in items)
    text += frame.trailer
    try:
        yaml.safe_load(text)
    except yaml.YAMLError:
        text = frame.preamble + "".join(item.comment + render_response(item) for item in items) + frame.trailer
    return text


def render_files(frames: dict[str, FileFrame], items: list[Item]) -> dict[str, str]:
    """Every file that has items (the domain always), keyed by its relative path."""
    by_file: dict[str, list[Item]] = {}
    for item in items:
        by_file.setdefault(item.source_file, []).append(item)
    out: dict[str, str] = {}
    for path in sorted(frames):
        frame = frames[path]
        if path == DOMAIN_PATH:
            out[path] = render_domain(frame, by_file.get(path, []))
        elif by_file.get(path):
            out[path] = render_nlu_file(frame, by_file[path])
    return out


def parse_files(files: dict[str, str]) -> tuple[dict[str, FileFrame], list[Item]]:
    frames: dict[str, FileFrame] = {}
    items: list[Item] = []
    for path in sorted(files):
        frame, found = parse_domain(files[path], path) if path == DOMAIN_PATH else parse_nlu_file(path, files[path])
        frames[path] = frame
        items.extend(found)
    return frames, items
