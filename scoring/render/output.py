"""Rendered attachments: the bytes of each format, and where each goes (written under scoring/outputs.py's rules)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..outputs import OutputFolder
from ..pipeline import FileOutcome
from .view import RenderError

FORMATS = ("html", "pdf", "xlsx", "docx", "md")


def render_bytes(outcome: FileOutcome, fmt: str, templates_dir=None, with_review: bool = False) -> bytes:
    """The attachment of one scored file in one format; `with_review` adds the 计分说明 page (HTML, PDF, Markdown)
    or sheet (Excel)."""
    from .layouts import build_grids
    from .view import build_report

    report = build_report(outcome, with_review)
    if fmt == "md":
        from .templating import render_markdown

        return render_markdown(report, templates_dir).encode("utf-8")
    grids = build_grids(report)
    if fmt in ("html", "pdf"):
        from .templating import render_html

        html = render_html(report, grids, templates_dir)
        if fmt == "html":
            return html.encode("utf-8")
        return pdf_bytes(html)
    if fmt == "xlsx":
        from .xlsx import xlsx_bytes

        result = outcome.result
        budget = result.budget if result is not None else None
        return xlsx_bytes(report, grids, precision=result.precision if result is not None else None,
                          budget_places=budget.places if budget is not None else None, review=with_review)
    if fmt == "docx":
        from .docx import docx_bytes

        return docx_bytes(report, grids)
    raise RenderError(f"不支持的格式「{fmt}」，可用：{'、'.join(FORMATS)}")


_FONT_CONFIG = None


def _font_config():
    """One WeasyPrint FontConfiguration per process.  Left to WeasyPrint, every PDF would build its own:
    a fresh fontconfig configuration and Pango font map (the system's font list, CJK faces loaded
    anew) that only the cycle collector frees — in a batch worker, whose collector runs rarely,
    megabytes per file.  Its caches are keyed by font style, so they stay as small as the CSS."""
    global _FONT_CONFIG
    if _FONT_CONFIG is None:
        from weasyprint.text.fonts import FontConfiguration

        _FONT_CONFIG = FontConfiguration()
    return _FONT_CONFIG


def _creator(document, pdf) -> None:
    """The PDF's Creator is jixiao (from <meta name="generator">, or set here when a bureau's template has none).
    WeasyPrint writes no creation date and no file identifier by default: the same HTML gives the same PDF."""
    if not document.metadata.generator:
        import pydyf

        from .zipfix import GENERATOR

        pdf.info["Creator"] = pydyf.String(GENERATOR)


def pdf_bytes(html: str) -> bytes:
    """HTML → PDF with WeasyPrint (print CSS: A4, repeated <thead>, CJK fonts named in every stack)."""
    try:
        import weasyprint
    except (ImportError, OSError) as exc:  # OSError: Pango missing
        raise RenderError(f"无法生成 PDF：WeasyPrint 不可用（{exc}）；请按 README 的命令安装依赖。") from None
    return weasyprint.HTML(string=html, base_url=None).write_pdf(font_config=_font_config(), finisher=_creator)


@dataclass
class Written:
    file: str
    outputs: list[Path] = field(default_factory=list)
    error: str = ""


def output_path(source: Path, fmt: str, target: Path | None, single: bool, default_folder: Path) -> Path:
    """Where one rendering goes: `-o` as a file (one input, one format, matching suffix) or a folder;
    without -o, `default_folder` (the working folder)."""
    if target is not None and single and target.suffix.lower() == f".{fmt}":
        return target
    return (target if target is not None else default_folder) / f"{source.stem}.{fmt}"


def render_to_files(outcome: FileOutcome, formats: list[str], paths: list[Path], folder: OutputFolder,
                    templates_dir=None, with_review: bool = False) -> Written:
    """Render `outcome` in each format to its path (checked beforehand with `OutputFolder.check_plan`)."""
    written = Written(file=outcome.file)
    for fmt, path in zip(formats, paths):
        try:
            data = render_bytes(outcome, fmt, templates_dir, with_review)
        except RenderError as exc:
            written.error = str(exc)
            return written
        folder.write(path, data, checked=True)
        written.outputs.append(path)
    return written
