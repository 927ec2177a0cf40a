"""`jixiao batch`: score a whole directory (see scoring/batch/)."""
from __future__ import annotations

import click


@click.command()
def batch():
    """（开发中）批量计分。"""
    raise click.UsageError("jixiao batch 尚未实现。")
