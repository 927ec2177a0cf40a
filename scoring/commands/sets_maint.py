"""`jixiao sets diff` and `jixiao sets new`: maintaining indicator sets (see scoring/setdiff.py, scoring/scaffold.py)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..options import SETS_OPTION, current_folder

EXIT_OK, EXIT_DATA = 0, 1


def _load_or_exit(refs, set_dirs, fmt: str = "text"):
    """The resolved sets named by `refs`; usage error for an unknown id or file, exit 1 if any has errors."""
    from ..report import render_diagnostics, summary_line
    from ..setdiff import UnknownSet, load_ref

    outcomes = []
    for ref in refs:
        try:
            outcomes.append(load_ref(ref, set_dirs))
        except UnknownSet as exc:
            raise click.UsageError(str(exc)) from None
    broken = [(ref, o) for ref, o in zip(refs, outcomes) if o.has_errors or o.set is None]
    if broken:
        if fmt == "json":
            click.echo(json.dumps({"ok": False, "diagnostics": [d.to_json() for _, o in broken for d in o.diagnostics]},
                                  ensure_ascii=False, indent=2))
        for ref, outcome in broken:
            click.echo(f"{ref}：有错误（{summary_line(outcome.diagnostics)}）", err=True)
            click.echo(render_diagnostics(outcome.diagnostics), err=True)
        sys.exit(EXIT_DATA)
    return [o.set for o in outcomes]


@click.command("diff")
@click.argument("old")
@click.argument("new")
@click.option("--against", "against", multiple=True, type=click.Path(exists=True),
              help="用两个版本分别为这些自评表计分（目录按 .yaml/.yml/.xlsx/.csv 递归查找；可重复）。")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="输出格式。json 为供其他工具读取的固定结构。")
@SETS_OPTION
def sets_diff(old, new, against, fmt, set_dirs):
    """比较两个版本的指标体系（已合并继承）：分值、等级、预算执行、指标、评分规则的变化。

    OLD、NEW 是体系编号（如 mof-project）或体系 YAML 文件。加 --against 时，
    自评表分别按两个版本计分（不论表中写的是哪个体系），列出总分和等级的变化。

    退出码：0 正常，1 体系有错误或有自评表无法读取，2 用法错误。
    """
    from .. import setdiff

    old_set, new_set = _load_or_exit((old, new), set_dirs, fmt)
    changes = setdiff.diff_sets(old_set, new_set)
    rescored = None
    skipped: list[Path] = []
    if against:
        files, skipped = setdiff.find_submissions(against)
        rescored = setdiff.rescore(files, old_set, new_set)
    if fmt == "json":
        data = setdiff.report_json(old, old_set, new, new_set, changes, rescored, skipped)
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        click.echo(setdiff.report_text(old, old_set, new, new_set, changes, rescored, skipped))
    unreadable = rescored is not None and any(not item.loaded for item in rescored)
    sys.exit(EXIT_DATA if unreadable else EXIT_OK)


@click.command("new")
@click.option("--extends", "base_id", required=True, help="继承的体系编号，如 hubei-project。")
@click.option("--id", "new_id", default=None, help="新体系的编号（小写字母、数字和 -；默认：<继承的编号>-custom）。")
@click.option("--name", default=None, help="新体系的名称（默认：继承体系的名称加地区）。")
@click.option("--region", default=None, help="地区，如 武汉市。")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="输出文件（默认：当前目录下的 <编号>.yaml）；已存在时不覆盖。")
@SETS_OPTION
def sets_new(base_id, new_id, name, region, output, set_dirs):
    """新建一个继承已有体系的地区体系：写出带中文注释示例的 YAML，可直接通过 jixiao sets lint。"""
    from ..outputs import write_one
    from ..scaffold import ScaffoldError, default_id, scaffold_text, validate_id
    from ..setdiff import looks_like_file
    from ..sets import available_ids

    if looks_like_file(base_id) or base_id not in available_ids(set_dirs):
        raise click.UsageError(f"找不到指标体系「{base_id}」；可用：{'、'.join(available_ids(set_dirs))}")
    new_id = new_id or default_id(base_id)
    try:
        validate_id(new_id, base_id, available_ids(set_dirs))
    except ScaffoldError as exc:
        raise click.UsageError(str(exc)) from None
    target = Path(output) if output else current_folder() / f"{new_id}.yaml"
    if target.exists():
        raise click.UsageError(f"文件已存在：{target}；不会覆盖，请换一个文件名（-o）或先删除它。")
    if not target.parent.is_dir():
        raise click.UsageError(f"目录不存在：{target.parent}")
    (base,) = _load_or_exit((base_id,), set_dirs)
    write_one(target, scaffold_text(base, new_id, name=name, region=region, file_name=target.name).encode("utf-8"))
    click.echo(f"已生成：{target}（继承 {base_id}，编号 {new_id}）")
    click.echo(f"检查：jixiao sets lint {target}")
    click.echo(f"比较：jixiao sets diff {base_id} {target}")
    if target.stem != new_id:
        click.echo(f"提示：放进 --sets 目录按编号使用时，文件名须为 {new_id}.yaml。")
    sys.exit(EXIT_OK)
