"""`jixiao batch`: score a whole directory (the library is scoring/batch/)."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from ..limits import DEFAULT_TIMEOUT
from ..options import SET_OPTION, SETS_OPTION

EXIT_OK, EXIT_DATA = 0, 1


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(file_okay=False),
              help="输出目录：每个输入一个结果文件，以及 summary.html、summary.xlsx、results.csv、errors.csv。")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="并行进程数（默认：本机可用的 CPU 核数）。")
@click.option("--render", "render_to", default="",
              help="同时为每个自评表生成附件，可用逗号分隔多个：html,pdf,xlsx,docx,md。")
@click.option("--force", is_flag=True, help="输出目录已有上次的结果时，覆盖其中 jixiao 的输出。")
@click.option("--templates", "templates_dir", type=click.Path(exists=True, file_okay=False), default=None,
              help="单位或财政局自己的模板目录（用于 --render）。")
@click.option("--timeout", type=click.IntRange(1, 86400), default=DEFAULT_TIMEOUT, show_default=True,
              help="每个文件的处理时限（秒）；超时的文件记为错误 B906，其余文件照常处理。")
@SETS_OPTION
@SET_OPTION
def batch(paths, out_dir, jobs, render_to, force, templates_dir, timeout, set_dirs, default_set):
    """财政局批量计分：为目录中的全部自评表（YAML、xlsx、csv）计分并汇总，坏文件不会中断其余文件。

    \b
    示例：jixiao batch 自评表/ -o 复核结果/ --jobs 4
    """
    from ..batch.discover import DiscoveryError, discover
    from ..batch.outputs import OutputDirError
    from ..batch.runner import default_jobs
    from ..batch.session import BatchInterrupted, run_batch

    from ..cli import _formats

    formats = _formats(render_to, "--render") if render_to else []
    out = Path(out_dir)
    try:
        inputs = discover(paths, out)
    except DiscoveryError as exc:
        raise click.UsageError(str(exc)) from None
    if not inputs:
        raise click.UsageError(f"在 {'、'.join(paths)} 中没有找到任何文件。")
    jobs = jobs or default_jobs()
    readable = sum(item.skip is None for item in inputs)
    others = f"（其中 {len(inputs) - readable} 个不读取，原因见 results.csv 与 errors.csv）" if readable < len(inputs) else ""
    click.echo(f"共找到 {len(inputs)} 个文件{others}，使用 {min(jobs, max(readable, 1))} 个进程计分……", err=True)
    try:
        # The bar is our own text with click's cursor codes: straight to the terminal, not through the
        # guard that shows control characters escaped (scoring.cli.main wraps the streams).
        with click.progressbar(length=len(inputs), label="计分", file=getattr(sys.stderr, "wrapped", sys.stderr),
                               show_pos=True, width=30) as bar:
            outcome = run_batch(inputs, out, jobs=jobs, formats=formats, force=force, set_dirs=set_dirs,
                                default_set=default_set, templates_dir=templates_dir, timeout=timeout,
                                progress=lambda record: bar.update(1))
    except OutputDirError as exc:
        raise click.UsageError(str(exc)) from None
    except BatchInterrupted as stop:
        click.echo(f"\n已中断：处理了 {stop.done}/{stop.total} 个文件。已写出的结果文件都是完整的；"
                   f"汇总、results.csv 和 errors.csv 未生成。请重新运行（加 --force）。", err=True)
        sys.exit(130)
    _report(outcome)
    sys.exit(EXIT_DATA if outcome.failed or outcome.with_errors else EXIT_OK)


def _report(outcome) -> None:
    lines = [
        f"共 {outcome.inputs} 个文件：已计分 {outcome.scored} 个，只判完成情况（不计分）{outcome.unscored} 个，"
        f"未能计分 {outcome.failed} 个" + (f"，已忽略 {outcome.ignored} 个（隐藏文件、Office 锁定文件等）" if outcome.ignored else "")
        + "。",
        f"有错误的文件 {outcome.with_errors} 个（明细见 errors.csv）；重复报送 {outcome.duplicates} 个。",
    ]
    if outcome.crashed:
        lines.append(f"其中 {outcome.crashed} 个文件触发了程序错误（见 crashes.log），已跳过，请反馈给维护者。")
    if outcome.sentence:
        lines.append(outcome.sentence)
    lines.append(f"输出目录：{outcome.out_dir}（{'、'.join(outcome.written)}，结果文件在 results/ 下）")
    for line in lines:
        click.echo(line)
