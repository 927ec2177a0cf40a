"""The `jixiao` command. Thin: parse arguments, call the library, print.

Exit codes: 0 ok, 1 problems in the data, 2 usage errors, 3 internal bug.
"""
from __future__ import annotations

import json
import os
import sys
import tempfile
import traceback
from datetime import datetime
from pathlib import Path

import click

from .limits import DEFAULT_TIMEOUT
from .options import SET_OPTION, SETS_OPTION, current_folder, existing_file, existing_files
from .outputs import OutputError

EXIT_OK, EXIT_DATA, EXIT_USAGE, EXIT_BUG = 0, 1, 2, 3


def _pipeline(set_dirs, default_set: str = "mof-project"):
    from .pipeline import Pipeline

    return Pipeline(set_dirs, default_set)


def _set_or_exit(set_id: str, set_dirs):
    """The resolved set; a usage error if there is no such set, exit 1 with its problems if it is broken."""
    from .sets import SetLoader, available_ids

    iset, diags = SetLoader(set_dirs).get(set_id)
    if iset is None:
        if not diags:
            raise click.UsageError(f"找不到指标体系「{set_id}」；可用：{'、'.join(available_ids(set_dirs))}")
        for d in diags:
            click.echo(d.format(), err=True)
        sys.exit(EXIT_DATA)
    return iset


def _exit_code(outcomes, strict: bool) -> int:
    from .diagnostics import WARNING

    if any(o.has_errors for o in outcomes):
        return EXIT_DATA
    if strict and any(d.severity == WARNING for o in outcomes for d in o.diagnostics):
        return EXIT_DATA
    return EXIT_OK


def _echo_json(outcomes) -> None:
    from .report import to_json

    data = [to_json(o) for o in outcomes]
    click.echo(json.dumps(data[0] if len(data) == 1 else data, ensure_ascii=False, indent=2))


class _Refused(click.ClickException):
    """An OutputError the CLI's way: said in Chinese; exit 2 (choose another output) or 1 (the environment)."""

    def __init__(self, error: OutputError):
        super().__init__(str(error))
        self.exit_code = EXIT_USAGE if error.usage else EXIT_DATA

    def show(self, file=None) -> None:
        click.echo(f"错误：{self.message}", err=True)


class _Group(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except OutputError as exc:  # from any command: a file that must not or cannot be written
            raise _Refused(exc) from None


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="jixiao", prog_name="jixiao")
def cli():
    """jixiao 绩效：预算绩效自评表评分引擎。

    按指标体系为绩效自评表计分，逐项说明得失分，标出偏差，核对自评得分。
    退出码：0 正常，1 数据有错误，2 用法错误，3 程序内部错误。
    """


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(), callback=existing_files)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="输出格式。json 为供其他工具读取的固定结构。")
@click.option("--explain", is_flag=True, help="逐项列出计分过程。")
@click.option("-v", "--verbose", is_flag=True, help="同时显示「提示」级信息。")
@click.option("--strict", is_flag=True, help="有警告时也以退出码 1 结束。")
@SETS_OPTION
@SET_OPTION
def score(files, fmt, explain, verbose, strict, set_dirs, default_set):
    """为一个或多个自评表计分：YAML、jixiao form 生成并填好的 .xlsx，或一行一个指标的 CSV/Excel 表。"""
    from .report import render_diagnostics, render_text, summary_line

    pipeline = _pipeline(set_dirs, default_set)
    outcomes = [_check_one(pipeline, f) for f in files]
    if fmt == "json":
        _echo_json(outcomes)
    else:
        for outcome in outcomes:
            if outcome.result is None and outcome.set is not None:
                click.echo(f"== {outcome.file}\n这是指标体系文件，不是自评表；已按 `jixiao sets lint` 检查。")
            else:
                click.echo(render_text(outcome, explain=explain))
            text = render_diagnostics(outcome.diagnostics, verbose or explain)
            if text:
                click.echo(text, err=True)
            click.echo(f"（{summary_line(outcome.diagnostics)}）\n", err=True)
    sys.exit(_exit_code(outcomes, strict))


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(), callback=existing_files)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("-v", "--verbose", is_flag=True, help="同时显示「提示」级信息。")
@click.option("--strict", is_flag=True, help="有警告时也以退出码 1 结束。")
@SETS_OPTION
@SET_OPTION
def check(files, fmt, verbose, strict, set_dirs, default_set):
    """只检查自评表或指标体系文件，列出全部问题，不输出得分表。"""
    from .report import render_diagnostics, summary_line

    pipeline = _pipeline(set_dirs, default_set)
    outcomes = [_check_one(pipeline, f) for f in files]
    if fmt == "json":
        click.echo(json.dumps([{"file": o.file, "ok": not o.has_errors,
                                "diagnostics": [d.to_json() for d in o.diagnostics]} for o in outcomes],
                              ensure_ascii=False, indent=2))
    else:
        for outcome in outcomes:
            text = render_diagnostics(outcome.diagnostics, verbose)
            status = "有错误" if outcome.has_errors else "通过"
            click.echo(f"{outcome.file}：{status}（{summary_line(outcome.diagnostics)}）")
            if text:
                click.echo(text)
    sys.exit(_exit_code(outcomes, strict))


def _check_one(pipeline, path):
    from .lint import is_set_file, lint_file

    if is_set_file(path):
        return lint_file(path, pipeline.sets.extra_dirs)
    return pipeline.run(path)


def _formats(value: str, option: str = "--to") -> list[str]:
    from .render.output import FORMATS

    chosen = [x.strip().lower() for x in value.split(",") if x.strip()]
    unknown = [x for x in chosen if x not in FORMATS]
    if unknown or not chosen:
        raise click.BadParameter(f"不支持的格式：{'、'.join(unknown) or '（空）'}；可用：{','.join(FORMATS)}",
                                 param_hint=option)
    return list(dict.fromkeys(chosen))


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(), callback=existing_files)
@click.option("--to", "to", default="html", show_default=True,
              help="输出格式，可用逗号分隔多个：html,pdf,xlsx,docx,md。")
@click.option("-o", "--output", type=click.Path(), default=None,
              help="输出目录（默认当前目录）；只有一个输入和一种格式时也可以是文件名。")
@click.option("--templates", "templates_dir", type=click.Path(exists=True, file_okay=False), default=None,
              help="单位或财政局自己的模板目录，优先于内置模板（在沙箱中运行）。")
@click.option("--timeout", type=click.IntRange(1, 86400), default=DEFAULT_TIMEOUT, show_default=True,
              help="每个文件生成附件的时限（秒）。")
@click.option("--with-review", is_flag=True, default=False,
              help="在正式内容之后另起一页附「计分说明」（规则得分、自评得分、计分过程、检查发现的问题），供审核用；"
                   "公开的正式附件不要加。（HTML、PDF、Markdown；Excel 为「计分说明」工作表）")
@SETS_OPTION
@SET_OPTION
def render(files, to, output, templates_dir, timeout, with_review, set_dirs, default_set):
    """把自评表渲染为可公开的附件（HTML、PDF、Excel、Word、Markdown）。"""
    from .limits import TimeBudgetExceeded, time_budget
    from .outputs import OutputFolder
    from .render.output import output_path, render_to_files
    from .report import compact_counts

    formats = _formats(to)
    pipeline = _pipeline(set_dirs, default_set)
    target = Path(output) if output else None
    here = current_folder() if target is None else Path(".")
    single = len(files) == 1 and len(formats) == 1
    paths = {f: [output_path(Path(f), fmt, target, single, here) for fmt in formats] for f in files}
    planned = [(p, f) for f in files for p in paths[f]]
    failed = False
    with OutputFolder(planned[0][0].parent, inputs=files) as folder:
        folder.check_plan(planned)  # nothing is written if any output would clash or replace what is not ours
        for path in files:
            try:
                with time_budget(timeout):
                    outcome = _check_one(pipeline, path)
                    written = render_to_files(outcome, formats, paths[path], folder, templates_dir, with_review)
            except TimeBudgetExceeded:
                failed = True
                click.echo(f"{path}：未生成。处理超过 {format(timeout, 'g')} 秒，已停止（文字过长或模板过于复杂？"
                           "可用 --timeout 放宽时限）。", err=True)
                continue
            if written.error:
                failed = True
                click.echo(f"{path}：未生成。{written.error}", err=True)
                continue
            for out in written.outputs:
                click.echo(f"{path} → {out}")
            if outcome.diagnostics:
                click.echo(f"    （{compact_counts(outcome.diagnostics)}；用 jixiao check {path} 查看）", err=True)
            failed = failed or outcome.has_errors
    sys.exit(EXIT_DATA if failed else EXIT_OK)


@cli.command()
@click.argument("set_id")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="输出文件（默认：<体系编号>-填报表.xlsx，写在当前目录）。")
@SETS_OPTION
def form(set_id, output, set_dirs):
    """按指标体系生成 Excel 填报表（表头、预算、指标行、下拉选项，锁定不可修改的单元格）。"""
    from .importers.form import form_bytes
    from .outputs import write_one

    iset = _set_or_exit(set_id, set_dirs)
    target = Path(output) if output else current_folder() / f"{set_id}-填报表.xlsx"
    write_one(target, form_bytes(iset))
    click.echo(f"已生成填报表：{target}")


@cli.command("import")
@click.argument("file", type=click.Path(), callback=existing_file)
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True, help="输出的自评表 YAML 文件。")
@SETS_OPTION
@SET_OPTION
def import_(file, output, set_dirs, default_set):
    """把填好的 Excel 填报表转换为自评表 YAML，并检查其中的问题。"""
    from .diagnostics import Diagnostics
    from .importers.export import to_yaml
    from .importers.loader import load_submission
    from .outputs import write_one
    from .report import render_diagnostics, summary_line

    target = Path(output)
    diags = Diagnostics()
    doc = load_submission(file, diags, default_set)
    if doc is None:
        click.echo(render_diagnostics(diags.items), err=True)
        sys.exit(EXIT_DATA)
    write_one(target, to_yaml(doc.data, Path(file).name).encode("utf-8"), inputs=[file])
    outcome = _pipeline(set_dirs, default_set).run(file)
    click.echo(f"已导入：{file} → {target}（{summary_line(outcome.diagnostics)}）")
    text = render_diagnostics(outcome.diagnostics)
    if text:
        click.echo(text, err=True)
    sys.exit(EXIT_DATA if outcome.has_errors else EXIT_OK)


@cli.group()
def sets():
    """查看和检查指标体系。"""


@sets.command("list")
@SETS_OPTION
def sets_list(set_dirs):
    """列出可用的指标体系。"""
    from .report import table
    from .sets import SetLoader, available_ids

    loader = SetLoader(set_dirs)
    rows = [["编号", "名称", "地区", "类型", "计分"]]
    for set_id in available_ids(set_dirs):
        iset, _ = loader.get(set_id)
        if iset is None:
            rows.append([set_id, "（无法读取，请运行 jixiao sets lint）", "", "", ""])
            continue
        rows.append([iset.id, iset.name, iset.region, {"project": "项目", "department": "部门整体"}[iset.kind],
                     "是" if iset.scored else "否"])
    for line in table(rows, [28, 44, 8, 8, 4]):
        click.echo(line)


@sets.command("show")
@click.argument("set_id")
@SETS_OPTION
def sets_show(set_id, set_dirs):
    """显示指标体系（已合并继承）的结构、分值和评分规则。"""
    from .lint import describe_set

    iset = _set_or_exit(set_id, set_dirs)
    click.echo(describe_set(iset))


@sets.command("lint")
@click.argument("targets", nargs=-1)
@SETS_OPTION
def sets_lint(targets, set_dirs):
    """检查指标体系：结构、分值合计、分档缺口与重叠、公式。不给参数时检查全部体系。"""
    from .lint import lint_file, lint_id
    from .report import render_diagnostics, summary_line
    from .sets import available_ids

    targets = targets or tuple(available_ids(set_dirs))
    outcomes = []
    for target in targets:
        outcome = lint_file(target, set_dirs) if target.endswith((".yaml", ".yml")) else lint_id(target, set_dirs)
        outcomes.append(outcome)
        status = "有错误" if outcome.has_errors else "通过"
        click.echo(f"{target}：{status}（{summary_line(outcome.diagnostics)}）")
        text = render_diagnostics(outcome.diagnostics, verbose=False)
        if text:
            click.echo(text)
    sys.exit(_exit_code(outcomes, strict=False))


@cli.command()
def rules():
    """列出计分约定，以及全部评分规则类型、参数和说明。"""
    from .conventions import CONVENTIONS
    from .rules import REGISTRY, describe_kinds

    click.echo("计分约定（通知没有规定之处，jixiao 的做法）")
    click.echo("")
    for index, (title, text) in enumerate(CONVENTIONS, 1):
        click.echo(f"{index}. {title}")
        click.echo(f"    {text}")
        click.echo("")
    click.echo("评分规则类型")
    click.echo("")
    for kind, title, doc in describe_kinds():
        click.echo(f"{kind}（{title}）")
        for line in doc.splitlines():
            click.echo(f"    {line.strip()}")
        for p in REGISTRY[kind].parameters():
            default = "必填" if p.required else f"默认 {_shown_default(p.default)}"
            click.echo(f"    参数 {p.name}（{default}）：{p.doc}")
        click.echo("")


def _shown_default(value) -> str:
    from .numbers import fmt_short

    if isinstance(value, list):
        return "、".join(str(v.get("label", v)) if isinstance(v, dict) else str(v) for v in value) or "无"
    if hasattr(value, "as_tuple"):
        return fmt_short(value)
    return "无" if value is None else str(value)


@cli.command()
@click.option("--explain/--no-explain", default=True, help="详细示例中是否逐项列出计分过程。")
def demo(explain):
    """用内置样例（各地公开的自评表）演示计分。"""
    from . import resources
    from .numbers import fmt_short
    from .report import compact_counts, render_text, table

    folder = resources.data_path("examples")
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise click.ClickException(f"找不到内置样例目录：{folder}")
    pipeline = _pipeline(())
    outcomes = [pipeline.run(f) for f in files]
    featured = next((o for o in outcomes if "shanxi" in o.file), outcomes[0])
    click.echo(render_text(featured, explain=explain))
    click.echo("")
    click.echo("内置样例计分汇总：")
    rows = [["样例", "指标体系", "表中总分", "计算总分", "等级", "问题"]]
    for o in outcomes:
        r = o.result
        total = "不计分" if r is not None and not r.scored else (format(r.total, "f") if r and r.total is not None else "—")
        printed = fmt_short(r.printed_total) if r is not None and r.printed_total is not None else "—"
        rows.append([Path(o.file).name, o.set.id if o.set else "", printed, total, (r.grade or "") if r else "",
                     compact_counts(o.diagnostics)])
    for line in table(rows, [36, 26, 8, 8, 4, 22]):
        click.echo(line)
    click.echo("\n查看某个样例的详细计分：jixiao score <样例文件> --explain")
    sys.exit(EXIT_OK)


def _register_commands() -> None:
    """Commands kept in their own modules; each imports its heavy parts only when run."""
    from .commands.batch import batch
    from .commands.review import review
    from .commands.sets_maint import sets_diff, sets_new

    cli.add_command(batch)
    cli.add_command(review)
    sets.add_command(sets_diff)
    sets.add_command(sets_new)


_register_commands()

def main(argv=None) -> None:
    """Entry point: map every way out to the documented exit codes."""
    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _guarded(sys.stdout), _guarded(sys.stderr)
    try:
        _run(argv)
    finally:
        sys.stdout, sys.stderr = streams


def _guarded(stream):
    """Text from the user's files (unit names, reasons) may hold escape sequences or bidi overrides:
    every character the terminal would act on is shown escaped (see scoring/display.py)."""
    from .display import SafeStream

    return stream if stream is None or isinstance(stream, SafeStream) else SafeStream(stream)


def _run(argv) -> None:
    try:
        code = cli.main(args=argv, prog_name="jixiao", standalone_mode=False)
    except click.exceptions.ClickException as exc:  # usage errors and friends
        exc.show()
        sys.exit(EXIT_USAGE if isinstance(exc, click.UsageError) else exc.exit_code)
    except BrokenPipeError:  # `jixiao score … | head`: the reader left
        _silence_stdout()
        sys.exit(EXIT_OK)
    except OSError as exc:  # the environment, not the data: output to a full disk, a vanished folder
        from .fileio import os_reason

        _say(f"错误：无法完成（{os_reason(exc, writing=True)}{f'：{exc.filename}' if exc.filename else ''}）。"
             "请检查磁盘空间、文件夹和输出位置后重试。")
        sys.exit(EXIT_DATA)
    except (click.exceptions.Abort, KeyboardInterrupt):
        click.echo("已中断。", err=True)
        sys.exit(130)
    except SystemExit:
        raise
    except Exception:  # an internal bug: short message, details to a file
        log = _write_crash_log()
        click.echo(f"jixiao 内部错误（这是程序的问题，不是您的数据的问题）。详细信息已写入：{log}\n"
                   "请把该文件和出错的输入一并反馈给维护者。", err=True)
        sys.exit(EXIT_BUG)
    sys.exit(code or 0)


def _say(message: str) -> None:
    """To stderr, if even that can be written (it may be on the full disk too)."""
    try:
        click.echo(message, err=True)
    except OSError:
        pass


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _write_crash_log() -> str:
    """The traceback in a file; if even that cannot be written (disk full), on the screen."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    details = f"argv: {sys.argv!r}\n\n{traceback.format_exc()}"
    try:
        fd, path = tempfile.mkstemp(prefix=f"jixiao-crash-{stamp}-", suffix=".log")
        with open(fd, "w", encoding="utf-8", errors="backslashreplace") as fh:
            fh.write(details)
        return path
    except OSError:
        click.echo(details, err=True)
        return "（无法写入文件，已显示在上方）"


if __name__ == "__main__":  # pragma: no cover
    main()
