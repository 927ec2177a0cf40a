"""Options and argument checks shared by the commands, said in Chinese (click's own checks are English)."""
from __future__ import annotations

import os
from pathlib import Path

import click


def existing_set_dirs(ctx, param, value):
    """--sets folders must exist: a typo would silently fall back to the built-in sets."""
    for folder in value:
        if not os.path.isdir(folder):
            what = "不是文件夹" if os.path.lexists(folder) else "不存在"
            raise click.UsageError(f"--sets 指定的指标体系文件夹 {folder} {what}。")
    return value


def existing_files(ctx, param, value):
    """Input files must exist and not be folders."""
    for path in value:
        if os.path.isdir(path):
            raise click.UsageError(f"{path} 是文件夹；要处理整个文件夹请用 jixiao batch {path} -o 输出文件夹。")
        if not os.path.exists(path):
            what = "是符号链接，但指向的文件不存在（或链接成环）" if os.path.islink(path) else "不存在"
            raise click.UsageError(f"输入文件 {path} {what}。")
    return value


def current_folder() -> Path:
    """The working folder, where outputs go by default; a usage error when it has been deleted."""
    try:
        return Path(os.getcwd())
    except OSError:
        raise click.UsageError("当前文件夹已不存在（可能已被删除）；请换到其他文件夹再运行，或用 -o 指定输出位置。") from None


def existing_file(ctx, param, value):
    return existing_files(ctx, param, [value])[0]


SETS_OPTION = click.option("--sets", "set_dirs", multiple=True, type=click.Path(file_okay=False),
                           callback=existing_set_dirs, help="额外的指标体系目录（可重复），优先于内置体系。")
SET_OPTION = click.option("--set", "default_set", default="mof-project", show_default=True,
                          help="表格（CSV、Excel）本身没写指标体系时使用的体系编号。")
