"""Memory of rendering attachments again and again, as `jixiao batch --render` does, and PDF time at the text caps.

    python benchmarks/bench_render_memory.py                          # each format: RSS after 10, 50, 100 renders
    python benchmarks/bench_render_memory.py --formats pdf --renders 10,50,100,200,400
    python benchmarks/bench_render_memory.py --batch 10,50,100        # real `jixiao batch --jobs 1 --render FMT`: peak RSS
    python benchmarks/bench_render_memory.py --caps                   # PDF of a table with its texts at the schema caps

Renders (default): each format in a fresh child process, one example scored and rendered N times in a
row the way a batch worker does it (a new outcome per file, the worker's garbage-collection settings,
and the worker's clean-up after a file's attachments when it has one); prints VmRSS (current resident
memory, /proc/self/status) and the mean time per render at each checkpoint.

--batch: `jixiao batch` on N copies of the example (the project name numbered, so none is a duplicate),
--jobs 1 so the one process doing the work is the one measured; peak RSS (ru_maxrss) of that process.

--caps: time of `render_bytes(..., "pdf")` for copies of the example with texts at the schema's cap
(20000 characters): one reason at its cap, and a whole file filled with capped texts up to the loader's
file-size cap (2 MiB), the most text any valid table can carry.  Speed and memory are measured here, never in tests.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "shanxi-2023-xuncha-project.yaml"
FORMATS = ("md", "html", "xlsx", "docx", "pdf")

# Runs in a child: the loop of a batch worker, minus writing the files.
RENDER_CHILD = r"""
import gc, json, sys, time
sys.path.insert(0, sys.argv[1])
from scoring.batch import worker
from scoring.pipeline import Pipeline
from scoring.render.output import render_bytes

example, fmt, marks = sys.argv[2], sys.argv[3], [int(x) for x in sys.argv[4].split(",")]
release = getattr(worker, "release_render_memory", None)  # the worker's clean-up after a file, if it has one

def rss_kib():
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmRSS"))

pipeline = Pipeline()
gc.freeze()
gc.set_threshold(*worker.GC_THRESHOLD)
start = time.perf_counter()
for n in range(1, max(marks) + 1):
    outcome = pipeline.run(example)
    render_bytes(outcome, fmt)
    if release is not None:
        release()
    if n in marks:
        print(json.dumps({"n": n, "rss_kib": rss_kib(), "ms": (time.perf_counter() - start) * 1000 / n}), flush=True)
"""

# Runs in a child: the CLI in this process (as the console script does), then its own peak RSS.
BATCH_CHILD = r"""
import json, resource, sys
sys.path.insert(0, sys.argv[1])
from scoring.cli import main
code = 0
try:
    main(sys.argv[3:])
except SystemExit as exc:
    code = exc.code or 0
with open(sys.argv[2], "w") as fh:
    json.dump({"code": code, "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}, fh)
"""


def child_env() -> dict:
    env = dict(os.environ)
    env.pop("PYTHONHASHSEED", None)
    return env


def bench_renders(formats, marks: list[int], example: Path) -> None:
    print(f"样例 {example.name}；每种格式一个新进程，按批处理工作进程的方式连续计分并生成 {max(marks)} 次")
    print("| 格式 | " + " | ".join(f"{m} 次后 RSS MiB" for m in marks) + " | 增长 MiB/次 | 平均 ms/次 |")
    print("|---|" + "---|" * (len(marks) + 2))
    for fmt in formats:
        proc = subprocess.run([sys.executable, "-c", RENDER_CHILD, str(ROOT), str(example), fmt,
                               ",".join(map(str, marks))], capture_output=True, text=True, env=child_env())
        if proc.returncode:
            print(f"| {fmt} | 失败：{proc.stderr.strip().splitlines()[-1:]} |")
            continue
        points = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
        mib = [p["rss_kib"] / 1024 for p in points]
        growth = (mib[-1] - mib[0]) / (points[-1]["n"] - points[0]["n"]) if len(points) > 1 else 0.0
        print(f"| {fmt} | " + " | ".join(f"{m:.0f}" for m in mib) + f" | {growth:.2f} | {points[-1]['ms']:.0f} |",
              flush=True)


def numbered_copies(example: Path, folder: Path, count: int) -> None:
    text = example.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith("project:"))
    for i in range(count):
        copy = list(lines)
        copy[at] = lines[at].rstrip("\n") + f"{i:05d}\n"
        (folder / f"表{i:05d}.yaml").write_text("".join(copy), encoding="utf-8")


def bench_batch(formats, counts: list[int], example: Path) -> None:
    print(f"jixiao batch --jobs 1 --render FMT，{example.name} 的 N 个副本（项目名编号）；工作进程即本进程的峰值 RSS")
    print("| 格式 | " + " | ".join(f"{n} 个文件 MiB" for n in counts) + " | 增长 MiB/文件 |")
    print("|---|" + "---|" * (len(counts) + 1))
    for fmt in formats:
        peaks = []
        for n in counts:
            with tempfile.TemporaryDirectory(prefix="jixiao-render-mem-") as tmp:
                corpus = Path(tmp, "in")
                corpus.mkdir()
                numbered_copies(example, corpus, n)
                report = Path(tmp, "report.json")
                subprocess.run([sys.executable, "-c", BATCH_CHILD, str(ROOT), str(report), "batch", str(corpus),
                                "-o", str(Path(tmp, "out")), "--jobs", "1", "--render", fmt],
                               capture_output=True, env=child_env(), check=False)
                result = json.loads(report.read_text(encoding="utf-8"))
                if result["code"] != 0:
                    print(f"（{fmt}，{n} 个文件：jixiao batch 退出码 {result['code']}）")
                peaks.append(result["maxrss_kib"] / 1024)
        growth = (peaks[-1] - peaks[0]) / (counts[-1] - counts[0]) if len(counts) > 1 else 0.0
        print(f"| {fmt} | " + " | ".join(f"{p:.0f}" for p in peaks) + f" | {growth:.2f} |", flush=True)


CAPS_CHILD = r"""
import json, subprocess, sys, time
sys.path.insert(0, sys.argv[1])
from scoring.diagnostics import Diagnostics
from scoring.importers.export import dump_yaml
from scoring.pipeline import Pipeline
from scoring.render.output import render_bytes
from scoring.yamlload import MAX_FILE_BYTES, load_file

example, folder, case = sys.argv[2], sys.argv[3], sys.argv[4]
TEXT_CAP = 20000  # schemas/submission.schema.json: $defs.text
PHRASE = "因上级安排部署实际巡察次数多于计划，已按要求完成整改并建立长效机制。"  # prose that breaks like real text

def long(cap, prefix=""):
    return (prefix + PHRASE * (cap // len(PHRASE) + 1))[:cap]

data = load_file(example, Diagnostics()).data
rows = data["indicators"]
if case == "one":  # one reason at its cap
    rows[0]["reason"] = long(TEXT_CAP)
else:  # texts at their cap, one after another, until the file reaches the loader's size cap
    slots = [(g, k) for g in data.get("goals", []) for k in ("target", "actual")]
    slots += [(r, k) for r in rows for k in ("reason", "measures", "remarks")]
    for holder, key in slots:
        before = holder.get(key)
        holder[key] = long(TEXT_CAP)
        if len(dump_yaml(data).encode("utf-8")) > MAX_FILE_BYTES:
            if before is None:
                del holder[key]
            else:
                holder[key] = before
            break
path = f"{folder}/caps.yaml"
with open(path, "w", encoding="utf-8") as fh:
    fh.write(dump_yaml(data))
pipeline = Pipeline()
render_bytes(pipeline.run(example), "pdf")  # warm up: imports, fonts
outcome = pipeline.run(path)
errors = sorted({d.code for d in outcome.diagnostics if d.severity == "error"})
if outcome.result is None:
    print(json.dumps({"error": [f"{d.code} {d.message}" for d in outcome.diagnostics if d.severity == "error"][:3]}))
    sys.exit()
start = time.perf_counter()
html = render_bytes(outcome, "html")
html_s = time.perf_counter() - start
start = time.perf_counter()
pdf = render_bytes(outcome, "pdf")
pdf_s = time.perf_counter() - start
with open(f"{folder}/caps.pdf", "wb") as fh:
    fh.write(pdf)
try:
    info = subprocess.run(["pdfinfo", f"{folder}/caps.pdf"], capture_output=True, text=True).stdout
    pages = next(int(line.split()[-1]) for line in info.splitlines() if line.startswith("Pages:"))
except (OSError, StopIteration):
    pages = None
with open("/proc/self/status") as fh:
    hwm = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM"))
text_chars = sum(len(v) for r in rows for v in r.values() if isinstance(v, str))
text_chars += sum(len(g.get(k) or "") for g in data.get("goals", []) for k in ("target", "actual"))
print(json.dumps({"file_bytes": len(open(path, "rb").read()), "chars": text_chars, "rows": len(rows),
                  "html_s": html_s, "pdf_s": pdf_s, "pdf_bytes": len(pdf), "pages": pages, "peak_kib": hwm,
                  "errors": errors}))
"""


def bench_caps(example: Path) -> None:
    print(f"{example.name} 的文字放到 schema 上限：PDF 生成耗时（不含导入与字体加载）")
    cases = {"one": "一行的 reason 20000 字",
             "file": "绩效目标与各行 reason/measures/remarks 逐个填到 20000 字，直到文件达到 2 MiB 上限"}
    for case, label in cases.items():
        with tempfile.TemporaryDirectory(prefix="jixiao-caps-") as tmp:
            proc = subprocess.run([sys.executable, "-c", CAPS_CHILD, str(ROOT), str(example), tmp, case],
                                  capture_output=True, text=True, env=child_env())
        if proc.returncode or not proc.stdout.strip():
            print(f"- {label}：失败", proc.stderr.strip()[-500:])
            continue
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        if "error" in r:
            print(f"- {label}：未能计分（{'、'.join(r['error'])}）")
            continue
        print(f"- {label}：文件 {r['file_bytes'] / 2**20:.2f} MiB，{r['rows']} 行，文字 {r['chars']:,} 字；"
              f"HTML {r['html_s']:.2f} s；PDF {r['pdf_s']:.1f} s，{r['pages']} 页，{r['pdf_bytes'] / 2**20:.1f} MiB；"
              f"峰值 RSS {r['peak_kib'] / 1024:.0f} MiB" + (f"（错误 {'、'.join(r['errors'])}）" if r["errors"] else ""),
              flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--renders", default="10,50,100", help="checkpoints (renders in one process)")
    parser.add_argument("--batch", default="", help="file counts for real `jixiao batch` runs, e.g. 10,50,100")
    parser.add_argument("--caps", action="store_true", help="PDF time for a table at the schema's text caps")
    parser.add_argument("--example", type=Path, default=EXAMPLE)
    args = parser.parse_args()
    formats = [f for f in args.formats.split(",") if f]
    if args.caps:
        bench_caps(args.example)
    elif args.batch:
        bench_batch(formats, [int(x) for x in args.batch.split(",")], args.example)
    else:
        bench_renders(formats, [int(x) for x in args.renders.split(",")], args.example)


if __name__ == "__main__":
    main()
