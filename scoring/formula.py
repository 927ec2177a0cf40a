"""Tiny arithmetic formula language for budget-performance scoring rules.

Formulas are read by a hand-written tokenizer and recursive-descent parser and
computed over ``decimal.Decimal``; nothing is ever handed to Python itself to run.

The text is NFKC-normalised first (full-width ``２０＊（ａ／ｂ）`` works) and
``×`` ``÷`` ``−`` are read as ``*`` ``/`` ``-``. Whitespace is ignored.
Grammar::

    formula := expr END
    expr    := term (("+" | "-") term)*            left-associative
    term    := unary (("*" | "/") unary)*          left-associative
    unary   := ("+" | "-") unary | primary
    primary := NUMBER | NAME | FUNC "(" args ")" | "(" expr ")"
    args    := expr ("," expr)*
    FUNC    := "min" | "max"   (2 or more arguments)  |  "abs"  (exactly 1)
    NUMBER  := DIGIT+ ("." DIGIT+)? "%"?          20, 0.5, 90% (== 0.9); at most 30 digits
    NAME    := letter (letter | digit | "_")*      执行数, 预算数, W; no leading "_"

Python keywords (lambda, if, True, ...) are refused, as is calling anything but
min/max/abs. Limits: 500 characters, 200 tokens, nesting depth 32.

Error codes (``FormulaError.code``):
    F001 syntax error, F002 unknown name, F003 limit exceeded / wrong argument count /
    numeric overflow, F004 forbidden syntax, F005 missing input value,
    F006 evaluation error (division by zero, invalid input value).
"""
import decimal
import keyword
import operator
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

MAX_LENGTH = 500
MAX_TOKENS = 200
MAX_DEPTH = 32
MAX_DIGITS = 30

_DIGITS = frozenset("0123456789")
_FUNCTIONS = {"min": min, "max": max, "abs": abs}
_BINARY = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}
# Symbols Chinese users commonly type that NFKC leaves untouched (all 1:1, so columns stay valid).
_ALIASES = str.maketrans({"×": "*", "÷": "/", "−": "-"})
_POWER_MESSAGE = "不支持乘方运算「**」，公式只允许 + - * / 和 min、max、abs"
# Intermediates only; callers round the final score. Traps turn silent NaN/Infinity into errors.
_CONTEXT = decimal.Context(
    prec=34,
    rounding=decimal.ROUND_HALF_EVEN,
    traps=[decimal.InvalidOperation, decimal.Overflow, decimal.DivisionByZero],
)


class FormulaError(Exception):
    """Any problem with a formula: ``code`` (F001-F006), Chinese user-facing ``message``,
    and ``column`` (1-based position in the original text, or None)."""

    def __init__(self, code: str, message: str, column: int | None = None):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.column = column

    def __reduce__(self):  # keep pickling working despite the custom __init__
        return (type(self), (self.code, self.message, self.column))


@dataclass(frozen=True)
class Formula:
    """A parsed formula; parse once, then call :meth:`evaluate` as often as needed."""

    source: str
    names: frozenset[str]
    _node: tuple = field(repr=False, compare=False)
    _order: tuple[str, ...] = field(repr=False, compare=False)  # names in order of appearance

    def evaluate(self, inputs: Mapping[str, Decimal]) -> Decimal:
        """Compute the formula with ``inputs`` (name -> Decimal; plain ints are accepted too)."""
        values = {}
        for name in self._order:  # check everything up front so errors don't depend on values
            if name not in inputs:
                raise FormulaError("F005", f"公式引用的「{name}」没有取值")
            values[name] = _as_decimal(name, inputs[name])
        try:
            with decimal.localcontext(_CONTEXT):
                return _compute(self._node, values)
        except decimal.Overflow:
            raise FormulaError("F003", "公式计算结果超出允许的数值范围") from None
        except decimal.DecimalException:
            raise FormulaError("F006", "公式计算出错：运算结果无效") from None


def parse_formula(text: str, allowed_names: Iterable[str] | None = None) -> Formula:
    """Parse and validate ``text``; if ``allowed_names`` is given, any other name is F002."""
    if not isinstance(text, str):
        raise FormulaError("F001", "公式语法错误：公式必须是文本")
    if len(text) > MAX_LENGTH:  # checked before normalising so huge inputs cost nothing
        raise FormulaError("F003", f"公式过长：共有{len(text)}个字符，最多允许{MAX_LENGTH}个")
    normalised = unicodedata.normalize("NFKC", text).translate(_ALIASES)
    if len(normalised) > MAX_LENGTH:
        raise FormulaError("F003", f"公式过长：共有{len(normalised)}个字符，最多允许{MAX_LENGTH}个")
    allowed = None
    if allowed_names is not None:
        allowed = frozenset(unicodedata.normalize("NFKC", name) for name in allowed_names)
    parser = _Parser(text, normalised, allowed)
    node = parser.parse()
    return Formula(text, frozenset(parser.names), node, tuple(parser.names))


def _as_decimal(name: str, value: object) -> Decimal:
    """Accept finite Decimals and ints; anything else (binary floats, NaN, text) is refused."""
    if isinstance(value, Decimal) and value.is_finite():
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    raise FormulaError("F006", f"公式引用的「{name}」取值无效：{value!r}")


def _compute(node: tuple, values: Mapping[str, Decimal]) -> Decimal:
    """Walk the AST built by _Parser (tuples: see _Parser docstring)."""
    kind = node[0]
    if kind == "num":
        return node[1]
    if kind == "name":
        return values[node[1]]
    if kind == "neg":
        return -_compute(node[1], values)
    if kind == "call":
        return _FUNCTIONS[node[1]](*[_compute(arg, values) for arg in node[2]])
    left, right = _compute(node[1], values), _compute(node[2], values)
    if kind == "/" and right == 0:
        raise FormulaError("F006", f"公式计算时除数为零：{node[3]}")
    return _BINARY[kind](left, right)


def _column_map(source: str, text: str) -> list[int]:
    """Map each index of the normalised text (plus END) to a 1-based column of ``source``."""
    if source == text:
        return list(range(1, len(text) + 2))
    cols: list[int] = []
    for j in range(len(source)):  # O(n^2) but n <= 500; prefix lengths show where chars expand
        width = len(unicodedata.normalize("NFKC", source[: j + 1]))
        cols.extend([j + 1] * (width - len(cols)))
    cols = cols[: len(text)] + [len(source)] * (len(text) - len(cols))
    return cols + [len(source) + 1]


class _Token(NamedTuple):
    kind: str  # "num", "name", "op", "(", ")", ",", "end"
    value: object
    start: int  # indices into the normalised text
    end: int


class _Parser:
    """Tokenizer + recursive-descent parser producing tuple nodes:
    ("num", Decimal), ("name", str), ("neg", node), (op, left, right) for + - *,
    ("/", left, right, divisor_source_text), ("call", func_name, (args...))."""

    def __init__(self, source: str, text: str, allowed: frozenset[str] | None):
        self.source, self.text, self.allowed = source, text, allowed
        self.cols = _column_map(source, text)
        self.names: dict[str, None] = {}  # insertion-ordered set
        self.pos = 0
        self.depth = 0
        self.tokens = self._tokenize()

    def _error(self, code: str, message: str, index: int) -> FormulaError:
        return FormulaError(code, message, self.cols[index])

    def _syntax(self, index: int, tail: str) -> FormulaError:
        return self._error("F001", f"公式语法错误：第{self.cols[index]}个字符{tail}", index)

    def _peek(self) -> _Token:
        return self.tokens[self.pos]

    def _next(self) -> _Token:
        tok = self.tokens[self.pos]
        self.pos += 1
        return tok

    def _enter(self, tok: _Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self._error("F003", f"公式嵌套过深：括号、函数或正负号嵌套超过{MAX_DEPTH}层", tok.start)

    def _source_text(self, start: int, end: int) -> str:
        return self.source[self.cols[start] - 1 : self.cols[end - 1]]

    def _tokenize(self) -> list[_Token]:
        text, n, i, tokens = self.text, len(self.text), 0, []
        while i < n:
            ch, start = text[i], i
            if ch.isspace():
                i += 1
                continue
            if ch in _DIGITS:
                while i < n and text[i] in _DIGITS:
                    i += 1
                if i < n and text[i] == ".":
                    if i + 1 >= n or text[i + 1] not in _DIGITS:
                        raise self._syntax(i, "处的小数点「.」后缺少数字")
                    i += 1
                    while i < n and text[i] in _DIGITS:
                        i += 1
                literal = text[start:i]
                if len(literal.replace(".", "")) > MAX_DIGITS:
                    raise self._error("F003", f"数字「{literal}」超过{MAX_DIGITS}位，超出允许范围", start)
                value = Decimal(literal)  # exact: built from the text, not via binary floating point
                if i < n and text[i] == "%":
                    i += 1
                    sign, digits, exponent = value.as_tuple()
                    value = Decimal((sign, digits, exponent - 2))  # exact /100, no context rounding
                tokens.append(_Token("num", value, start, i))
            elif ch.isalpha() or ch == "_":
                i += 1
                while i < n and (text[i].isalnum() or ("_" + text[i]).isidentifier()):
                    i += 1
                name = text[start:i]
                if name.startswith("_"):  # blocks dunder tricks such as __import__
                    raise self._error("F004", f"不允许使用以下划线开头的名称「{name}」", start)
                if keyword.iskeyword(name):
                    raise self._error("F004", f"公式中不允许使用「{name}」", start)
                tokens.append(_Token("name", name, start, i))
            elif ch == ".":
                if tokens and tokens[-1].kind in ("name", ")"):
                    raise self._error("F004", "不允许属性访问「.」", i)
                raise self._syntax(i, "处的小数点「.」位置不正确")
            elif ch == "^" or text.startswith("**", i):
                raise self._error("F004", _POWER_MESSAGE, i)
            elif text.startswith("//", i):
                raise self._error("F004", "公式中不允许使用「//」", i)
            elif ch in "+-*/":
                i += 1
                tokens.append(_Token("op", ch, start, i))
            elif ch in "(),":
                i += 1
                tokens.append(_Token(ch, ch, start, i))
            else:
                shown = self.source[self.cols[i] - 1]  # show what the user actually typed
                if not shown.isprintable():
                    shown = f"U+{ord(shown):04X}"
                raise self._error("F004", f"公式中不允许使用「{shown}」", i)
        if len(tokens) > MAX_TOKENS:
            raise FormulaError("F003", f"公式过长：共有{len(tokens)}个符号，最多允许{MAX_TOKENS}个")
        tokens.append(_Token("end", None, n, n))
        return tokens

    def parse(self) -> tuple:
        if self._peek().kind == "end":
            raise FormulaError("F001", "公式语法错误：公式为空")
        node = self._expr()
        if self._peek().kind != "end":
            raise self._unexpected(self._peek())
        return node

    def _expr(self) -> tuple:
        node = self._term()
        while self._peek().kind == "op" and self._peek().value in "+-":
            node = (self._next().value, node, self._term())
        return node

    def _term(self) -> tuple:
        node = self._unary()
        while self._peek().kind == "op" and self._peek().value in "*/":
            op, start = self._next().value, self._peek().start
            right = self._unary()
            if op == "/":  # keep the divisor's text for the division-by-zero message
                node = ("/", node, right, self._source_text(start, self.tokens[self.pos - 1].end))
            else:
                node = ("*", node, right)
        return node

    def _unary(self) -> tuple:
        tok = self._peek()
        if tok.kind == "op" and tok.value in "+-":
            self._next()
            self._enter(tok)
            operand = self._unary()
            self.depth -= 1
            return ("neg", operand) if tok.value == "-" else operand
        return self._primary()

    def _primary(self) -> tuple:
        tok = self._next()
        if tok.kind == "num":
            return ("num", tok.value)
        if tok.kind == "(":
            self._enter(tok)
            node = self._expr()
            self._close(tok)
            return node
        if tok.kind == "name":
            name = tok.value
            if self._peek().kind == "(":
                return self._call(tok)
            if name in _FUNCTIONS:
                raise self._syntax(tok.start, f"处的函数「{name}」后面缺少左括号「(」")
            if self.allowed is not None and name not in self.allowed:
                listed = "、".join(sorted(self.allowed)) or "（无）"
                raise self._error("F002", f"公式中的名称「{name}」未定义，可用的名称：{listed}", tok.start)
            self.names.setdefault(name)
            return ("name", name)
        raise self._missing_operand(tok)

    def _call(self, name_tok: _Token) -> tuple:
        name = name_tok.value
        if name not in _FUNCTIONS:
            raise self._error("F004", f"不允许调用函数「{name}」，只能使用 min、max、abs", name_tok.start)
        open_tok = self._next()
        self._enter(open_tok)
        args = []
        if self._peek().kind != ")":
            args.append(self._expr())
            while self._peek().kind == ",":
                self._next()
                args.append(self._expr())
        self._close(open_tok)
        if name == "abs" and len(args) != 1:
            raise self._error("F003", f"函数「abs」需要1个参数，实际为{len(args)}个", name_tok.start)
        if name != "abs" and len(args) < 2:
            raise self._error("F003", f"函数「{name}」至少需要2个参数，实际为{len(args)}个", name_tok.start)
        return ("call", name, tuple(args))

    def _close(self, open_tok: _Token) -> None:
        """Consume the ")" matching ``open_tok`` and leave its nesting level."""
        tok = self._peek()
        if tok.kind == "end":
            raise self._syntax(open_tok.start, "处的左括号「(」缺少对应的右括号「)」")
        if tok.kind != ")":
            raise self._unexpected(tok)
        self._next()
        self.depth -= 1

    def _unexpected(self, tok: _Token) -> FormulaError:
        """A complete operand was followed by something that cannot continue it."""
        if tok.kind == ")":
            return self._syntax(tok.start, "处多余的右括号「)」")
        if tok.kind == ",":
            return self._syntax(tok.start, "处的逗号「,」只能用在 min、max、abs 的参数之间")
        return self._syntax(tok.start, "处缺少运算符")

    def _missing_operand(self, tok: _Token) -> FormulaError:
        """A number, name or "(" was expected but ``tok`` came instead; say what is missing."""
        prev = self.tokens[self.pos - 2] if self.pos >= 2 else None
        prev_kind = prev.kind if prev else None
        if tok.kind == "op":  # only * or / get here: + and - are unary
            return self._syntax(tok.start, f"处的运算符「{tok.value}」前缺少数值")
        if prev_kind == "op":
            return self._syntax(prev.start, f"处的运算符「{prev.value}」后缺少数值")
        if prev_kind == ",":
            return self._syntax(prev.start, "处的逗号「,」后缺少参数")
        if tok.kind == ",":
            return self._syntax(tok.start, "处的逗号「,」前缺少参数")
        if prev_kind == "(":
            what = "括号内缺少内容" if tok.kind == ")" else "左括号「(」后缺少内容"
            return self._syntax(prev.start, f"处的{what}")
        return self._syntax(tok.start, "处多余的右括号「)」")  # only ")" can remain here
