"""Strict YAML loading.

PyYAML implements YAML 1.1 and guesses types: `no` becomes False, `0102`
becomes 66, `1:10` becomes 70, `2021-12-31` becomes a date, and duplicate keys
silently overwrite each other.  We compose the node tree with every implicit
resolver removed and type the plain scalars ourselves:

- `true`/`false` are booleans and `~`/`null`/empty are None; nothing else is;
- decimal numbers (optionally with thousands separators) become `Decimal`,
  built from the source text; leading zeros, `1:10`, `1e5` stay strings;
- everything else is a string.

Walking the node tree also gives us the line and column of every value, which
the schema stage needs for `file:line:col` messages, and lets us reject
duplicate keys, unknown tags and alias bombs.
"""
from __future__ import annotations

import errno
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from .diagnostics import Diagnostics, Where

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_NODES = 200_000
MAX_DEPTH = 100

Path_ = tuple  # a path into the loaded data: keys and list indexes


class _NoGuessLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """Safe loader (libyaml's C parser when available) resolving every plain scalar to a string tag."""


_PLAIN = "tag:jixiao,2026:plain"  # a private tag marks plain scalars, so an explicit !!str is still honoured
_NoGuessLoader.yaml_implicit_resolvers = {}
_NoGuessLoader.add_implicit_resolver(_PLAIN, re.compile(r".*", re.DOTALL), None)

_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"


def _resolve(self, kind, value, implicit):
    """What the resolver above decides, without a regex per scalar (the composer asks for every one)."""
    if kind is yaml.ScalarNode:
        return _PLAIN if implicit[0] else _STR
    return _SEQ if kind is yaml.SequenceNode else _MAP


_NoGuessLoader.resolve = _resolve
# We register no path resolvers; the composer still calls these for every node.
_NoGuessLoader.descend_resolver = lambda self, current_node, current_index: None
_NoGuessLoader.ascend_resolver = lambda self: None

_NUMBER = re.compile(r"^[-+]?(0|[1-9][0-9]*)(\.[0-9]+)?$")
_GROUPED = re.compile(r"^[-+]?[1-9][0-9]{0,2}(,[0-9]{3})+(\.[0-9]+)?$")
_NULLS = {"", "~", "null", "Null", "NULL"}
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
# An English key followed by a full-width colon: `weight：5`, `- name：办公设备`.
_FULLWIDTH_KEY = re.compile(r"^(\s*(?:-\s+)?)([A-Za-z_][A-Za-z0-9_]*)(\s*)：\s*")
# Any short word followed by a full-width colon, checked only where YAML failed.
_FULLWIDTH_ANY = re.compile(r"^(\s*(?:-\s+)?)([^\s:：#'\"][^:：#]{0,30}?)(\s*)：\s*")


@dataclass
class Document:
    """Loaded YAML: the data plus where each part of it was written."""
    file: str
    data: Any
    positions: dict = field(default_factory=dict)      # path -> (line, col) of the value
    key_positions: dict = field(default_factory=dict)  # path -> (line, col) of the key
    sheet: str | None = None  # read from a spreadsheet: positions are (row, column) in this sheet
    root: Any = None  # read from YAML: the node tree, walked only when a position is asked for

    def position(self, path: Path_, key: bool = False) -> tuple[int | None, int | None]:
        """The position of `path`, or of its nearest written ancestor."""
        path = tuple(path)
        if self.root is not None:
            return _node_position(self.root, path, key)
        table = self.key_positions if key else self.positions
        while True:
            if path in table:
                return table[path]
            if path in self.positions:
                return self.positions[path]
            if not path:
                return (None, None)
            path = path[:-1]


_MAYBE_NUMBER = frozenset("0123456789+-.,") | frozenset(chr(c) for c in range(0xFF01, 0xFF5F))


def _mark(node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _node_position(root, path: tuple, key: bool) -> tuple[int, int]:
    """Walk the node tree along `path`; stop at the nearest ancestor when a step is not there.

    Positions are looked up only for the few values a diagnostic names, so they are not
    recorded for every node while loading.  The first of duplicate keys is the one kept."""
    node = root
    for index, step in enumerate(path):
        if isinstance(node, yaml.MappingNode):
            pair = next(((k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == step), None)
            if pair is None:
                break
            if key and index == len(path) - 1:
                return _mark(pair[0])
            node = pair[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
            node = node.value[step]
        else:
            break
    return _mark(node)


def type_plain_scalar(text: str) -> tuple[Any, str | None]:
    """Type a plain (unquoted) scalar. Returns (value, normalized text if full-width was folded)."""
    if text and text[0] not in _MAYBE_NUMBER and text not in _BOOLS and text not in _NULLS:
        return text, None  # the common case: words
    if text in _NULLS:
        return None, None
    if text in _BOOLS:
        return _BOOLS[text], None
    if _NUMBER.match(text):
        return Decimal(text), None
    if _GROUPED.match(text):
        return Decimal(text.replace(",", "")), None
    # Only full-width forms (０-９ ． ， ＋ －) fold into numbers; ①③ must stay text.
    if not all(ch in "0123456789.,+-" or "\uff01" <= ch <= "\uff5e" for ch in text):
        return text, None
    folded = unicodedata.normalize("NFKC", text).replace("，", ",")
    if folded != text and (_NUMBER.match(folded) or _GROUPED.match(folded)):
        return Decimal(folded.replace(",", "")), folded
    return text, None


def load_text(text: str, file: str, diags: Diagnostics) -> Document | None:
    """Compose and type `text`. Problems go to `diags`; returns None if unusable."""
    lines = text.splitlines()
    _scan_lines(lines, file, diags, text)
    deep_line = _too_deep(text)
    if deep_line is not None:
        # libyaml's composer recurses in C: refuse absurd nesting before it can crash.
        diags.add("Y103", Where(file, deep_line), problem=f"嵌套层次过深（超过 {MAX_DEPTH} 层）")
        return None
    try:
        node = yaml.compose(text, Loader=_NoGuessLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        col = mark.column + 1 if mark else None
        if not _explain_fullwidth_near(lines, line, file, diags):
            problem = _translate_problem(exc.problem or exc.context or "")
            diags.add("Y103", Where(file, line, col), problem=problem)
        return None
    except yaml.YAMLError as exc:
        diags.add("Y103", Where(file), problem=str(exc))
        return None
    except RecursionError:
        diags.add("Y103", Where(file), problem="嵌套层次过深")
        return None
    doc = Document(file=file, data=None, root=node)
    if node is None:
        diags.add("Y109", Where(file, 1, 1))
        return None
    builder = _Builder(doc, diags)
    try:
        doc.data = builder.build(node)
    except _TooManyNodes:
        diags.add("Y107", Where(file, node.start_mark.line + 1, node.start_mark.column + 1), limit=MAX_NODES)
        return None
    except RecursionError:
        diags.add("Y103", Where(file), problem="嵌套层次过深")
        return None
    if not isinstance(doc.data, dict):
        diags.add("Y109", Where(file, 1, 1))
        return None
    return doc


def load_file(path: str | Path, diags: Diagnostics, max_bytes: int = MAX_FILE_BYTES) -> Document | None:
    """Read `path` (size-bounded, UTF-8 with or without BOM) and load it strictly."""
    path = Path(path)
    name = str(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            diags.add("Y101", Where(name), size=size, limit=max_bytes)
            return None
        with path.open("rb") as fh:
            raw = fh.read(max_bytes + 1)
    except OSError as exc:
        diags.add("Y100", Where(name), reason=_OS_REASONS.get(exc.errno, exc.strerror or str(exc)))
        return None
    if len(raw) > max_bytes:
        diags.add("Y101", Where(name), size=len(raw), limit=max_bytes)
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        diags.add("Y102", Where(name, line), line=line)
        return None
    return load_text(text, name, diags)


_OS_REASONS = {errno.ENOENT: "文件不存在", errno.EACCES: "没有读取权限", errno.EPERM: "没有读取权限",
               errno.EISDIR: "这是一个目录，不是文件"}


class _TooManyNodes(Exception):
    pass


class _Builder:
    def __init__(self, doc: Document, diags: Diagnostics):
        self.doc = doc
        self.diags = diags
        self.count = 0

    def where(self, node) -> Where:
        return Where(self.doc.file, node.start_mark.line + 1, node.start_mark.column + 1)

    def build(self, node) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise _TooManyNodes()
        kind = node.__class__
        if kind is yaml.ScalarNode:
            return self._scalar(node)
        if kind is yaml.SequenceNode:
            self._check_tag(node, _SEQ)
            return [self.build(child) for child in node.value]
        self._check_tag(node, _MAP)
        result: dict = {}
        first_lines: dict = {}
        for key_node, value_node in node.value:
            key = self._scalar(key_node) if key_node.__class__ is yaml.ScalarNode else None
            if isinstance(key, Decimal):
                key = key_node.value  # numeric-looking keys (years, codes) are names
            if not isinstance(key, str):
                shown = {yaml.SequenceNode: "列表", yaml.MappingNode: "键值表"}.get(type(key_node)) or key_node.value or "（空）"
                self.diags.add("Y111", self.where(key_node), key=shown[:40])
                continue
            if key in result:
                self.diags.add("Y104", self.where(key_node), key=key, first_line=first_lines[key])
                continue
            first_lines[key] = key_node.start_mark.line + 1
            result[key] = self.build(value_node)
        return result

    def _check_tag(self, node, default: str) -> None:
        if node.tag != default:
            self.diags.add("Y110", self.where(node), tag=node.tag)

    def _scalar(self, node) -> Any:
        if node.tag == _STR:  # quoted, block, or explicitly tagged !!str: always text
            return node.value
        if node.tag != _PLAIN:
            self.diags.add("Y110", self.where(node), tag=node.tag)
            return node.value
        value, folded = type_plain_scalar(node.value)
        if folded is not None:
            self.diags.add("Y108", self.where(node), raw=node.value, normalized=folded)
        return value


_DASH_RUN = re.compile(r"-[ \t]+-")
_DEEP_INDENT = "\n" + " " * (2 * MAX_DEPTH)


def _too_deep(text: str) -> int | None:
    """The line where nesting first exceeds MAX_DEPTH (flow brackets, indentation or `- - -`), else None."""
    if text.count("[") + text.count("{") <= MAX_DEPTH and not _DASH_RUN.search(text) \
            and _DEEP_INDENT not in "\n" + text[:2 * MAX_DEPTH] and _DEEP_INDENT not in text:
        return None  # too few brackets to nest that deep, no `- - -` runs, no deep indentation: the usual file
    depth = 0
    for match in re.finditer(r"[\[\]{}]", text):
        depth += 1 if match.group(0) in "[{" else -1
        if depth > MAX_DEPTH:
            return text.count("\n", 0, match.start()) + 1
    for pattern in (r"^ {%d,}\S" % (2 * MAX_DEPTH), r"(?:-[ \t]+){%d,}" % MAX_DEPTH):
        match = re.search(pattern, text, re.MULTILINE)
        if match:
            return text.count("\n", 0, match.start()) + 1
    return None


_FULLWIDTH_KEY_FROM = re.compile(r"[ \t\u3000]*(?:-\s+)?[A-Za-z_][A-Za-z0-9_]*\s*：")


def _scan_needed(text: str) -> bool:
    """Whether any line can hold a trap: a tab or full-width space, or an English key before `：`.
    Substring searches run in C; Chinese values often contain `：`, so only those lines are looked at."""
    if "\t" in text or "\u3000" in text:
        return True
    at = text.find("：")
    while at != -1:
        if _FULLWIDTH_KEY_FROM.match(text, text.rfind("\n", 0, at) + 1):
            return True
        at = text.find("：", at + 1)
    return False


def _scan_lines(lines: list[str], file: str, diags: Diagnostics, text: str | None = None) -> None:
    """Line-level traps YAML itself does not explain: full-width indentation and `key：`."""
    if text is not None and not _scan_needed(text):
        return  # nothing to find: skip the line-by-line walk
    in_block = None  # indentation of an open block scalar (| or >)
    for number, line in enumerate(lines, start=1):
        stripped = line.lstrip(" ")
        indent = len(line) - len(stripped)
        if in_block is not None:
            if stripped == "" or indent > in_block:
                continue
            in_block = None
        leading = re.match(r"^[ \t\u3000]*", line).group(0)
        if "\u3000" in leading:
            diags.add("Y106", Where(file, number, leading.index("\u3000") + 1), what="全角空格")
        elif "\t" in leading and line.strip():
            diags.add("Y106", Where(file, number, leading.index("\t") + 1), what="制表符（Tab）")
        match = _FULLWIDTH_KEY.match(line)
        if match:
            _add_fullwidth(diags, file, number, match)
        if re.search(r":\s*[|>][-+0-9]*\s*(#.*)?$", line):
            in_block = indent


def _add_fullwidth(diags: Diagnostics, file: str, number: int, match: re.Match) -> None:
    prefix, key = match.group(1), match.group(2)
    col = len(prefix) + len(key) + len(match.group(3)) + 1
    diags.add("Y105", Where(file, number, col), text=f"{key}{match.group(3)}：", fixed=f"{key}: ")


def _explain_fullwidth_near(lines: list[str], line: int | None, file: str, diags: Diagnostics) -> bool:
    """After a YAML error, look for a `词：` line near it: that is the usual cause."""
    if line is None:
        return False
    already = {d.line for d in diags if d.code == "Y105"}
    for number in (line, line - 1, line + 1, line - 2):
        if 1 <= number <= len(lines):
            if number in already:
                return True
            match = _FULLWIDTH_ANY.match(lines[number - 1])
            if match:
                _add_fullwidth(diags, file, number, match)
                return True
    return False


_PROBLEMS = [
    ("could not find expected ':'", "找不到应有的冒号「: 」（键和值之间要用半角冒号加空格）"),
    ("mapping values are not allowed", "此处不允许出现「键: 值」（检查缩进，或给含冒号的文字加引号）"),
    ("found character '\\t' that cannot start any token", "不能用制表符（Tab）缩进"),
    ("found character that cannot start any token", "含有不能出现在开头的字符（如 Tab、@、`），请检查缩进或给文字加引号"),
    ("block sequence entries are not allowed", "此处不允许出现列表项「- 」（检查缩进）"),
    ("found undefined alias", "引用了未定义的锚点"),
    ("expected <block end>, but found", "缩进不一致"),
    ("found duplicate anchor", "锚点重复定义"),
    ("while scanning a quoted scalar", "引号没有闭合"),
    ("found unexpected end of stream", "文件意外结束（引号或括号没有闭合）"),
    ("found unacceptable character", "含有不可打印的控制字符"),
    ("expected ',' or ']'", "方括号列表「[ ]」没有闭合，或项之间缺少逗号"),
    ("expected ',' or '}'", "花括号「{ }」没有闭合，或项之间缺少逗号"),
    ("did not find expected key", "缩进不一致，或某行缺少「键: 值」"),
    ("did not find expected '-' indicator", "列表项缩进不一致"),
    ("found a tab character", "不能用制表符（Tab）缩进"),
    ("could not find expected", "缺少应有的符号（检查引号、括号和冒号）"),
]


def _translate_problem(problem: str) -> str:
    for english, chinese in _PROBLEMS:
        if english in problem:
            return chinese
    return f"无法解析（{problem}）"
