"""`jixiao review`: check the scores a table gives itself (see scoring/review.py)."""
from __future__ import annotations

import click


@click.command()
def review():
    """（开发中）核对自评得分。"""
    raise click.UsageError("jixiao review 尚未实现。")
