"""Jinja for the HTML and Markdown attachments: strict, escaped, overridable.

StrictUndefined turns a typo in a template into an error naming the variable,
not an empty cell.  HTML is autoescaped (department text is untrusted).  A
bureau's `--templates DIR` is searched before the shipped templates.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from .. import resources
from .grid import Cell, Grid
from .view import MISSING, RenderError, Report

_MD_SPECIAL = re.compile(r"([\\|`*_\[\]<>#])")


def md_escape(value) -> str:
    """Markdown-safe text in one table cell: escape markup, keep line breaks visible."""
    text = "" if value is None else str(value)
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return text.replace("\r\n", "\n").replace("\n", "<br>") if "\n" in text else text


def environment(kind: str, override_dir: str | Path | None = None):
    """The Jinja environment for `kind` ("html" or "md") and a bureau's template folder, made once per
    process: an environment per call would parse and compile every template again for each attachment
    (and leave the compiled code as garbage for the cycle collector)."""
    return _environment(kind, str(override_dir) if override_dir else None)


@lru_cache(maxsize=16)  # a few kinds × the template folders of one process
def _environment(kind: str, override_dir: str | None):
    import jinja2

    dirs = ([str(override_dir)] if override_dir else []) + [str(resources.data_path("templates"))]
    # A bureau's templates are not our code: they run sandboxed (no `__globals__`, no `os.popen`).
    kind_of_env = jinja2.Environment
    if override_dir:
        from jinja2.sandbox import ImmutableSandboxedEnvironment as kind_of_env
    env = kind_of_env(
        loader=jinja2.FileSystemLoader(dirs),
        undefined=jinja2.StrictUndefined,
        autoescape=(kind == "html"),
        keep_trailing_newline=True,
        trim_blocks=(kind == "md"),
        lstrip_blocks=(kind == "md"),
    )
    env.filters["md"] = md_escape
    # No `round` for templates: numbers arrive formatted (ROUND_HALF_UP) from the view model.
    env.filters.pop("round", None)
    return env


def render_template(kind: str, name: str, override_dir, **context) -> str:
    """Render one template; template mistakes become a RenderError naming the template."""
    import jinja2

    try:
        return environment(kind, override_dir).get_template(name).render(missing=MISSING, **context)
    except jinja2.UndefinedError as exc:
        raise RenderError(f"模板「{name}」引用了不存在的字段：{exc.message}") from None
    except jinja2.TemplateNotFound as exc:
        raise RenderError(f"找不到模板「{exc.name}」") from None
    except jinja2.TemplateSyntaxError as exc:
        raise RenderError(f"模板「{exc.filename or name}」第 {exc.lineno} 行语法错误：{exc.message}") from None
    except jinja2.exceptions.SecurityError:
        raise RenderError(f"模板「{name}」试图访问模板不允许使用的内容（如程序内部的属性），已拒绝") from None


def render_markdown(report: Report, override_dir=None) -> str:
    return render_template("md", "report.md.j2", override_dir, report=report)


def render_html(report: Report, grids: list[Grid], override_dir=None) -> str:
    css_path = Path(override_dir, "report.css") if override_dir and Path(override_dir, "report.css").is_file() \
        else resources.data_path("templates", "report.css")
    tables = [html_table(g) for g in grids]
    return render_template("html", "report.html.j2", override_dir, report=report, tables=tables,
                           css=style_sheet(css_path.read_text(encoding="utf-8")))


def style_sheet(css: str):
    """The stylesheet as the <style> element needs it: not HTML-escaped (「"」 as &#34; breaks every quoted font
    name and the page-number content), but unable to close the element (「</style>」 becomes 「<\\/style>」, which
    CSS reads the same)."""
    from markupsafe import Markup  # jinja2's own dependency

    return Markup(css.replace("</", "<\\/"))


class HtmlCell:
    def __init__(self, cell: Cell, rowspan: int, extra: str = "", blank: bool = False):
        self.tag = "td"
        self.rowspan = rowspan
        self.colspan = cell.colspan
        self.classes = " ".join(x for x in (cell.style, extra) if x)
        self.lines = [] if blank else cell.text.split("\n")


class HtmlTable:
    def __init__(self, grid: Grid):
        self.title = grid.title
        self.caption = grid.caption
        self.landscape = grid.landscape
        total = sum(grid.widths) or 1
        self.widths = [f"{w * 100 / total:.2f}" for w in grid.widths]
        self.pre: list[list[HtmlCell]] = []   # rows above the repeated header: their own table
        self.head: list[list[HtmlCell]] = []
        self.body: list[list[HtmlCell]] = []


def html_table(grid: Grid) -> HtmlTable:
    """Grid → HTML cells. Rows above the column header (`repeat_from`) form a table of their own;
    the header row is the <thead> printed on every page.  A header cell spanning down into the
    body is cut at the boundary and continued by a borderless cell, so the <thead> is well formed."""
    table = HtmlTable(grid)
    split = grid.header_rows
    start = grid.repeat_from if split else 0
    continuations: dict[int, tuple[Cell, int]] = {}
    for r, row in enumerate(grid.rows):
        out = []
        for c, cell in enumerate(row):
            if cell is None:
                if split and r == split and c in continuations:
                    original, remaining = continuations.pop(c)
                    out.append(HtmlCell(original, remaining, "cont-above", blank=True))
                continue
            if split and start <= r < split < r + cell.rowspan:
                continuations[c] = (cell, r + cell.rowspan - split)
                out.append(HtmlCell(cell, split - r, "cont-below"))
            else:
                out.append(HtmlCell(cell, cell.rowspan))
        if split and r < start:
            table.pre.append(out)
        elif split and r < split:
            table.head.append(out)
        else:
            table.body.append(out)
    return table
