"""`jixiao review`: check the scores a table gives itself (see scoring/review.py)."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from ..options import SET_OPTION, SETS_OPTION


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "xlsx"]), default="text", show_default=True,
              help="输出格式：text 逐条列出，json 供其他工具读取，xlsx 为「核对结果」表（需 -o）。")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="输出文件（xlsx 必填；text、json 不填时输出到屏幕）。")
@SETS_OPTION
@SET_OPTION
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
        from ..outputs import write_one

        write_one(Path(output), data, inputs=files)
        click.echo(f"已写出核对结果：{output}", err=True)
    sys.exit(lib.exit_code(reviews))
