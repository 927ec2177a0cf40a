"""Write rendered attachments: atomically, never over the input, one file per format."""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..pipeline import FileOutcome
from .view import RenderError

FORMATS = ("html", "pdf", "xlsx", "docx", "md")


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


def atomic_write(path: Path, data: bytes, *, durable: bool = True, made: set | None = None) -> None:
    """Write to a temporary file beside `path`, then rename: readers never see half a file.

    `durable=False` skips the fsync (a batch writes thousands of results; a crash can only leave
    a result missing, never half of one).  `made`: folders known to exist, to skip their mkdir."""
    if made is None or path.parent not in made:
        path.parent.mkdir(parents=True, exist_ok=True)
        if made is not None:
            made.add(path.parent)
    if durable:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    else:  # one writer per process and per result: a name from the pid is unique, and cheaper
        tmp = str(path.parent / f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
                os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; an attachment gets the usual permissions
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def render_bytes(outcome: FileOutcome, fmt: str, templates_dir=None) -> bytes:
    """The attachment of one scored file in one format."""
    from .layouts import build_grids
    from .view import build_report

    report = build_report(outcome)
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

        return xlsx_bytes(report, grids)
    if fmt == "docx":
        from .docx import docx_bytes

        return docx_bytes(report, grids)
    raise RenderError(f"不支持的格式「{fmt}」，可用：{'、'.join(FORMATS)}")


def pdf_bytes(html: str) -> bytes:
    """HTML → PDF with WeasyPrint (print CSS: A4, repeated <thead>, CJK fonts named in every stack)."""
    try:
        import weasyprint
    except (ImportError, OSError) as exc:  # OSError: Pango missing
        raise RenderError(f"无法生成 PDF：WeasyPrint 不可用（{exc}）；请按 README 的命令安装依赖。") from None
    return weasyprint.HTML(string=html, base_url=None).write_pdf()


@dataclass
class Written:
    file: str
    outputs: list[Path] = field(default_factory=list)
    error: str = ""


def output_path(source: Path, fmt: str, target: Path | None, single: bool) -> Path:
    """Where one rendering goes: `-o` as a file (one input, one format, matching suffix) or a folder."""
    if target is not None and single and target.suffix.lower() == f".{fmt}":
        return target
    folder = target if target is not None else Path.cwd()
    return folder / f"{source.stem}.{fmt}"


def render_to_files(outcome: FileOutcome, formats: list[str], target: Path | None, templates_dir=None,
                    single: bool = False) -> Written:
    source = Path(outcome.file)
    written = Written(file=outcome.file)
    for fmt in formats:
        path = output_path(source, fmt, target, single)
        if path.resolve() == source.resolve():
            written.error = f"输出文件 {path} 就是输入文件；请用 -o 指定其他位置。"
            return written
        try:
            data = render_bytes(outcome, fmt, templates_dir)
        except RenderError as exc:
            written.error = str(exc)
            return written
        atomic_write(path, data)
        written.outputs.append(path)
    return written
