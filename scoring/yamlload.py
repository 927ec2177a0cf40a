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
duplicate keys, unknown tags, alias bombs and absurd nesting.  Every problem
libyaml reports is said in Chinese, located, with what to change.

`open_regular` is how a file is read: only a regular file, opened without
blocking, never more than the size cap (a FIFO or /dev/zero is refused).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from .diagnostics import Diagnostics, Where
from .fileio import open_regular
from .values import ambiguous_comma

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


class _TooDeep(Exception):
    """Nesting passed MAX_DEPTH; carries the deepest node reached (or its parent)."""

    def __init__(self, node):
        super().__init__()
        self.node = node


class _DepthLoader(_NoGuessLoader):
    """The same loader, refusing any node more than MAX_DEPTH levels below the top (the top is level 0).

    The composer (libyaml's, in C, and PyYAML's) calls `descend_resolver` before it recurses
    into each node, so nesting is refused exactly where it happens, whatever made it: brackets,
    indentation, `- - -` runs or `? ? ?` keys; brackets inside quotes, comments and block
    scalars never count.  libyaml's scanner and parser keep explicit stacks: only the composer
    recurses, and here never more than MAX_DEPTH + 2 frames.  Counting costs about a fifth of
    the composing time, so it is used only when `_may_nest_deep` cannot rule deep nesting out."""

    _depth = 0

    def descend_resolver(self, current_node, current_index):
        self._depth += 1  # the nodes on the path, this one included: its level + 1
        if self._depth > MAX_DEPTH + 1:
            raise _TooDeep(current_index if isinstance(current_index, yaml.Node) else current_node)

    def ascend_resolver(self):
        self._depth -= 1


# Whether a text may nest deeper than MAX_DEPTH, from a few substring searches (in C) instead of
# counting on every node.  A sound bound, so both loaders refuse exactly the same texts:
# - flow collections enclosing a node: at most one per `{`, two per `[` (`[a: [b: c]]` holds
#   a one-pair mapping without braces);
# - block collections: a nested one starts at a greater column than its parent, or at the same
#   column only for a list under a mapping key, so at most two per column of indentation; and
#   on one line, after the indentation, at most two more (`- key:`, `: - key:`) unless the line
#   holds a run like `- -`, `- ?` or `? ?`, which sends the text to the counting loader.
# A line is any of libyaml's line breaks: LF, CR, NEL, LS, PS.
_SHALLOW_INDENT = 24
_PAD = " " * _SHALLOW_INDENT
_BREAKS = ("\n", "\r", "\x85", "\u2028", "\u2029")
_FLOW_BUDGET = MAX_DEPTH - (2 * _SHALLOW_INDENT + 2)
# Two patterns, each opening with a literal: a character class first would make the search 10 times slower.
_DASH_RUN = re.compile(r"-[ \t]+[-?]")
_QUERY_RUN = re.compile(r"\?[ \t]+[-?]")


def _may_nest_deep(text: str) -> bool:
    if 2 * text.count("[") + text.count("{") > _FLOW_BUDGET:
        return True
    if text.startswith(_PAD) or any(brk in text and brk + _PAD in text for brk in _BREAKS):
        return True
    return _DASH_RUN.search(text) is not None or ("?" in text and _QUERY_RUN.search(text) is not None)


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
    _keys: dict | None = field(default=None, repr=False, compare=False)  # mapping node id -> {key: (key, value)}
    _leaves: tuple | None = field(default=None, repr=False, compare=False)

    def leaves(self) -> tuple[list[str], list[Decimal]]:
        """Every text (mapping keys too) and every number of the data, in no order, gathered once: the limits
        stage and the check for invisible characters both scan them, for every file of a batch."""
        if self._leaves is None:
            texts: list[str] = []
            numbers: list[Decimal] = []
            stack = [self.data]
            pop, push = stack.pop, stack.extend
            while stack:
                node = pop()
                kind = type(node)
                if kind is dict:
                    push(node)  # its keys
                    push(node.values())
                elif kind is list:
                    push(node)
                elif kind is str:
                    texts.append(node)
                elif kind is Decimal:
                    numbers.append(node)
            self._leaves = (texts, numbers)
        return self._leaves

    def position(self, path: Path_, key: bool = False) -> tuple[int | None, int | None]:
        """The position of `path`, or of its nearest written ancestor."""
        path = tuple(path)
        if self.root is not None:
            if self._keys is None:
                self._keys = {}
            return _node_position(self.root, path, key, self._keys)
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


def _node_position(root, path: tuple, key: bool, keys: dict) -> tuple[int, int]:
    """Walk the node tree along `path`; stop at the nearest ancestor when a step is not there.

    Positions are looked up only for the values a diagnostic names, so they are not recorded
    for every node while loading; a mapping asked about is indexed once (`keys`, by node), so a
    file with thousands of problems in one mapping costs linear time.  The first of duplicate
    keys is the one kept."""
    node = root
    for index, step in enumerate(path):
        if isinstance(node, yaml.MappingNode):
            table = keys.get(id(node))
            if table is None:
                table = keys[id(node)] = {}
                for k, v in node.value:
                    if isinstance(k, yaml.ScalarNode):
                        table.setdefault(k.value, (k, v))
            pair = table.get(step)
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
    if ambiguous_comma(text):
        return text, None  # 「22，873」: a thousands separator or a decimal point? the value stage asks (V515)
    folded = unicodedata.normalize("NFKC", text).replace("，", ",")
    if folded != text and (_NUMBER.match(folded) or _GROUPED.match(folded)):
        return Decimal(folded.replace(",", "")), folded
    return text, None


def load_text(text: str, file: str, diags: Diagnostics) -> Document | None:
    """Compose and type `text`. Problems go to `diags`; returns None if unusable."""
    lines = text.splitlines()
    _scan_lines(lines, file, diags, text)
    try:
        node = yaml.compose(text, Loader=_DepthLoader if _may_nest_deep(text) else _NoGuessLoader)
    except _TooDeep as exc:
        where = Where(file, *_mark(exc.node)) if exc.node is not None else Where(file, 1, 1)
        diags.add("Y103", where, problem=_TOO_DEEP)
        return None
    except yaml.MarkedYAMLError as exc:
        _report_syntax_error(exc, lines, file, diags)
        return None
    except (yaml.reader.ReaderError, UnicodeEncodeError):
        # A character YAML does not allow (NUL, ESC, a lone surrogate): libyaml gives a byte offset, not a line.
        _report_bad_character(text, file, diags)
        return None
    except yaml.YAMLError:
        diags.add("Y103", Where(file, 1, 1), problem=_UNPARSABLE)
        return None
    except RecursionError:  # not expected: the depth is bounded above; kept so a crash cannot be the answer
        diags.add("Y103", Where(file, 1, 1), problem=_TOO_DEEP)
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
    except _TooDeep as exc:  # aliases nesting their anchors, or an anchor holding itself: `a: &x [*x]`
        diags.add("Y103", Where(file, *_mark(exc.node)), problem=_ALIAS_TOO_DEEP)
        return None
    if not isinstance(doc.data, dict):
        diags.add("Y109", Where(file, 1, 1))
        return None
    return doc


def load_file(path: str | Path, diags: Diagnostics, max_bytes: int = MAX_FILE_BYTES) -> Document | None:
    """Read `path` (a regular file, size-bounded, UTF-8 with or without BOM) and load it strictly."""
    raw = open_regular(path, max_bytes, diags)
    if raw is None:
        return None
    return load_bytes(raw, str(path), diags)


def load_bytes(raw: bytes, file: str, diags: Diagnostics) -> Document | None:
    """Decode `raw` (UTF-8 with or without BOM) and load it strictly; `file` names it in messages."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        diags.add("Y102", Where(file, line), line=line)
        return None
    return load_text(text, file, diags)


class _TooManyNodes(Exception):
    pass


class _Builder:
    def __init__(self, doc: Document, diags: Diagnostics):
        self.doc = doc
        self.diags = diags
        self.count = 0
        self.depth = 0  # collections being built: the text nests at most MAX_DEPTH levels, aliases can nest deeper

    def where(self, node) -> Where:
        return Where(self.doc.file, node.start_mark.line + 1, node.start_mark.column + 1)

    def build(self, node) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise _TooManyNodes()
        kind = node.__class__
        if kind is yaml.ScalarNode:
            return self._scalar(node)
        self.depth += 1  # collections on the path, this one included: its level + 1
        if self.depth > MAX_DEPTH + 1:  # the composer refused deeper text, so only aliases get here
            raise _TooDeep(node)
        if kind is yaml.SequenceNode:
            self._check_tag(node, _SEQ)
            items = [self.build(child) for child in node.value]
            self.depth -= 1
            return items
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
        self.depth -= 1
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


_TOO_DEEP = f"嵌套超过 {MAX_DEPTH} 层，自评表和指标体系不会有这么多层：请检查括号「[」「{{」是否成对、缩进是否正确"
_ALIAS_TOO_DEEP = (f"别名（*引用）展开后嵌套超过 {MAX_DEPTH} 层，或锚点的内容里引用了它自己："
                   "请不要用锚点嵌套引用，直接写出内容")
_UNPARSABLE = "无法解析此处的内容"
_ESCAPE = "双引号里的反斜杠「\\」是转义符，这里的转义无效：含反斜杠的文字（如 Windows 路径）请改用单引号，或把「\\」写成「\\\\」"
_DIRECTIVE = "行首的「%」表示 YAML 指令，这里的指令无效：如果是文字，请给这段文字加引号；否则删除这一行"
_QUOTE_IN_VALUE = "请给这段文字加引号"

# libyaml's (and PyYAML's) messages, matched in order against "context\nproblem": the first
# phrase found wins, so rules naming a context (what was being read) come before the generic ones.
_PROBLEMS = [
    ("but found another document", "文件中有不止一个 YAML 文档：一个文件只能放一张表，请删除多余的「---」，或把文件拆成多个文件"),
    ("found duplicate anchor", "锚点重复定义：同一个「&名称」在文件中只能定义一次"),
    ("exceeded maximum nesting depth", _TOO_DEEP),
    ("found a tab character", "不能用制表符（Tab）缩进"),
    ("found character '\\t' that cannot start any token", "不能用制表符（Tab）缩进"),
    ("while scanning a quoted scalar", "引号没有闭合：从这里开始的引号直到{end}都没有配对的引号"),
    ("while scanning a double-quoted scalar", _ESCAPE),
    ("while parsing a quoted scalar", _ESCAPE),
    ("while scanning a block scalar", "以「|」或「>」开头的值会被当作多行文字块：像「>90%」这样的文字请加引号（写成 \">90%\"），或改用「＞」「≥」"),
    ("while scanning an alias", "以「*」开头的值会被当作引用（别名）：如果是文字，" + _QUOTE_IN_VALUE),
    ("while scanning an anchor", "以「&」开头的值会被当作锚点：如果是文字，" + _QUOTE_IN_VALUE),
    ("directive", _DIRECTIVE),
    ("duplicate tag handle", _DIRECTIVE),
    ("tag", "以「!」开头的值会被当作 YAML 标签：如果是文字，" + _QUOTE_IN_VALUE),
    ("found incompatible YAML document", "行首的「%YAML」指令写的版本不受支持：请删除这一行"),
    ("while parsing a flow node", "方括号「[ ]」或花括号「{ }」里缺少内容（如连续两个逗号「, ,」），或某项以「,」「]」「}」开头"),
    ("expected the node content", "此处缺少值，或值以「,」「]」「}」等符号开头：如果是文字，" + _QUOTE_IN_VALUE),
    ("did not find expected node content", "此处缺少值，或值以「,」「]」「}」等符号开头：如果是文字，" + _QUOTE_IN_VALUE),
    ("<document start>", "前面的内容已经结束，这里多出了内容：请检查这一行的缩进，或删除多余的「...」"),
    ("found unexpected ':'", "方括号或花括号里的文字含有冒号「:」：" + _QUOTE_IN_VALUE),
    ("could not find expected ':'", "找不到应有的冒号「: 」（键和值之间要用半角冒号加空格）"),
    ("mapping values are not allowed", "此处不允许出现「键: 值」（检查缩进，或给含冒号的文字加引号）"),
    ("mapping keys are not allowed", "此处不允许出现「? 」：以「?」开头的文字请加引号"),
    ("that cannot start any token", "含有不能出现在开头的字符（如 Tab、@、`），请检查缩进或给文字加引号"),
    ("sequence entries are not allowed", "此处不允许出现列表项「- 」（检查缩进）"),
    ("found undefined alias", "引用了未定义的锚点：「*名称」之前要先用「&名称」定义，如果是文字，" + _QUOTE_IN_VALUE),
    ("expected <block end>, but found", "缩进不一致"),
    ("found unexpected end of stream", "文件意外结束（引号或括号没有闭合）"),
    ("expected ',' or ']'", "方括号列表「[ ]」没有闭合，或项之间缺少逗号"),
    ("expected ',' or '}'", "花括号「{ }」没有闭合，或项之间缺少逗号"),
    ("did not find expected key", "缩进不一致，或某行缺少「键: 值」"),
    ("did not find expected '-' indicator", "列表项缩进不一致"),
    ("could not find expected", "缺少应有的符号（检查引号、括号和冒号）"),
]


def _translate_problem(problem: str, context: str = "") -> str:
    """A Chinese sentence for libyaml's English `problem` (and `context`); never the English itself."""
    text = f"{context}\n{problem}"
    for english, chinese in _PROBLEMS:
        if english in text:
            return chinese
    return _UNPARSABLE


def _report_syntax_error(exc: yaml.MarkedYAMLError, lines: list[str], file: str, diags: Diagnostics) -> None:
    """One located Y103 for libyaml's error, in Chinese, saying what to change."""
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else None
    col = mark.column + 1 if mark else None
    problem, context = exc.problem or "", exc.context or ""
    if "but found another document" in problem:
        line, found = _second_document(lines, line)
        begins = "这一行的「---」" if found else "这里"
        diags.add("Y103", Where(file, line, 1 if line else None),
                  problem=f"文件中有不止一个 YAML 文档（第二个文档从{begins}开始）：一个文件只能放一张表，"
                          "请删除多余的「---」，或把文件拆成多个文件")
        return
    if "expected ',' or ']'" in problem and exc.context_mark is not None:
        start = exc.context_mark
        opened = lines[start.line][start.column:] if start.line < len(lines) else ""
        interval = _RANGE_AS_LIST.match(opened)
        if interval:  # `range: [60%, 90%)`: a tier range taken for a list
            shown = interval.group(0)
            diags.add("Y103", Where(file, start.line + 1, start.column + 1),
                      problem=f"以「[」开头的值会被当作列表：「{shown}」这样的区间请加引号，写成 \"{shown}\"")
            return
    if _explain_fullwidth_near(lines, line, file, diags):
        return
    chinese = _translate_problem(problem, context)
    here = lines[line - 1] if line and line <= len(lines) else ""
    at = here[col - 1] if col and col <= len(here) else ""
    before = here[: col - 1].rstrip() if col else ""
    if "that cannot start any token" in problem and at == "\t":
        chinese = "不能用制表符（Tab）缩进"
    elif "that cannot start any token" in problem and at in "@`%" and at:
        chinese = f"「{at}」不能作为值的开头：{_QUOTE_IN_VALUE}"
    elif "did not find expected key" in problem and before[-1:] in ("\"", "'"):
        chinese = "引号后面还有文字：引号要把整个值括起来，请把整段文字放进引号里（如 \"≥90%以上\"）"
    elif "{end}" in chinese:  # an unclosed quote: point at the quote, and say where the search for its pair stopped
        end = "文件末尾" if "end of stream" in problem else f"第 {line} 行行首的「---」或「...」"
        chinese = chinese.format(end=end)
        if exc.context_mark is not None:
            line, col = exc.context_mark.line + 1, exc.context_mark.column + 1
    diags.add("Y103", Where(file, line, col), problem=chinese)


# A value opened with `[` that reads as an interval: `[60%, 90%)`, `{range: [0, 60), points: 0}`.
_RANGE_AS_LIST = re.compile(r"\[[^\[\]{}()\n]*\)")


def _second_document(lines: list[str], line: int | None) -> tuple[int | None, bool]:
    """The line of the `---` starting the second document (libyaml may point at a directive before it)."""
    if line is None:
        return None, False
    for number in range(line, min(len(lines), line + 50) + 1):
        if lines[number - 1].startswith("---"):
            return number, True
    return line, False


# What YAML allows in a file: TAB, LF, CR, printable ASCII, NEL and the rest of Unicode but
# surrogates, U+FFFE and U+FFFF (libyaml's reader.c and PyYAML's reader.py agree).
_NOT_ALLOWED = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _report_bad_character(text: str, file: str, diags: Diagnostics) -> None:
    match = _NOT_ALLOWED.search(text)
    if match is None:  # not expected: libyaml and we agree on what is allowed
        diags.add("Y103", Where(file, 1, 1), problem=_UNPARSABLE)
        return
    pos = match.start()
    line = text.count("\n", 0, pos) + 1
    col = pos - text.rfind("\n", 0, pos)
    code = ord(match.group())
    if code == 0:
        what = "空字符 NUL（U+0000）"
    elif code < 0x20 or 0x7F <= code <= 0x9F:
        what = f"控制字符 U+{code:04X}"
    else:
        what = f"不允许的字符 U+{code:04X}"
    count = len(_NOT_ALLOWED.findall(text))
    more = f"（全文共 {count} 处）" if count > 1 else ""
    if code == 0 and text.count("\x00") * 4 >= len(text):
        advice = "文件可能是 UTF-16（“Unicode”）编码：请用 UTF-8 编码另存"
    else:
        advice = "文件可能已损坏，或不是文本文件（如改了扩展名的 Excel、Word 文件）：请用文本编辑器打开，删除该字符后保存"
    diags.add("Y103", Where(file, line, col), problem=f"含有{what}{more}，YAML 文件中不允许出现；{advice}")
