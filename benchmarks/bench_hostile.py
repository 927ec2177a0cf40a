"""How fast and how small jixiao refuses hostile files (issue 9): time and peak memory per file.

Each file is generated here (nothing stored), then `jixiao score FILE` runs in a fresh
process; its peak RSS comes from os.wait4.  Also the read of a good filled form, and
python-calamine's own read of it, for comparison.

    python benchmarks/bench_hostile.py            # about a minute
"""
from __future__ import annotations

import io
import struct
import subprocess
import sys
import tempfile
import time
import zlib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHANXI = ROOT / "examples" / "shanxi-2023-xuncha-project.yaml"
SHEET = "xl/worksheets/sheet1.xml"
HEAD = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
TAIL = b"</sheetData></worksheet>"


def base_entries() -> list[tuple[str, bytes]]:
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "自评表"
    book.active["A1"] = "三级指标"
    out = io.BytesIO()
    book.save(out)
    archive = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    return [(i.filename, archive.read(i.filename)) for i in archive.infolist()]


def raw_zip(entries, declared=None) -> bytes:
    """A zip written by hand; `declared` maps a name to the content its headers claim (size and CRC)."""
    body, central = b"", b""
    for name, content in entries:
        claim = (declared or {}).get(name, content)
        packer = zlib.compressobj(9, zlib.DEFLATED, -15)
        packed = packer.compress(content) + packer.flush()
        fields = (zlib.crc32(claim), len(packed), len(claim), len(name.encode()))
        central += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, 0x21, *fields, 0, 0, 0, 0, 0, len(body))
        central += name.encode()
        body += struct.pack("<4s2B4HL2L2H", b"PK\x03\x04", 20, 0, 0, 8, 0, 0x21, *fields, 0) + name.encode() + packed
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(central), len(body), 0)
    return body + central + end


def with_sheet(sheet: bytes, extra=()) -> bytes:
    return raw_zip([(n, sheet if n == SHEET else d) for n, d in base_entries()] + list(extra))


def make(folder: Path) -> dict[str, Path]:
    files: dict[str, Path] = {}

    def put(name: str, data: bytes) -> None:
        files[name] = folder / name
        files[name].write_bytes(data)

    subprocess.run([sys.executable, "-m", "scoring.cli", "form", "shanxi-project", "-o", str(folder / "好的填报表.xlsx")],
                   cwd=ROOT, check=True, capture_output=True)
    files["好的填报表.xlsx"] = folder / "好的填报表.xlsx"
    put("压缩炸弹（工作表解压后 0.8 GB）.xlsx", with_sheet(HEAD + b" " * (800 * 1024**2) + TAIL))
    small = HEAD + TAIL
    put("谎报大小的部件.xlsx", raw_zip([(n, small + b" " * 20_000_000 if n == SHEET else d) for n, d in base_entries()],
                                 declared={SHEET: small}))
    put("百万行.xlsx", with_sheet(HEAD + b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (i, i)
                                                for i in range(1, 1_000_001)) + TAIL))
    put("两个远端单元格.xlsx", with_sheet(HEAD + b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>' + TAIL))
    sst = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>' + b"x" * 30_000_000 \
        + b"</t></si></sst>"
    put("共享文字放大.xlsx", with_sheet(HEAD + b"".join(b'<row r="%d"><c r="A%d" t="s"><v>0</v></c></row>' % (i, i)
                                                   for i in range(1, 101)) + TAIL, [("xl/sharedStrings.xml", sst)]))
    row = "      - {level1: 产出指标, level2: 数量指标, name: 指标%d, target: 1, actual: 1}\n"
    put("两万行.yaml", ("set: hubei-department\nunit: 测试\ngoals:\n" + "".join(
        f"  - name: 目标{g}\n    indicators:\n" + "".join(row % (g * 400 + i) for i in range(400))
        for g in range(50))).encode())
    put("两万个未知的键.yaml", ("set: mof-project\nunit: 测试\n" + "".join(f"k{i}: 1\n" for i in range(20000))).encode())
    files["1.5 GB 的 CSV.csv"] = folder / "1.5 GB 的 CSV.csv"
    with open(files["1.5 GB 的 CSV.csv"], "wb") as fh:
        fh.truncate(1536 * 1024 * 1024)  # sparse
    return files


# A small launcher runs jixiao and reads its peak RSS with os.wait4: a child forked straight from this
# script would count this script's memory (which held the generated files) until it execs.
LAUNCHER = """
import os, subprocess, sys
proc = subprocess.Popen(sys.argv[2:], stdout=open(sys.argv[1], "wb"), stderr=subprocess.STDOUT)
_, _, usage = os.wait4(proc.pid, 0)
print(usage.ru_maxrss)
"""


def measure(path: Path) -> tuple[float, float, str]:
    """Seconds, peak MiB of the jixiao process, and the codes it printed."""
    import re

    with tempfile.NamedTemporaryFile() as out:
        started = time.monotonic()
        launched = subprocess.run([sys.executable, "-c", LAUNCHER, out.name, sys.executable, "-m", "scoring.cli",
                                   "score", str(path), "--set", "shanxi-project"], cwd=ROOT, capture_output=True,
                                  text=True, check=True)
        elapsed = time.monotonic() - started
        text = Path(out.name).read_text(encoding="utf-8", errors="replace")
    codes = sorted(set(re.findall(r"(?:错误|警告) ([A-Z]\d{3})", text)))
    return elapsed, int(launched.stdout.split()[-1]) / 1024, "、".join(codes) or "（无）"


def calamine_floor(path: Path, runs: int = 200) -> tuple[float, float]:
    """ms per read: python-calamine alone (every sheet), and jixiao's whole read of the same workbook."""
    import python_calamine

    sys.path.insert(0, str(ROOT))
    from scoring.diagnostics import Diagnostics
    from scoring.importers.loader import load_submission

    data = path.read_bytes()
    start = time.perf_counter()
    for _ in range(runs):
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        for name in book.sheet_names:
            book.get_sheet_by_name(name).to_python()
    floor = (time.perf_counter() - start) / runs * 1000
    load_submission(path, Diagnostics())
    start = time.perf_counter()
    for _ in range(runs):
        load_submission(path, Diagnostics())
    return floor, (time.perf_counter() - start) / runs * 1000


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="jixiao-hostile-") as tmp:
        files = make(Path(tmp))
        print("| 文件 | 大小 | 耗时 s | 峰值内存 MiB | 结果 |")
        print("|---|---|---|---|---|")
        for name, path in files.items():
            size = path.stat().st_size
            elapsed, peak, codes = measure(path)
            print(f"| {name} | {size / 1024:,.0f} KB | {elapsed:.2f} | {peak:.0f} | {codes} |")
        floor, ours = calamine_floor(files["好的填报表.xlsx"])
        print(f"\n好的填报表：python-calamine 读全部工作表 {floor:.2f} ms，jixiao 读取（预检 + calamine + 找表头）{ours:.2f} ms")


if __name__ == "__main__":
    main()
