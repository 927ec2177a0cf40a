"""`jixiao sets diff` and `jixiao sets new`: maintaining indicator sets."""
from __future__ import annotations

import click


@click.command("diff")
def sets_diff():
    """（开发中）比较两个版本的指标体系。"""
    raise click.UsageError("jixiao sets diff 尚未实现。")


@click.command("new")
def sets_new():
    """（开发中）新建地区指标体系。"""
    raise click.UsageError("jixiao sets new 尚未实现。")
