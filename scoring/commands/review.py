"""`jixiao review`: check the scores a table gives itself (see scoring/review.py)."""
from __future__ import annotations

import sys
from pathlib import Path

import click

# The same options as `jixiao score`; defined here because scoring.cli imports this module while it loads.
_SETS_OPTION = click.option("--sets", "set_dirs", multiple=True, type=click.Path(file_okay=False),
                            help="额外的指标体系目录（可重复），优先于内置体系。")
_SET_OPTION = click.option("--set", "default_set", default="mof-project", show_default=True,
                           help="表格（CSV、Excel）本身没写指标体系时使用的体系编号。")


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "xlsx"]), default="text", show_default=True,
              help="输出格式：text 逐条列出，json 供其他工具读取，xlsx 为「核对结果」表（需 -o）。")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="输出文件（xlsx 必填；text、json 不填时输出到屏幕）。")
@_SETS_OPTION
@_SET_OPTION
def review(files, fmt, output, set_dirs, default_set):
    """核对自评表中单位自己给出的得分：超过分值、与规则得分不一致、合计与总分不符、分值合计不符、缺少扣分或偏差原因。

    有错误或警告时退出码为 1。
    """
    from .. import review as lib

    if fmt == "xlsx" and not output:
        raise click.UsageError("--format xlsx 需要用 -o 指定输出文件，例如 -o 核对结果.xlsx。")
    if output and lib.is_input(Path(output), files):
        raise click.UsageError("输出文件不能是输入文件本身。")
    reviews = lib.review_paths(files, set_dirs, default_set)
    if fmt == "xlsx":
        data = lib.render_xlsx(reviews)
    else:
        text = lib.render_json(reviews) if fmt == "json" else lib.render_text(reviews)
        data = text.encode("utf-8")
        if not output:
            click.echo(text, nl=False)
    if output:
        from ..render.output import atomic_write

        atomic_write(Path(output), data)
        click.echo(f"已写出核对结果：{output}", err=True)
    sys.exit(lib.exit_code(reviews))
