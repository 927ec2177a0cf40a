"""Untrusted text made safe to show: on a terminal, and in the attachments we generate.

A unit name is text from a department; it can carry characters that are not
meant to be seen.  An ESC starts an ANSI/OSC sequence that clears the screen,
moves the cursor or sets the window title, so `jixiao score` printing the name
would print whatever the sender wanted; U+202E (right-to-left override) shows
「摘要」 as something else; zero-width characters make two names look alike.

- `terminal_safe`: each such character as a visible escape (`\\u001b`), so
  nothing is interpreted; inside a JSON string literal the escape means the same
  character, so `--format json` stays valid JSON with the same data.
- `strip_invisible`: the characters deleted, for attachments (HTML, PDF, Excel,
  Word, Markdown, CSV).
- `find_invisible`: the characters named in Chinese, for V511.
- `SafeStream`: a text stream writing `terminal_safe(s)`; the CLI puts it on
  sys.stdout and sys.stderr.

What counts as invisible (`INVISIBLE`):

- C0 controls except TAB and LF; a CR immediately followed by LF is a line break
  (Excel and CSV cells, Windows files) and is neither reported nor escaped;
  `strip_invisible` removes it, leaving the LF.  A lone CR is reported: on a
  terminal it returns to the start of the line and lets later text overwrite it.
- DEL and the C1 controls U+0080–U+009F (U+009B and U+009D are the one-byte CSI
  and OSC that some terminals obey).
- Bidirectional controls: U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069.
- U+2028 and U+2029 (line and paragraph separators; some viewers break lines,
  JavaScript does not).
- Zero-width and invisible format characters: U+00AD (soft hyphen), U+034F,
  U+115F, U+1160, U+3164, U+FFA0 (Hangul fillers, used to make blank-looking
  names), U+200B–U+200D, U+2060–U+2065, U+206A–U+206F, U+FEFF anywhere inside
  text (a byte order mark at the start of a file is removed by the loaders
  before text is read), U+FFF9–U+FFFB (interlinear annotation), and the tag
  characters U+E0000–U+E007F (invisible ASCII look-alikes).
  U+200B–U+200D are included: Chinese text never needs them, they most often
  arrive by copy and paste from web pages, and they make 「办公设备」 and
  「办公\u200b设备」 different names.  The cost is that a ZWJ inside an emoji
  sequence (👨‍👩‍👧) is reported and removed, leaving the single emoji: acceptable
  for budget tables.
- Lone surrogates U+D800–U+DFFF: not characters at all (they come from file names
  Python could not decode); no output encoding can store them.

Not included, on purpose: variation selectors (U+FE00–U+FE0F, U+E0100–U+E01EF:
they choose a glyph for the character before them, including CJK ideographic
variants used in personal and place names); the Mongolian free variation
selectors and vowel separator (U+180B–U+180F) and other script-specific format
characters (Arabic number signs, Khmer, Kaithi), which belong to real writing;
ordinary spaces such as U+3000 and U+00A0, which are visible as space;
private-use characters and unassigned code points.
"""
from __future__ import annotations

import codecs
import re
from typing import TextIO

# (first, last) code point ranges, inclusive; the regexes and INVISIBLE come from here.
_RANGES: tuple[tuple[int, int], ...] = (
    (0x0000, 0x0008), (0x000B, 0x001F),      # C0 except TAB (09) and LF (0A); CR (0D) included
    (0x007F, 0x009F),                        # DEL and C1
    (0x00AD, 0x00AD),                        # soft hyphen
    (0x034F, 0x034F),                        # combining grapheme joiner
    (0x061C, 0x061C),                        # Arabic letter mark
    (0x115F, 0x1160),                        # Hangul fillers
    (0x200B, 0x200F),                        # zero-width space, ZWNJ, ZWJ, LRM, RLM
    (0x2028, 0x202E),                        # line/paragraph separators, LRE RLE PDF LRO RLO
    (0x2060, 0x206F),                        # word joiner, invisible operators, isolates, deprecated format
    (0x3164, 0x3164),                        # Hangul filler
    (0xD800, 0xDFFF),                        # lone surrogates
    (0xFEFF, 0xFEFF),                        # zero-width no-break space (BOM inside text)
    (0xFFA0, 0xFFA0),                        # halfwidth Hangul filler
    (0xFFF9, 0xFFFB),                        # interlinear annotation
    (0xE0000, 0xE007F),                      # tags
)

INVISIBLE: frozenset[str] = frozenset(chr(c) for first, last in _RANGES for c in range(first, last + 1))


def _class(ranges) -> str:
    parts = []
    for first, last in ranges:
        parts.append(re.escape(chr(first)) if first == last else f"{re.escape(chr(first))}-{re.escape(chr(last))}")
    return "[" + "".join(parts) + "]"


# Every invisible character, CR included; a CR before LF is let through by the callers below.
_ANY = re.compile(_class(_RANGES))

NAMES = {
    0x00: "空字符", 0x07: "响铃", 0x08: "退格", 0x0B: "垂直制表符", 0x0C: "换页符", 0x0D: "回车符",
    0x1B: "ESC，终端控制序列", 0x7F: "删除符", 0x85: "下一行", 0x9B: "CSI，终端控制序列", 0x9D: "OSC，终端控制序列",
    0xAD: "软连字符", 0x034F: "组合用字形连接符", 0x061C: "阿拉伯字母标记", 0x115F: "朝鲜文填充符",
    0x1160: "朝鲜文填充符", 0x3164: "朝鲜文填充符", 0xFFA0: "朝鲜文填充符",
    0x200B: "零宽空格", 0x200C: "零宽不连字", 0x200D: "零宽连字", 0x200E: "从左向右标记", 0x200F: "从右向左标记",
    0x2028: "行分隔符", 0x2029: "段分隔符", 0x202A: "从左向右嵌入", 0x202B: "从右向左嵌入",
    0x202C: "取消方向格式", 0x202D: "从左向右覆盖", 0x202E: "从右向左覆盖", 0x2060: "词连接符",
    0x2066: "从左向右隔离", 0x2067: "从右向左隔离", 0x2068: "首字决定方向隔离", 0x2069: "取消方向隔离",
    0xFEFF: "零宽不换行空格", 0xFFF9: "行间注释", 0xFFFA: "行间注释", 0xFFFB: "行间注释",
}


def _escape(ch: str) -> str:
    """`\\u001b`; beyond the BMP the UTF-16 surrogate pair (`\\udb40\\udc01`), which JSON reads as the same
    character (JSON has no `\\U0010ffff` form)."""
    code = ord(ch)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def _escaped(match: re.Match) -> str:
    ch = match.group()
    if ch == "\r" and match.string.startswith("\n", match.end()):
        return ch  # CRLF: a line break
    return _escape(ch)


def terminal_safe(text: str) -> str:
    """`text` with every invisible character (ESC, C1, bidi controls, zero-width, lone surrogates...) shown as a
    `\\u001b`-style escape; TAB, LF and CRLF kept. Inside a JSON string literal the result is still valid JSON
    meaning the same string."""
    if _ANY.search(text) is None:  # the usual case: one failed search, the same object back
        return text
    return _ANY.sub(_escaped, text)


def strip_invisible(text: str) -> str:
    """`text` without its invisible characters (the CR of a CRLF too, leaving the LF), for attachments."""
    if _ANY.search(text) is None:
        return text
    return _ANY.sub("", text)


_NAME_ESCAPES = re.compile(_class(_RANGES)[:-1] + "\n\t]")


def escaped_name(text: str) -> str:
    """A file name shown unambiguously: an undecodable byte (kept by surrogateescape) as `\\xff`, every
    invisible character, LF and TAB as `\\u000a`-style escapes, and a backslash doubled, so a name
    holding a literal `\\xff` is told apart from one holding the byte."""
    if _NAME_ESCAPES.search(text) is None and "\\" not in text:
        return text
    return _NAME_ESCAPES.sub(_escaped_in_name, text.replace("\\", "\\\\"))


def _escaped_in_name(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else _escape(match.group())


def replace_invisible(text: str, by: str = "_") -> str:
    """`text` with each invisible character (LF and TAB too) replaced by `by`: for names of files we write."""
    if _NAME_ESCAPES.search(text) is None:
        return text
    return _NAME_ESCAPES.sub(by, text)


def _found(text: str):
    for match in _ANY.finditer(text):
        ch = match.group()
        if ch == "\r" and text.startswith("\n", match.end()):
            continue
        yield ch


def has_invisible(text: str) -> bool:
    """Whether `find_invisible(text)` would name anything (a CRLF line break alone does not count)."""
    match = _ANY.search(text)
    if match is None:
        return False
    return next(_found(text[match.start():]), None) is not None


def char_name(ch: str) -> str:
    """「U+202E（从右向左覆盖）」, or 「U+E0041」 for the rare ones."""
    code = ord(ch)
    digits = f"U+{code:04X}"
    if code in NAMES:
        return f"{digits}（{NAMES[code]}）"
    if 0xD800 <= code <= 0xDFFF:
        return f"{digits}（无效的代理字符）"
    if code < 0x20 or 0x80 <= code <= 0x9F:
        return f"{digits}（控制字符）"
    return digits


def find_invisible(text: str) -> list[str]:
    """The invisible characters of `text` named for a message, each once, in order of first appearance."""
    if _ANY.search(text) is None:
        return []
    seen: dict[str, None] = {}
    for ch in _found(text):
        seen.setdefault(ch)
    return [char_name(ch) for ch in seen]


class SafeStream:
    """A text stream that writes `terminal_safe(s)` to the stream it wraps; everything else is the wrapped
    stream's (flush, isatty, encoding, fileno, buffer...).  Bytes written to `.buffer` pass unchanged:
    binary output (an .xlsx piped to a file) is not text to escape.

    A stream configured as ASCII (PYTHONIOENCODING=ascii) would make click write around this wrapper, straight
    to `.buffer` in UTF-8; here the wrapper writes that UTF-8 itself and says its encoding is UTF-8, so click
    has no reason to."""

    def __init__(self, stream: TextIO):
        self._stream = stream
        self._bytes = None
        if _is_ascii(getattr(stream, "encoding", None)) and getattr(stream, "buffer", None) is not None:
            self._bytes = stream.buffer

    @property
    def wrapped(self) -> TextIO:
        return self._stream

    @property
    def encoding(self) -> str:
        return "utf-8" if self._bytes is not None else self._stream.encoding

    def write(self, s: str) -> int:
        safe = terminal_safe(s)
        if self._bytes is None:
            self._stream.write(safe)
        else:
            self._stream.flush()  # keep the order of anything already written as text
            self._bytes.write(safe.encode("utf-8"))
        return len(s)  # what the caller handed over: the TextIOBase contract

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str):
        if name == "_stream":  # not set yet (copy, pickle): no recursion
            raise AttributeError(name)
        return getattr(self._stream, name)

    def __iter__(self):
        return iter(self._stream)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return self._stream.__exit__(*exc)

    def __repr__(self) -> str:
        return f"SafeStream({self._stream!r})"


def _is_ascii(encoding: str | None) -> bool:
    if not encoding:
        return False
    try:
        return codecs.lookup(encoding).name == "ascii"
    except LookupError:
        return False


__all__ = ["INVISIBLE", "terminal_safe", "strip_invisible", "find_invisible", "has_invisible", "char_name",
           "escaped_name", "replace_invisible",
           "SafeStream"]
