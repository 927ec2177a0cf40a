"""Where the time of `jixiao batch --jobs 1` goes, stage by stage, in one process.

    python benchmarks/bench_stages.py CORPUS [--limit N]

CORPUS: a folder made by benchmarks/generate.py.  Each file is timed through the stages the
batch runs, next to the parse floor (PyYAML's C loader on the same text), so the gap between
`jixiao batch` and the floor can be read off per stage.  Not part of the test suite.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scoring import schema  # noqa: E402
from scoring.batch.discover import discover  # noqa: E402
from scoring.batch.record import record_from_outcome  # noqa: E402
from scoring.batch.summary import Summary, project_row  # noqa: E402
from scoring.checks import check_table  # noqa: E402
from scoring.diagnostics import Diagnostics  # noqa: E402
from scoring.engine import score_submission  # noqa: E402
from scoring.importers.loader import load_submission  # noqa: E402
from scoring.model import Submission  # noqa: E402
from scoring.pipeline import FileOutcome, Pipeline  # noqa: E402
from scoring.outputs import OutputFolder  # noqa: E402
from scoring.report import to_json  # noqa: E402

STAGES = ("解析下限", "读取（严格加载）", "校验", "建模与体系", "计分", "检查", "结果 JSON", "写文件", "汇总记录")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus")
    parser.add_argument("--limit", type=int, default=2000)
    args = parser.parse_args()
    out = Path(tempfile.mkdtemp(prefix="jixiao-stages-"))
    inputs = [i for i in discover([args.corpus], out) if i.path.endswith((".yaml", ".yml"))][: args.limit]
    pipeline = Pipeline()
    for item in inputs[:20]:  # warm: sets loaded, validators compiled
        pipeline.run(item.path)
    spent = dict.fromkeys(STAGES, 0.0)
    summary, folder = Summary(), OutputFolder(out, lock=False)

    def timed(stage, fn, *a):
        start = time.perf_counter()
        value = fn(*a)
        spent[stage] += time.perf_counter() - start
        return value

    for item in inputs:
        text = Path(item.path).read_bytes().decode("utf-8", "replace")
        try:
            timed("解析下限", yaml.load, text, yaml.CLoader)
        except yaml.YAMLError:
            pass
        diags = Diagnostics()
        doc = timed("读取（严格加载）", load_submission, item.path, diags)
        if doc is None or not timed("校验", schema.validate, doc, "submission", diags):
            continue
        sub = timed("建模与体系", Submission.from_document, doc)
        iset = timed("建模与体系", pipeline.resolve_set, sub.set_id, diags, None)
        if iset is None:
            continue
        result = timed("计分", score_submission, sub, iset, diags)
        timed("检查", check_table, result, sub, iset, diags)
        outcome = FileOutcome(item.name, result, iset, sub, diags.sorted())
        data = timed("结果 JSON", lambda: json.dumps(to_json(outcome), ensure_ascii=False).encode("utf-8"))
        timed("写文件", lambda: folder.write(out / (item.stem + ".json"), data, durable=False, checked=True))
        timed("汇总记录", lambda: (summary.add(record_from_outcome(outcome, item.name)),
                               project_row(record_from_outcome(outcome, item.name))))
    floor = spent["解析下限"]
    print(f"{len(inputs)} 个 YAML 文件（{args.corpus}）")
    print("| 阶段 | ms/文件 | 相当于解析下限的倍数 |")
    print("|---|---|---|")
    for stage in STAGES:
        print(f"| {stage} | {spent[stage] * 1000 / len(inputs):.3f} | {spent[stage] / floor:.2f} |")
    total = sum(v for k, v in spent.items() if k != "解析下限")
    print(f"| jixiao 合计 | {total * 1000 / len(inputs):.3f} | {total / floor:.2f} |")


if __name__ == "__main__":
    main()
