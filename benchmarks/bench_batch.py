"""Time `jixiao batch` on generated corpora against the YAML parse floor; peak memory; start-up.

    python benchmarks/bench_batch.py [--sizes 1000,10000] [--jobs 1,2] [--keep DIR] [--runs 3] [--quick]
                                     [--seed 0] [--error-rate 0.05] [--no-batch]

Not part of the test suite.  Every measurement is a fresh subprocess, so interpreter start-up
and imports count, as they do for a user:

- parse floor: `python -c` walking the corpus and loading every .yaml with `yaml.CLoader`
  (broken files caught), i.e. what any YAML tool must at least spend;
- `jixiao batch CORPUS -o OUT --jobs N`, OUT a fresh directory each run.  It runs through a tiny
  wrapper that calls `scoring.cli.main` exactly as the `jixiao` console script does, and then
  reports its own peak RSS (the batch parent) and RUSAGE_CHILDREN (the largest worker process
  it waited for).  `os.wait4` on the wrapper gives the peak of the whole tree's largest process;
- start-up: `jixiao --help` against `python -c "import yaml"`, median of 10.

Each command is started by a small launcher process that times it and reads its rusage with
`os.wait4`: Linux starts a child's ru_maxrss at the RSS of whatever forked it, so children of this
script (which may hold a freshly generated corpus) would report its size.  The launcher's own
~13 MiB is therefore the lowest reading possible (printed as 空解释器).  Runs are interleaved
(floor, jobs=1, jobs=2, floor, ...) so that a slow spell of a shared machine hits all of them.
Children use bytecode compiled once into a cache dir (PYTHONPYCACHEPREFIX), as an installed
package would, and never write __pycache__ into the working tree.

Corpora come from benchmarks/generate.py and are cached by size, seed and error rate (and the
generator's source) in --keep DIR or a directory under the system temp dir.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
GENERATOR = HERE / "generate.py"

# Targets of issue 5.
FLOOR_FACTOR = 1.5      # scoring 10,000 files within 1.5× the parse floor
MEMORY_GROWTH = 1.2     # peak memory at the largest size within 1.2× that at the smallest
SPEEDUP_TWO = 1.7       # jobs=2 "close to 2×" faster than jobs=1
STARTUP_FACTOR = 3.0    # `jixiao --help` within 3× `python -c "import yaml"`

FLOOR_CODE = r"""
import os, sys, yaml
for root, dirs, files in os.walk(sys.argv[1]):
    for name in files:
        if name.endswith((".yaml", ".yml")):
            try:
                with open(os.path.join(root, name), encoding="utf-8") as fh:
                    yaml.load(fh.read(), Loader=yaml.CLoader)
            except Exception:
                pass
"""

# Every measured command is started by this small launcher, which times it and collects its rusage
# with os.wait4.  Not from this script directly: Linux starts a child's ru_maxrss at the RSS of the
# process that forked (or vforked) it, and this script holds a whole generated corpus in memory.
LAUNCHER_CODE = r"""
import json, os, subprocess, sys, time
report, out, err, cmd = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
with open(out, "wb") as stdout, open(err, "wb") as stderr:
    start = time.perf_counter()
    child = subprocess.Popen(cmd, stdout=stdout, stderr=stderr)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
child.returncode = os.waitstatus_to_exitcode(status)
with open(report, "w") as fh:
    json.dump({"seconds": seconds, "code": child.returncode, "maxrss_kib": usage.ru_maxrss}, fh)
"""

# Runs the CLI in this process (as the console script does), then reports peak RSS of itself and of
# the largest child it waited for.  ProcessPoolExecutor joins its workers, so they count.
WRAPPER_CODE = r"""
import json, resource, sys
report, argv = sys.argv[1], sys.argv[2:]
code = 0
if __name__ == "__main__":
    try:
        from scoring.cli import main
        main(argv)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    with open(report, "w") as fh:
        json.dump({"code": code, "self_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                   "children_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}, fh)
    sys.exit(code)
"""


# Children run with compiled bytecode, as after `pip install .`: kept under PYTHONPYCACHEPREFIX (set
# in main) rather than in the working tree, even where PYTHONDONTWRITEBYTECODE is set.
CHILD_ENV = dict(os.environ)


class BatchFailed(Exception):
    """`jixiao batch` did not run to the end (not implemented yet, crashed, usage error)."""


@dataclass
class Run:
    seconds: float
    tree_kib: int            # os.wait4: the largest process of the tree
    parent_kib: int = 0      # the batch parent itself
    children_kib: int = 0    # the largest worker it waited for (0: no workers)


@dataclass
class Row:
    size: int
    runs: int
    floor: list[Run] = field(default_factory=list)
    batch: dict[int, list[Run]] = field(default_factory=dict)


# -- subprocesses --------------------------------------------------------------------------------

def timed(cmd: list[str], stderr_file: Path | None = None) -> tuple[float, int, int]:
    """(seconds, exit code, ru_maxrss KiB) of one run of `cmd`, through the launcher."""
    with tempfile.TemporaryDirectory(prefix="jixiao-launch-") as tmp:
        report = Path(tmp) / "report.json"
        err = stderr_file or Path(tmp) / "stderr"
        subprocess.run([sys.executable, "-S", "-c", LAUNCHER_CODE, str(report), os.devnull, str(err), *cmd],
                       cwd=ROOT, env=CHILD_ENV, check=True)
        result = json.loads(report.read_text(encoding="utf-8"))
    return result["seconds"], result["code"], result["maxrss_kib"]


def jixiao_command() -> list[str]:
    script = Path(sys.executable).with_name("jixiao")
    return [str(script)] if script.exists() else [sys.executable, "-m", "scoring.cli"]


def floor_run(corpus: Path) -> Run:
    seconds, code, kib = timed([sys.executable, "-c", FLOOR_CODE, str(corpus)])
    if code != 0:
        raise SystemExit(f"解析下限的子进程失败（退出码 {code}）")
    return Run(seconds, kib)


def batch_run(corpus: Path, jobs: int, scratch: Path) -> Run:
    work = Path(tempfile.mkdtemp(prefix="batch-", dir=scratch))
    out, usage_file, log = work / "out", work / "rusage.json", work / "stderr.txt"
    try:
        seconds, code, kib = timed([sys.executable, "-c", WRAPPER_CODE, str(usage_file), "batch", str(corpus),
                                    "-o", str(out), "--jobs", str(jobs)], stderr_file=log)
        tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-8:]
        if code not in (0, 1):  # 1 = some files have data errors, which a realistic corpus has
            raise BatchFailed(f"jixiao batch 退出码 {code}（应为 0 或 1）。最后的输出：\n  " + "\n  ".join(tail))
        if not out.is_dir() or not any(out.iterdir()):
            raise BatchFailed(f"jixiao batch 退出码 {code}，但输出目录 {out} 是空的。")
        usage = json.loads(usage_file.read_text(encoding="utf-8"))
        return Run(seconds, kib, usage["self_kib"], usage["children_kib"])
    finally:
        shutil.rmtree(work, ignore_errors=True)


def precompile(cache: Path) -> None:
    """Bytecode for the package into `cache`, used by every measured child."""
    CHILD_ENV.pop("PYTHONDONTWRITEBYTECODE", None)
    CHILD_ENV["PYTHONPYCACHEPREFIX"] = str(cache)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "scoring")], cwd=ROOT, env=CHILD_ENV,
                   stdout=subprocess.DEVNULL, check=True)


def startup(runs: int = 10) -> tuple[float, float]:
    """Median seconds of `jixiao --help` and of `python -c "import yaml"`."""
    cli = jixiao_command() + ["--help"]
    timed(cli)  # warm the page cache and __pycache__
    help_s = statistics.median(timed(cli)[0] for _ in range(runs))
    yaml_s = statistics.median(timed([sys.executable, "-c", "import yaml"])[0] for _ in range(runs))
    return help_s, yaml_s


# -- corpora --------------------------------------------------------------------------------------

def corpus_for(size: int, seed: int, error_rate: float, base: Path) -> Path:
    """The corpus directory, generated unless a complete one from the same generator is cached."""
    name = f"corpus-{size}-seed{seed}-err{error_rate:g}"
    corpus = base / name
    stamp = base / f"{name}.done"  # outside the corpus, so the batch never sees it
    version = hashlib.sha256(GENERATOR.read_bytes()).hexdigest()
    if corpus.is_dir() and stamp.is_file() and stamp.read_text() == version:
        print(f"沿用已生成的 {size} 个文件：{corpus}", file=sys.stderr)
        return corpus
    shutil.rmtree(corpus, ignore_errors=True)
    stamp.unlink(missing_ok=True)
    print(f"生成 {size} 个文件到 {corpus} ……", file=sys.stderr)
    sys.path.insert(0, str(HERE))
    try:
        import generate
    finally:
        sys.path.remove(str(HERE))
    generate.generate(size, corpus, seed=seed, error_rate=error_rate)
    stamp.write_text(version)
    return corpus


def warm(corpus: Path) -> None:
    """Read every file once so the first timed run does not pay for the disk."""
    for path in corpus.rglob("*"):
        if path.is_file():
            path.read_bytes()


# -- report -----------------------------------------------------------------------------------------

def mib(kib: int) -> str:
    return f"{kib / 1024:.0f}"


def median_s(runs: list[Run]) -> float:
    return statistics.median(r.seconds for r in runs)


def paired(slow: list[Run], fast: list[Run]) -> float:
    """Median of the per-round ratios slow/fast: runs of one round share the machine's mood."""
    return statistics.median(a.seconds / b.seconds for a, b in zip(slow, fast))


def machine() -> str:
    total = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                total = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    try:
        import yaml
        libyaml = "libyaml" if getattr(yaml, "__with_libyaml__", False) else "无 libyaml"
    except ImportError:
        libyaml = "无 PyYAML"
    return (f"机器：{os.cpu_count()} 核（可用 {usable}），内存 {total}，{platform.platform()}，"
            f"Python {platform.python_version()}，{libyaml}")


def mark(ok: bool | None) -> str:
    return "–" if ok is None else ("✓" if ok else "✗")


def report(rows: list[Row], jobs: list[int], help_s: float, yaml_s: float, with_batch: bool, bare_kib: int) -> None:
    first = jobs[0]
    head = ["文件数", "解析下限 s"]
    if with_batch:
        head += [f"jobs={first} s", "倍数"]
        for j in jobs[1:]:
            head += [f"jobs={j} s", "加速比"]
        head += ["峰值内存 MiB"]
    else:
        head += ["解析下限峰值内存 MiB"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    most = max(r.runs for r in rows)
    for row in rows:
        floor = median_s(row.floor)
        runs = "（1 次）" if row.runs < most else ""
        cells = [f"{row.size:,}{runs}", f"{floor:.2f}"]
        if with_batch:
            cells += [f"{median_s(row.batch[first]):.2f}", f"{paired(row.batch[first], row.floor):.2f}×"]
            for j in jobs[1:]:
                cells += [f"{median_s(row.batch[j]):.2f}", f"{paired(row.batch[first], row.batch[j]):.2f}×"]
            cells += [mib(max(r.tree_kib for r in row.batch[first]))]
        else:
            cells += [mib(max(r.tree_kib for r in row.floor))]
        print("| " + " | ".join(cells) + " |")
    print()
    if with_batch:
        print("峰值内存明细（MiB，各次运行的最大值；主进程 = 汇总的父进程，工作进程 = 它等待过的最大子进程；"
              "fork 出的工作进程从父进程继承已加载的模块，这部分在两边都计入）：")
        print()
        print("| 文件数 | jobs | 主进程 | 最大工作进程 | 整个进程树中最大的进程 | 解析下限进程 |")
        print("|---|---|---|---|---|---|")
        for row in rows:
            for j in jobs:
                rs = row.batch[j]
                children = max(r.children_kib for r in rs)
                print(f"| {row.size:,} | {j} | {mib(max(r.parent_kib for r in rs))} | "
                      f"{mib(children) if children else '无'} | {mib(max(r.tree_kib for r in rs))} | "
                      f"{mib(max(r.tree_kib for r in row.floor))} |")
        print(f"（内存读数的下限：空解释器 python -c pass 经同一启动器测得 {mib(bare_kib)} MiB。）")
        print()
    print(f"启动：jixiao --help {help_s * 1000:.0f} ms，python -c \"import yaml\" {yaml_s * 1000:.0f} ms，"
          f"{help_s / yaml_s:.2f}×（10 次中位数）")
    print(machine())
    print(f"日期：{time.strftime('%Y-%m-%d')}；字节码已预先编译（如 pip install 之后）；耗时为 {most} 次运行的中位数，"
          f"倍数与加速比为各轮（同一轮内依次运行各命令）比值的中位数"
          + ("，标「1 次」的只运行了一次" if any(r.runs < most for r in rows) else "") + "。")
    print()
    print("目标：")
    largest, smallest = rows[-1], rows[0]
    if with_batch:
        factor = paired(largest.batch[first], largest.floor)
        print(f"{mark(factor <= FLOOR_FACTOR)} {largest.size:,} 个文件计分（jobs={first}）为解析下限的 {factor:.2f} 倍"
              f"（目标 ≤ {FLOOR_FACTOR}）")
        if len(rows) > 1:
            big = max(r.tree_kib for r in largest.batch[first])
            small = max(r.tree_kib for r in smallest.batch[first])
            print(f"{mark(big <= small * MEMORY_GROWTH)} 峰值内存 {largest.size:,} 个文件 {mib(big)} MiB，"
                  f"{smallest.size:,} 个文件 {mib(small)} MiB，{big / small:.2f} 倍（目标 ≤ {MEMORY_GROWTH}）")
        else:
            print(f"{mark(None)} 峰值内存增长：只测了一种规模，无法比较")
        if 2 in jobs and first == 1:
            speedup = paired(largest.batch[1], largest.batch[2])
            cpus = os.cpu_count() or 1
            note = "" if cpus >= 2 else "（本机只有 1 核，无法加速）"
            print(f"{mark(speedup >= SPEEDUP_TWO if cpus >= 2 else None)} jobs=2 比 jobs=1 快 {speedup:.2f} 倍"
                  f"（目标接近 2 倍，≥ {SPEEDUP_TWO}）{note}")
        else:
            print(f"{mark(None)} jobs=2 加速比：需要 --jobs 包含 1 和 2")
    else:
        print(f"{mark(None)} 未运行 jixiao batch（--no-batch）：计分倍数、内存、加速比均未测")
    ratio = help_s / yaml_s
    print(f"{mark(ratio <= STARTUP_FACTOR)} jixiao --help 为 import yaml 的 {ratio:.2f} 倍（目标 ≤ {STARTUP_FACTOR}）")


# -- main ----------------------------------------------------------------------------------------------

def _ints(text: str) -> list[int]:
    try:
        values = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"应为逗号分隔的正整数：{text}") from None
    if not values or any(v < 1 for v in values):
        raise argparse.ArgumentTypeError(f"应为逗号分隔的正整数：{text}")
    return values


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="jixiao batch 性能测量：耗时、倍数、加速比、峰值内存、启动时间")
    parser.add_argument("--sizes", type=_ints, default=[1000, 10000], help="文件数，逗号分隔（默认 1000,10000）")
    parser.add_argument("--jobs", type=_ints, default=[1, 2], help="并行进程数，逗号分隔（默认 1,2）")
    parser.add_argument("--keep", help="生成的文件放在（并沿用自）这个目录；默认放在系统临时目录下")
    parser.add_argument("--runs", type=int, default=3, help="每项运行次数，取中位数（默认 3）")
    parser.add_argument("--quick", action="store_true", help="10,000 个及以上的规模每项只运行 1 次")
    parser.add_argument("--seed", type=int, default=0, help="生成器的随机种子（默认 0）")
    parser.add_argument("--error-rate", type=float, default=0.05, help="带错误的文件比例（默认 0.05）")
    parser.add_argument("--no-batch", action="store_true", help="只测解析下限和启动时间（jixiao batch 尚不可用时）")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs 至少为 1")
    base = Path(args.keep) if args.keep else Path(tempfile.gettempdir()) / "jixiao-bench"
    base.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="jixiao-bench-out-"))
    rows: list[Row] = []
    try:
        precompile(base / "pycache")
        help_s, yaml_s = startup()
        bare_kib = timed([sys.executable, "-c", "pass"])[2]
        for size in sorted(args.sizes):
            corpus = corpus_for(size, args.seed, args.error_rate, base)
            warm(corpus)
            row = Row(size=size, runs=1 if args.quick and size >= 10000 else args.runs)
            row.batch = {} if args.no_batch else {jobs: [] for jobs in args.jobs}
            for _ in range(row.runs):  # rounds interleave the commands, so a slow spell hits all of them
                row.floor.append(floor_run(corpus))
                for jobs, runs in row.batch.items():
                    runs.append(batch_run(corpus, jobs, scratch))
                print(f"{size:,} 个文件：解析下限 {row.floor[-1].seconds:.2f} s，"
                      + "，".join(f"jobs={j} {r[-1].seconds:.2f} s" for j, r in row.batch.items()), file=sys.stderr)
            rows.append(row)
    except BatchFailed as exc:
        print(f"无法测量 jixiao batch：{exc}\n（jixiao batch 可用之前，可加 --no-batch 只测解析下限和启动时间。）",
              file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    report(rows, args.jobs, help_s, yaml_s, with_batch=not args.no_batch, bare_kib=bare_kib)
    return 0


if __name__ == "__main__":
    sys.exit(main())
