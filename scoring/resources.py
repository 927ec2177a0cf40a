"""Find the data folders (schemas, indicator_sets, templates, examples).

Installed from a wheel they sit in `scoring/_data/`; in a source checkout or
an editable install they are the folders at the top of the repository.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


@lru_cache(maxsize=None)
def data_root() -> Path:
    installed = _PACKAGE / "_data"
    if (installed / "schemas").is_dir():
        return installed
    return _PACKAGE.parent


def data_path(*parts: str) -> Path:
    return data_root().joinpath(*parts)
