"""Regenerate the golden Markdown and HTML of every example. Never edit the golden files by hand.

    python tests/golden/regenerate.py

Each golden file starts with a header line carrying the SHA-256 of the rest of the file, so a hand
edit is caught by tests/test_render.py even when it happens to match a buggy renderer.
"""
from __future__ import annotations

import hashlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from scoring.pipeline import Pipeline  # noqa: E402
from scoring.render.output import render_bytes  # noqa: E402

GOLDEN = Path(__file__).resolve().parent
HEADER = {"md": "<!-- golden sha256={digest}; regenerate with: python tests/golden/regenerate.py -->\n",
          "html": "<!-- golden sha256={digest}; regenerate with: python tests/golden/regenerate.py -->\n"}


def with_header(fmt: str, body: str) -> str:
    digest = hashlib.sha256(body.encode("utf-8")).hexdigest()
    return HEADER[fmt].format(digest=digest) + body


def split_header(text: str) -> tuple[str, str]:
    """(recorded digest, body) of a golden file."""
    first, _, body = text.partition("\n")
    digest = first.split("sha256=", 1)[1].split(";", 1)[0] if "sha256=" in first else ""
    return digest, body


def render_example(path: Path, fmt: str) -> str:
    outcome = Pipeline().run(path)
    text = render_bytes(outcome, fmt).decode("utf-8")
    # Paths differ between machines; golden files keep only the file name.
    return text.replace(str(path), path.name)


def main() -> None:
    for example in sorted((ROOT / "examples").glob("*.yaml")):
        for fmt in ("md", "html"):
            target = GOLDEN / f"{example.stem}.{fmt}"
            target.write_text(with_header(fmt, render_example(example, fmt)), encoding="utf-8")
            print(f"wrote {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
