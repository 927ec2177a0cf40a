"""A table as a grid of cells with explicit spans: the one shape every writer draws.

Layouts (layouts.py) compute the spans in Python; the HTML template, the Excel
writer and the Word writer only walk the grid, so the three agree cell by cell.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

# Cell styles: what a writer must know to draw a cell like the published table.
TITLE, HEAD, LABEL, TEXT, NUMBER, LONG = "title", "head", "label", "text", "number", "long"


@dataclass
class Cell:
    text: str = ""
    rowspan: int = 1
    colspan: int = 1
    style: str = TEXT
    value: Decimal | None = None  # numbers keep their Decimal for Excel; `text` is how the table prints it
    number_format: str = ""       # Excel number format, e.g. "0.00" or "0.00%"


@dataclass
class Grid:
    """A rectangular table. `rows[r][c]` is a Cell where one starts, None where a span covers it."""
    title: str
    widths: list[int]                     # column widths in character units (Excel and Word use them)
    rows: list[list[Cell | None]] = field(default_factory=list)
    header_rows: int = 0                  # rows before this index end with the repeated column header
    repeat_from: int = 0                  # first row repeated on every printed page (the column header)
    caption: str = ""                     # a line under the title, e.g. （2023年度）
    landscape: bool = False

    @property
    def ncols(self) -> int:
        return len(self.widths)

    def merged_ranges(self) -> list[tuple[int, int, int, int]]:
        """(row, col, last_row, last_col), 0-based and inclusive, for every spanning cell."""
        out = []
        for r, row in enumerate(self.rows):
            for c, cell in enumerate(row):
                if cell is not None and (cell.rowspan > 1 or cell.colspan > 1):
                    out.append((r, c, r + cell.rowspan - 1, c + cell.colspan - 1))
        return out


def repeatable_parts(grid: Grid) -> list[Grid]:
    """The grid as tables whose repeated header rows lead their table (Word and <thead> need that):
    the block above `repeat_from`, then the rest starting with the column-header row."""
    if not grid.header_rows or grid.repeat_from == 0:
        return [grid]
    cut = grid.repeat_from
    for r, row in enumerate(grid.rows[:cut]):
        if any(cell is not None and r + cell.rowspan > cut for cell in row):
            return [grid]  # a span crosses the cut: keep one table
    top = Grid(grid.title, grid.widths, grid.rows[:cut], 0, 0, grid.caption, grid.landscape)
    rest = Grid(grid.title, grid.widths, grid.rows[cut:], grid.header_rows - cut, 0, "", grid.landscape)
    return [top, rest]


class GridBuilder:
    """Place cells left to right, row by row, skipping places covered by earlier spans."""

    def __init__(self, title: str, widths: list[int], caption: str = "", landscape: bool = False):
        self.grid = Grid(title=title, widths=list(widths), caption=caption, landscape=landscape)
        self._covered: set[tuple[int, int]] = set()

    def row(self, *cells: Cell) -> None:
        r = len(self.grid.rows)
        line: list[Cell | None] = [None] * self.grid.ncols
        c = 0
        for cell in cells:
            while c < self.grid.ncols and (r, c) in self._covered:
                c += 1
            if c + cell.colspan > self.grid.ncols:
                raise ValueError(f"row {r} of {self.grid.title!r} overflows: {[x.text for x in cells]}")
            line[c] = cell
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    if dr or dc:
                        self._covered.add((r + dr, c + dc))
            c += cell.colspan
        while c < self.grid.ncols and (r, c) in self._covered:
            c += 1
        if c != self.grid.ncols:
            raise ValueError(f"row {r} of {self.grid.title!r} fills {c} of {self.grid.ncols} columns")
        self.grid.rows.append(line)

    def mark_header(self) -> None:
        """The row just placed is the column header, repeated at the top of each printed page.

        Writers that can only repeat a table's leading rows (Word, HTML <thead>) split the grid
        before `repeat_from`: the block above becomes a table of its own."""
        self.grid.header_rows = len(self.grid.rows)
        self.grid.repeat_from = len(self.grid.rows) - 1

    def done(self) -> Grid:
        pending = [rc for rc in self._covered if rc[0] >= len(self.grid.rows)]
        if pending:
            raise ValueError(f"{self.grid.title!r}: a rowspan runs past the last row")
        return self.grid


def text(value: str, colspan: int = 1, rowspan: int = 1) -> Cell:
    return Cell(str(value or ""), rowspan, colspan, TEXT)


def long(value: str, colspan: int = 1, rowspan: int = 1) -> Cell:
    return Cell(str(value or ""), rowspan, colspan, LONG)


def label(value: str, colspan: int = 1, rowspan: int = 1) -> Cell:
    return Cell(str(value), rowspan, colspan, LABEL)


def head(value: str, colspan: int = 1, rowspan: int = 1) -> Cell:
    return Cell(str(value), rowspan, colspan, HEAD)


def number(value: Decimal | None, shown: str, number_format: str = "0.00", colspan: int = 1, rowspan: int = 1) -> Cell:
    return Cell(shown, rowspan, colspan, NUMBER, value, number_format if value is not None else "")
