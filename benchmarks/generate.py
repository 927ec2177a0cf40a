"""Generate a deterministic corpus of realistic 绩效自评表 YAML files for the batch benchmark.

    python benchmarks/generate.py N OUTDIR [--seed S] [--error-rate 0.05] [--manifest FILE]

Files go into one folder per 主管部门 with Chinese names, the way a finance bureau
keeps them.  Each good file has 20–30 indicator rows for one of the shipped
indicator sets, a budget block, and scores that are mostly consistent with the
rules (some given scores differ, some misses lack a reason: warnings, not errors).
With `--error-rate`, that fraction of the files carries one of the errors real
files have (see ERROR_KINDS).

Everything comes from one `random.Random(seed)`: no clock, no `hash()`, no set
iteration, so the same arguments give the same bytes.  The YAML is written by
a small emitter of our own (PyYAML's dumper is several times slower).
"""
from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path

D = Decimal
ZERO = D(0)

ERROR_KINDS = (
    "score_above_weight",      # G601
    "missing_actual",          # G606: a row with neither actual nor given score
    "weights_not_adding_up",   # W401/W402
    "fullwidth_colon",         # Y105: `year：2024`
    "duplicate_key",           # Y104
    "empty_file",              # Y109
    "binary_file",             # Y102: a renamed spreadsheet
    "duplicate_submission",    # batch B901: same unit/project/year as another file
)
# Kinds that break a file on its own; a duplicate submission is a good file twice.
FILE_ERROR_KINDS = ERROR_KINDS[:-1]

# Set id, relative frequency.  Project sets dominate, as in a bureau's intake.
SET_WEIGHTS = (
    ("mof-project", 30), ("hubei-project", 16), ("shanxi-project", 16), ("sichuan-project-scored", 10),
    ("sichuan-project", 8), ("hubei-department", 10), ("hunan-department-scorecard", 10),
)
DEPARTMENT_SETS = ("hubei-department", "hunan-department-scorecard")
YEARS = (2023, 2024, 2025)


def q(value: Decimal, places: int) -> Decimal:
    return value.quantize(D(1).scaleb(-places), rounding=ROUND_HALF_UP)


def fmt(value: Decimal) -> str:
    """Plain notation without trailing zeros: 5.00 -> 5, 3.10 -> 3.1."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


# -- pools -------------------------------------------------------------------------------------

DEPARTMENTS = (
    "市委办公室", "市人民政府办公室", "市发展和改革委员会", "市教育局", "市科学技术局", "市工业和信息化局",
    "市公安局", "市民政局", "市司法局", "市财政局", "市人力资源和社会保障局", "市自然资源和规划局",
    "市生态环境局", "市住房和城乡建设局", "市交通运输局", "市水务局", "市农业农村局", "市商务局",
    "市文化和旅游局", "市卫生健康委员会", "市退役军人事务局", "市应急管理局", "市审计局", "市市场监督管理局",
    "市统计局", "市医疗保障局", "市城市管理局", "市林业局", "市体育局", "市信访局", "市机关事务管理局",
    "市档案馆", "市总工会", "共青团市委员会", "市妇女联合会", "市残疾人联合会", "市科学技术协会",
    "市委巡察工作领导小组办公室", "市融媒体中心", "市粮食和物资储备局", "市数据局",
)

# Affiliated units for the larger departments; the others get units built from their stem.
_OWN_UNITS = {
    "市教育局": ("市第一中学", "市第二中学", "市实验中学", "市实验小学", "市第三小学", "市职业技术学校",
              "市特殊教育学校", "市教育考试院", "市电化教育馆", "市教师发展中心"),
    "市卫生健康委员会": ("市人民医院", "市中医医院", "市妇幼保健院", "市疾病预防控制中心", "市急救中心",
                  "市中心血站", "市卫生健康综合监督执法支队", "市第三人民医院"),
    "市农业农村局": ("市农业技术推广中心", "市动物疫病预防控制中心", "市农产品质量安全检测中心",
                "市农业综合行政执法支队", "市农村经营管理站", "市种子管理站"),
    "市公安局": ("市公安局交通警察支队", "市公安局看守所", "市公安局特警支队", "市公安局出入境管理支队",
             "市公安局刑事侦查支队"),
    "市住房和城乡建设局": ("市建设工程质量安全监督站", "市住房保障服务中心", "市房地产市场服务中心",
                   "市城建档案馆", "市建筑节能管理办公室"),
    "市交通运输局": ("市公路事业发展中心", "市交通运输综合行政执法支队", "市道路运输服务中心",
                "市港航事业发展中心"),
    "市文化和旅游局": ("市图书馆", "市博物馆", "市文化馆", "市群众艺术馆", "市旅游服务中心",
                 "市文化市场综合行政执法支队"),
    "市人力资源和社会保障局": ("市就业服务中心", "市社会保险事业服务中心", "市劳动人事争议仲裁院",
                     "市人才交流服务中心", "市技工学校"),
    "市民政局": ("市社会福利院", "市救助管理站", "市殡仪馆", "市婚姻登记中心", "市儿童福利院"),
    "共青团市委员会": ("市青少年宫", "市青少年活动中心", "市青年志愿者服务中心", "市少先队工作委员会办公室"),
    "市委巡察工作领导小组办公室": ("市委第一巡察组", "市委第二巡察组", "市委第三巡察组", "市巡察事务服务中心"),
    "市总工会": ("市工人文化宫", "市职工服务中心", "市职工疗休养中心", "市困难职工帮扶中心"),
    "市档案馆": ("市档案技术保护中心", "市地方志编纂中心", "市档案数字化服务中心"),
    "市融媒体中心": ("市广播电视台", "市新闻网站管理中心", "市融媒体技术保障中心"),
    "市残疾人联合会": ("市残疾人康复中心", "市残疾人就业服务中心", "市残疾人辅助器具服务中心"),
    "市妇女联合会": ("市妇女儿童活动中心", "市婚姻家庭服务中心", "市妇女创业服务中心"),
    "市水务局": ("市水文水资源勘测中心", "市河道管理处", "市水利工程建设服务中心", "市节约用水办公室"),
}
_GENERIC_SUFFIXES = ("机关服务中心", "信息中心", "事务服务中心", "综合行政执法支队", "发展研究中心",
                     "宣传教育中心", "财务核算中心")


def _stem(department: str) -> str:
    stem = department[1:] if department.startswith("市") else department
    for tail in ("工作领导小组办公室", "委员会", "办公室", "联合会", "协会", "局", "馆", "中心"):
        if stem.endswith(tail) and len(stem) > len(tail):
            return stem[: -len(tail)]
    return stem


def _units_of(department: str) -> tuple[str, ...]:
    own = _OWN_UNITS.get(department)
    if own:
        return (department,) + own
    stem = _stem(department)
    return (department,) + tuple(f"市{stem}{suffix}" for suffix in _GENERIC_SUFFIXES)


UNITS = tuple((dept, unit) for dept in DEPARTMENTS for unit in _units_of(dept))

_GENERIC_PROJECTS = (
    "日常行政经费", "信息化建设运维经费", "办公设备购置", "专项业务工作经费", "宣传培训经费", "安全生产专项经费",
    "档案数字化项目", "网络安全等级保护项目", "业务用房维修改造", "疫情防控工作经费", "乡村振兴衔接资金",
    "民生实事项目", "政府购买服务项目", "人才引进专项经费", "执法装备购置", "公共服务平台运维", "课题研究经费",
    "志愿服务活动经费", "巡察工作经费", "法律顾问服务费", "机关党建工作经费", "督查督办工作经费",
    "应急物资储备经费", "公务用车运行维护", "统计调查专项经费", "数据共享平台建设", "会议及培训费",
    "重点项目前期工作经费", "老旧设备更新改造", "驻村帮扶工作经费",
)


def _projects_of(department: str) -> tuple[str, ...]:
    stem = _stem(department)
    return (f"{stem}专项资金", f"{stem}业务能力提升", f"{stem}信息系统运维", f"{stem}监督检查经费") + _GENERIC_PROJECTS


# -- indicator templates -------------------------------------------------------------------------
# (name, spec).  Spec kinds: count (≥ number with unit), pct (≥ percentage), pct_eq (= 100%),
# le (≤ number with unit), le_pct (≤ percentage), date (deadline), text (qualitative), money_ge (≥ 万元).

QUANTITY = (
    ("办公设备购置数量", ("count", "台", 5, 60)), ("开展业务培训次数", ("count", "次", 2, 20)),
    ("培训人次", ("count", "人次", 100, 3000)), ("开展宣传活动次数", ("count", "次", 3, 30)),
    ("受理案件数量", ("count", "件", 50, 2000)), ("覆盖乡镇（街道）数量", ("count", "个", 5, 30)),
    ("服务群众人次", ("count", "人次", 1000, 50000)), ("发放宣传资料数量", ("count", "件", 500, 20000)),
    ("维修维护设备数量", ("count", "台", 10, 300)), ("实施项目个数", ("count", "个", 2, 25)),
    ("办理信访件数", ("count", "件", 20, 800)), ("开展督导检查次数", ("count", "次", 4, 40)),
    ("全年巡察对象数量", ("count", "个", 8, 40)), ("档案收集数量", ("count", "件", 500, 8000)),
    ("开展应急演练次数", ("count", "次", 1, 12)), ("购置执法装备数量", ("count", "台", 5, 120)),
    ("举办专题讲座次数", ("count", "次", 2, 24)), ("慰问困难群众人次", ("count", "人次", 50, 2000)),
)
QUALITY = (
    ("设备验收合格率", ("pct", (95, 98, 100))), ("问题整改率", ("pct", (85, 90, 95))),
    ("资金使用合规率", ("pct_eq",)), ("培训合格率", ("pct", (90, 95))), ("档案归档完整率", ("pct", (95, 98))),
    ("信息报送准确率", ("pct", (95, 98))), ("系统正常运行率", ("pct", (95, 98, 99))),
    ("案件办结率", ("pct", (85, 90, 95))), ("工作差错率", ("le_pct", (1, 2, 3))),
    ("政策执行规范性", ("text", ("规范", "符合要求", "合规"))),
    ("项目质量达标情况", ("text", ("达标", "符合相关标准"))), ("数据准确率", ("pct", (95, 98))),
)
TIMELINESS = (
    ("项目完成及时率", ("pct", (90, 95, 100))), ("资金拨付及时性", ("text", ("及时",))),
    ("项目完成时间", ("date",)), ("问题办结时限", ("le", "天", 5, 30, 0)),
    ("设备维保响应时间", ("le", "天", 1, 7, 0)), ("信息报送及时率", ("pct", (95, 100))),
    ("工作开展周期", ("text", ("1月-12月", "全年"))), ("采购完成时间", ("date",)),
)
COST = (
    ("项目成本控制数", ("le", "万元", 10, 500, 2)), ("人均培训成本", ("le", "万元", 0.05, 0.5, 2)),
    ("单台设备采购成本", ("le", "万元", 0.3, 3, 2)), ("单次活动经费", ("le", "万元", 0.5, 8, 2)),
    ("运维费用控制", ("le", "万元", 5, 200, 2)), ("超预算比例", ("le_pct", (0, 5, 10))),
)
ECONOMIC = (
    ("带动相关产业增收", ("money_ge", "万元", 50, 2000)), ("节约行政成本", ("money_ge", "万元", 5, 200)),
    ("促进经济发展", ("text", ("有效促进", "持续推动", "促进发展"))),
    ("优化营商环境", ("text", ("持续优化", "明显改善"))),
)
SOCIAL = (
    ("群众办事便利度", ("text", ("明显提升", "有效提升", "逐步提高"))),
    ("社会公众知晓率", ("pct", (80, 85, 90))), ("公共服务水平", ("text", ("有效提升", "显著增强"))),
    ("保障工作正常运转", ("text", ("有效保障", "保障"))), ("依法行政水平", ("text", ("进一步提高", "有效提升"))),
    ("安全事故发生次数", ("zero", "次")), ("党风廉政建设", ("text", ("提升", "持续加强"))),
    ("群众安全感", ("text", ("明显增强", "逐步提高"))), ("社会矛盾化解率", ("pct", (85, 90, 95))),
)
ECOLOGICAL = (
    ("节能减排", ("text", ("有效改善", "持续改善"))), ("绿化覆盖率", ("pct", (35, 40, 45))),
    ("环境污染投诉下降", ("text", ("明显下降", "持续下降"))), ("无纸化办公普及", ("text", ("逐步推广", "有效推进"))),
)
SUSTAINABLE = (
    ("长效管理机制建设", ("text", ("建立健全", "完善"))), ("设备持续发挥作用年限", ("count", "年", 3, 8)),
    ("制度建设", ("text", ("不断完善", "健全"))), ("工作机制可持续性", ("text", ("长期", "持续发挥作用"))),
)
SATISFACTION = (
    ("服务对象满意度", ("pct", (85, 90, 95))), ("群众满意度", ("pct", (85, 90, 95))),
    ("参训人员满意度", ("pct", (90, 95))), ("被服务单位满意度", ("pct", (90, 95))),
    ("工作人员满意度", ("pct", (90, 95))), ("社会公众满意度", ("pct", (80, 85, 90))),
)

OUTPUT_L2 = (("数量指标", QUANTITY), ("质量指标", QUALITY), ("时效指标", TIMELINESS), ("成本指标", COST))

# The 4 效益 二级 names differ by set (山西: 可持续发展指标).
def _effect_l2(set_id: str) -> tuple:
    sustainable = "可持续发展指标" if set_id == "shanxi-project" else "可持续影响指标"
    return (("社会效益指标", SOCIAL), ("经济效益指标", ECONOMIC), ("生态效益指标", ECOLOGICAL),
            (sustainable, SUSTAINABLE))


def _satisfaction_l2(set_id: str, rng: random.Random) -> str:
    if set_id.startswith("sichuan") and rng.random() < 0.5:
        return "满意度指标"
    return "服务对象满意度指标"


REASONS_MISSED = (
    "受疫情影响，部分工作延后开展", "因上级政策调整，项目实施内容有所变化", "政府采购流程较长，设备到位时间推迟",
    "部分资金年底才拨付到位，未能按计划实施", "实际需求少于年初预计", "人员调整较多，工作推进较慢",
    "极端天气影响施工进度", "年初目标设置偏高，实施中据实调整", "配套资金未及时到位",
)
REASONS_OVER = (
    "因上级安排部署，实际完成数多于计划数", "年初目标设置偏保守，下年度将据实调整", "群众需求增加，相应增加服务次数",
    "与相关部门联合开展，完成数量超出预期",
)
MEASURES = (
    "加强项目前期论证，科学合理设置绩效目标", "加快预算执行进度，强化资金使用监管", "建立定期调度机制，确保按时完成",
    "加强与财政、采购部门沟通，提前启动采购程序", "完善内部管理制度，落实绩效管理责任",
)
BUDGET_REASONS = (
    "部分项目因政府采购流程较长，资金未能在年内支付完毕", "机构改革职能划转，部分资金调拨至其他单位",
    "项目按合同分期付款，尾款将于次年支付", "受疫情影响部分活动未开展，相应经费结余",
)
GOAL_VERBS = ("保障", "推进", "完成", "做好", "落实")
NOT_MET_TEXT = ("部分达成", "部分完成", "未完全达到预期")
MET_TEXT = ("达成预期指标", "全面完成", "达成年度指标")  # 「已完成」 proves only a 「完成」 target


# -- one row -----------------------------------------------------------------------------------------

@dataclass
class Cell:
    """One generated indicator row, before it becomes YAML."""
    level1: str
    level2: str
    name: str
    target: str | None
    actual: object           # str, Decimal or None
    weight: Decimal | None
    raw_score: Decimal | None  # the rule's score as a fraction of the weight (None: see the two below)
    met: bool
    over: bool = False
    rule: dict | None = None
    given_band: tuple | None = None   # (low, high) fraction of the weight when the evaluator scores
    deduction: Decimal | None = None  # points off the weight (deduct_per_occurrence)


_GE_FORMS = ("≥{v}", "≥{v}", "≥{v}", ">={v}", "不低于{v}", "{v}以上")
_LE_FORMS = ("≤{v}", "≤{v}", "≤{v}", "不超过{v}", "{v}以内")


def _nice_int(rng: random.Random, lo: int, hi: int) -> int:
    """A round-looking target: 4000, 350, 25, 7."""
    value = rng.randint(lo, hi)
    for step in (1000, 100, 50, 10, 5):
        if value >= step * 4:
            return value // step * step
    return max(1, value)


def _dec(rng: random.Random, lo, hi, places: int = 3) -> Decimal:
    """A Decimal drawn uniformly from [lo, hi] on a grid of `places` decimals (no float arithmetic)."""
    low, high = int(D(str(lo)).scaleb(places)), int(D(str(hi)).scaleb(places))
    return D(rng.randint(low, high)).scaleb(-places)


def make_cell(rng: random.Random, level1: str, level2: str, name: str, spec: tuple, year: int,
              outcome: str, allow_rules: bool) -> Cell:
    """Target, actual and the rule's score for one row; `outcome` is met | missed | over."""
    kind = spec[0]
    signed_actual = rng.random() < 0.12  # 山西 tables repeat the sign in the actual (V505, info)
    if kind in ("count", "money_ge"):
        unit, lo, hi = spec[1], spec[2], spec[3]
        target = D(_nice_int(rng, lo, hi)) if kind == "count" else _dec(rng, lo, hi, 0)
        if outcome == "over":
            actual = q(target * _dec(rng, 1.3, 2.2), 0)
        elif outcome == "missed":
            actual = q(target * _dec(rng, 0.45, 0.95), 0)
        else:
            actual = q(target * _dec(rng, 1.0, 1.25), 0)
        if actual >= target:
            outcome = "over" if actual >= target * D("1.3") else "met"
        raw = ZERO if target == 0 else min(D(1), actual / target)
        t_text = rng.choice(_GE_FORMS).format(v=f"{fmt(target)}{unit}")
        a_value = f"≥{fmt(actual)}{unit}" if signed_actual else (
            actual if rng.random() < 0.1 else f"{fmt(actual)}{unit}")
        return Cell(level1, level2, name, t_text, a_value, None, raw, outcome != "missed", outcome == "over")
    if kind == "pct":
        target = D(rng.choice(spec[1]))
        if outcome == "missed":
            actual = q(target - _dec(rng, 0.5, 12), rng.choice((0, 1, 2)))
        else:
            actual = q(_dec(rng, target, min(D(100), target + 8), 2), rng.choice((0, 1, 2)))
            outcome = "met"
        raw = min(D(1), actual / target)
        t_text = rng.choice(_GE_FORMS).format(v=f"{fmt(target)}%")
        a_text = f"≥{fmt(actual)}%" if signed_actual else f"{fmt(actual)}%"
        return Cell(level1, level2, name, t_text, a_text, None, raw, actual >= target)
    if kind == "pct_eq":
        actual = D(100) if outcome != "missed" else _dec(rng, 90, 99.5, 1)
        t_text = rng.choice(("=100%", "→100%", "100%"))
        return Cell(level1, level2, name, t_text, f"{fmt(actual)}%", None, actual / 100, actual >= 100)
    if kind in ("le", "le_pct"):
        if kind == "le":
            unit, places = spec[1], spec[4]
            target = _dec(rng, spec[2], spec[3], places) if places else D(_nice_int(rng, spec[2], spec[3]))
        else:
            unit, places = "%", 1
            target = D(rng.choice(spec[1]))
        if outcome == "missed" and target > 0:
            actual = q(target * _dec(rng, 1.03, 1.4), places)
            if actual <= target:
                actual = target + D(1).scaleb(-places)
        else:
            outcome = "met"
            actual = q(target * _dec(rng, 0.55, 1.0), places)
        rule = None
        if actual <= target:
            raw = D(1)
        elif allow_rules and kind == "le" and rng.random() < 0.3:
            rule = {"kind": "reverse", "form": "linear"}
            raw = max(ZERO, 1 - (actual - target) / target)
        else:
            raw = target / actual
        t_text = rng.choice(_LE_FORMS).format(v=f"{fmt(target)}{unit}")
        a_text = f"≤{fmt(actual)}{unit}" if signed_actual and actual <= target else f"{fmt(actual)}{unit}"
        return Cell(level1, level2, name, t_text, a_text, None, raw, actual <= target, rule=rule)
    if kind == "zero":
        unit = spec[1]
        if allow_rules and rng.random() < 0.4:
            count = 1 if outcome == "missed" else 0
            step = D(rng.choice(("0.5", "1")))
            rule = {"kind": "deduct_per_occurrence", "step": step}
            return Cell(level1, level2, name, f"0{unit}", f"{count}{unit}", None, None, count == 0, rule=rule,
                        deduction=step * count)
        return Cell(level1, level2, name, rng.choice((f"0{unit}", f"=0{unit}")), f"0{unit}", None, D(1), True)
    if kind == "date":
        month = rng.choice((6, 9, 10, 11, 12))
        t_text = rng.choice((f"{year}年{month}月底前", f"{year}年{month}月30日前" if month != 12 else
                             f"{year}年12月31日前"))
        if outcome == "missed" and month < 12:
            a_text = f"{year}年{month + 1}月{rng.randint(5, 28)}日"
            return Cell(level1, level2, name, t_text, a_text, None, ZERO, False)
        a_text = f"{year}年{month}月{rng.randint(1, 28)}日"
        return Cell(level1, level2, name, t_text, a_text, None, D(1), True)
    if kind == "text":
        target = rng.choice(spec[1])
        if outcome == "missed":
            return Cell(level1, level2, name, target, rng.choice(NOT_MET_TEXT), None, None, False,
                        given_band=(D("0.6"), D("0.8")))
        improved = [w for w in ("提升", "提高", "增强", "改善") if w in target]
        # 「逐步提升」 meets 「提升」 but not 「明显提升」: a strong target is met by its own words.
        plain = improved and not any(w in target for w in ("明显", "显著", "大幅", "全面"))
        choices = MET_TEXT + ((f"逐步{improved[0]}",) if plain else (target,))
        return Cell(level1, level2, name, target, rng.choice(choices), None, D(1), True)
    raise ValueError(kind)


# -- weights --------------------------------------------------------------------------------------

def partition(rng: random.Random, total: Decimal, parts: int) -> list[Decimal]:
    """`total` split into `parts` weights of at least 1, in whole or half points, summing exactly."""
    half = rng.random() < 0.35 or total < parts * 2
    scale = 2 if half else 1
    units = int(total * scale)
    least = scale  # 1 point
    extra = units - least * parts
    if extra < 0:
        raise ValueError(f"cannot split {total} into {parts} weights of at least 1")
    cuts = sorted(rng.randint(0, extra) for _ in range(parts - 1))
    sizes = [b - a for a, b in zip([0] + cuts, cuts + [extra])]
    return [D(least + s) / scale for s in sizes]


def _spread(rng: random.Random, count: int, names: int, first_bias: int = 0) -> list[int]:
    """`count` rows over `names` 二级 slots, each slot at least one row while rows last."""
    slots = [0] * names
    for i in range(min(count, names)):
        slots[i] = 1
    for _ in range(count - min(count, names)):
        slots[0 if rng.random() < first_bias / 10 else rng.randrange(names)] += 1
    return slots


@dataclass
class Options:
    scored: bool
    precision: int
    allow_rules: bool
    miss_rate: float
    over_rate: float


def _outcome(rng: random.Random, opts: Options) -> str:
    r = rng.random()
    return "missed" if r < opts.miss_rate else "over" if r < opts.miss_rate + opts.over_rate else "met"


def _pick(rng: random.Random, pool: tuple, count: int) -> list:
    if count <= len(pool):
        return rng.sample(pool, count)
    chosen = list(pool) + [rng.choice(pool) for _ in range(count - len(pool))]
    return chosen


def make_block(rng: random.Random, set_id: str, rows: int, year: int, opts: Options) -> list[Cell]:
    """Rows over 产出/效益/满意度 with their 二级, without weights yet."""
    n_sat = 1 if rows < 8 else rng.randint(1, 3)
    n_eff = max(1, min(rows - n_sat - 1, rng.randint(3, 7) if rows >= 15 else rows // 4))
    n_out = rows - n_sat - n_eff
    cells: list[Cell] = []
    per_out = _spread(rng, n_out, 4, first_bias=3)
    for (l2, pool), count in zip(OUTPUT_L2, per_out):
        for name, spec in _pick(rng, pool, count):
            cells.append(make_cell(rng, "产出指标", l2, name, spec, year, _outcome(rng, opts), opts.allow_rules))
    per_eff = _spread(rng, n_eff, 4, first_bias=5)
    for (l2, pool), count in zip(_effect_l2(set_id), per_eff):
        for name, spec in _pick(rng, pool, count):
            cells.append(make_cell(rng, "效益指标", l2, name, spec, year, _outcome(rng, opts), opts.allow_rules))
    sat_l2 = _satisfaction_l2(set_id, rng)
    for name, spec in _pick(rng, SATISFACTION, n_sat):
        cells.append(make_cell(rng, "满意度指标", sat_l2, name, spec, year, _outcome(rng, opts), opts.allow_rules))
    _dedupe_names(cells)
    return cells


LEVEL1 = ("产出指标", "效益指标", "满意度指标")


def _counts(cells: list[Cell]) -> tuple[int, int, int]:
    return tuple(sum(1 for c in cells if c.level1 == level) for level in LEVEL1)


def _assign_weights(rng: random.Random, cells: list[Cell], level_weights: dict) -> None:
    """Each 一级's weight split over its rows, so the rows add up exactly."""
    for level, weight in level_weights.items():
        mine = [c for c in cells if c.level1 == level]
        for cell, part in zip(mine, partition(rng, weight, len(mine))):
            cell.weight = part


def _dedupe_names(cells: list[Cell]) -> None:
    seen: dict[str, int] = {}
    for cell in cells:
        seen[cell.name] = seen.get(cell.name, 0) + 1
        if seen[cell.name] > 1:
            cell.name = f"{cell.name}（{'二三四五六七八九'[seen[cell.name] - 2]}）"


def free_level_weights(rng: random.Random, total: int, cells_per_level: tuple[int, int, int]) -> dict:
    """产出/效益/满意度 weights summing to `total`, each at least its row count."""
    n_out, n_eff, n_sat = cells_per_level
    sat = max(n_sat, rng.choice((5, 10, 10, 15)) * total // 80)
    out = max(n_out, rng.choice((40, 45, 50, 50, 55)) * total // 80)
    eff = total - sat - out
    if eff < n_eff:
        out -= n_eff - eff
        eff = n_eff
    return {"产出指标": D(out), "效益指标": D(eff), "满意度指标": D(sat)}


# -- scores ------------------------------------------------------------------------------------------

def score_cells(rng: random.Random, cells: list[Cell], opts: Options) -> tuple[Decimal, list[dict]]:
    """Rows as YAML-ready dicts with given scores; returns (sum of the scores the engine will count, rows)."""
    total = ZERO
    rows = []
    for cell in cells:
        row: dict = {"level1": cell.level1, "level2": cell.level2, "name": cell.name, "target": cell.target}
        row["actual"] = cell.actual
        if opts.scored:
            w = cell.weight
            row["weight"] = w
            if cell.deduction is not None:
                score = q(max(ZERO, w - cell.deduction), opts.precision)
            elif cell.given_band is not None:  # qualitative miss: the evaluator scores within the band
                score = q(w * _dec(rng, *cell.given_band), opts.precision)
            else:
                score = q(min(max(cell.raw_score, ZERO), D(1)) * w, opts.precision)
            if cell.given_band is not None or rng.random() > 0.06:  # a band score must be written down
                row["given_score"] = score
            total += score
            if cell.rule is not None:
                row["rule"] = cell.rule
        lost = not cell.met
        if (lost and rng.random() < 0.65) or (cell.over and rng.random() < 0.5):
            row["reason"] = rng.choice(REASONS_OVER if cell.over and not lost else REASONS_MISSED)
            if rng.random() < 0.5:
                row["measures"] = rng.choice(MEASURES)
        rows.append(row)
    return total, rows


def disagree(rng: random.Random, rows: list[dict], precision: int) -> Decimal:
    """Make one or two given scores differ from the rule (the unit gave itself full marks), or state
    an evaluator judgement.  Returns the change to the engine's total (judgements count)."""
    change = ZERO
    candidates = [r for r in rows if "given_score" in r and "weight" in r and r["given_score"] < r["weight"]
                  and "rule" not in r and r["actual"] not in NOT_MET_TEXT]
    for row in rng.sample(candidates, min(len(candidates), rng.randint(1, 2))):
        if rng.random() < 0.3:
            new = min(row["weight"], q(row["given_score"] + D("0.5"), precision))
            row["evaluator_judgement"] = f"评价人综合考虑实际完成情况，按{fmt(new)}分评定"
            change += new - row["given_score"]
        else:
            new = row["weight"]
        row["given_score"] = new
    return change


# -- budgets ---------------------------------------------------------------------------------------

def make_budget(rng: random.Random, set_id: str, weight: Decimal | None, precision: int) -> tuple[dict, Decimal]:
    """A budget block in 万元 and its score (0 when the set does not score it)."""
    r = rng.random()
    if set_id in DEPARTMENT_SETS:  # a whole department's spending
        annual = _dec(rng, 200, 3000, 2) if r < 0.8 else _dec(rng, 3000, 20000, 2)
    else:
        annual = _dec(rng, 5, 100, 2) if r < 0.6 else _dec(rng, 100, 800, 2) if r < 0.9 else _dec(rng, 800, 5000, 2)
    r = rng.random()
    rate = D(1) if r < 0.35 else _dec(rng, 0.9, 1.0) if r < 0.8 else _dec(rng, 0.55, 0.9)
    executed = q(annual * rate, rng.choice((2, 2, 2, 3, 4)))
    budget: dict = {}
    if set_id == "hubei-project":
        budget["label"] = "年度财政资金总额"
    elif set_id == "hubei-department":
        budget["label"] = "部门整体支出总额"
    adjusted = None
    if rng.random() < 0.7:
        budget["initial"] = annual if rng.random() < 0.7 else q(annual * _dec(rng, 0.8, 1.0), 2)
    budget["annual"] = annual
    if set_id.startswith("sichuan") and rng.random() < 0.4:
        adjusted = q(annual * _dec(rng, 0.9, 1.05), 2)
        budget["adjusted"] = adjusted
        if executed > adjusted:
            executed = adjusted
    budget["executed"] = executed
    planned = adjusted if adjusted is not None else annual
    score = ZERO
    if weight is not None:
        score = q(weight * min(executed / planned, D(1)), precision)
        budget["score"] = score
    if executed / planned < D("0.9") and rng.random() < 0.75:
        budget["reason"] = rng.choice(BUDGET_REASONS)
    if set_id in ("shanxi-project", "sichuan-project", "sichuan-project-scored") and rng.random() < 0.6:
        source = {"name": "一般公共预算" if set_id.startswith("sichuan") else "本级财政资金"}
        for key in ("initial", "annual", "adjusted", "executed"):
            if key in budget:
                source[key] = budget[key]
        budget["sources"] = [source]
        if set_id.startswith("sichuan"):
            budget["sources"] += [{"name": name} for name in ("政府性基金预算", "国有资本经营预算", "其他资金")]
    return budget, score


# -- the 湖南 scorecard: 25 fixed rows with their own rules ------------------------------------------------

def _pct(value: Decimal) -> str:
    return f"{fmt(value)}%"


def hunan_rows(rng: random.Random, opts: Options) -> tuple[Decimal, list[dict]]:
    def u(lo, hi, places=2):
        return _dec(rng, lo, hi, places)

    good = lambda: rng.random() > opts.miss_rate * 1.5  # noqa: E731
    rows: list[tuple] = []  # (level1, level2, name, weight, actual, score)

    v = u(85, 100) if good() else u(100.5, 103)
    rows.append(("投入", "预算配置", "财政供养人员控制率", 5, _pct(v), 5 - max(ZERO, v - 100) * D("0.5")))
    v = u(-15, 0) if good() else u(0.5, 4)
    rows.append(("投入", "预算配置", "“三公经费”变动率", 5, _pct(v), 5 - max(ZERO, v) * D("0.5")))
    v = u(90, 100) if good() else u(80, 89.99)
    rows.append(("投入", "预算配置", "重点支出安排率", 5, _pct(v), D(5) if v >= 90 else D(4)))
    v = D(0) if good() else u(0.5, 10)
    rows.append(("过程", "预算执行", "预算调整率", 3, _pct(v), D(3) if v == 0 else D(2)))
    n = 0 if good() else 1
    rows.append(("过程", "预算执行", "支付进度", 3, D(n), 3 - D("0.5") * n))
    if good():
        rows.append(("过程", "预算执行", "资金结余", 3, "无结余", D(3)))
    else:
        rows.append(("过程", "预算执行", "资金结余", 3, "有结余，但不超过上年结转", D(2)))
    v = u(80, 100) if good() else u(100.5, 102)
    rows.append(("过程", "预算执行", "“三公经费”控制率", 6, _pct(v), 6 - max(ZERO, v - 100)))
    rows.append(("过程", "预算管理", "管理制度健全性", 3, "全部", D(3)) if good() else
                ("过程", "预算管理", "管理制度健全性", 3, "①③", D(2)))
    n = 0 if good() else 1
    rows.append(("过程", "预算管理", "资金使用合规性", 3, D(n), D(3 - n)))
    rows.append(("过程", "预算管理", "预决算信息公开性和完善性", 3, "全部", D(3)) if good() else
                ("过程", "预算管理", "预决算信息公开性和完善性", 3, "①②③④", D("2.5")))
    v = D(100) if good() else u(95, 99.5, 1)
    rows.append(("过程", "预算管理", "政府采购执行率", 3, _pct(v), 3 - (100 - v) * D("0.2")))
    v = u(55, 98, 1) if good() else u(40, 49.5, 1)
    rows.append(("过程", "预算管理", "公务卡刷卡率", 3, _pct(v), 3 - max(ZERO, 50 - v) * D("0.2")))
    rows.append(("过程", "资产管理", "管理制度健全性", 3, "全部", D(3)) if good() else
                ("过程", "资产管理", "管理制度健全性", 3, "①", D(2)))
    n = 0 if good() else 1
    rows.append(("过程", "资产管理", "资产管理安全性", 4, D(n), D(4 - n)))
    v = u(96, 100, 1)
    rows.append(("过程", "资产管理", "固定资产利用率", 3, _pct(v), 3 - (100 - v) * D("0.1")))
    for name, w in (("推进全面小康建设指标任务完成情况", 5), ("建设湖南新增极目标任务完成情况", 7),
                    ("《政府工作报告》目标任务完成情况", 5), ("省市区民生实事完成情况", 2),
                    ("省市区重点工程和重大项目建设完成情况", 2), ("其他工作实绩指标完成情况", 4)):
        rows.append(("产出", "职责履行", name, w, None, D(w) if good() else D(w) - D(rng.choice(("0.5", "1")))))
    for name in ("经济效益", "社会效益", "生态效益"):
        if good():
            rows.append(("效果", "履职效益", name, 5, rng.choice(MET_TEXT), D(5)))
        else:
            rows.append(("效果", "履职效益", name, 5, "部分达成", _dec(rng, 3, 4, 1)))
    v = u(95, 100, 1) if good() else u(85, 94.9, 1)
    rows.append(("效果", "履职效益", "社会公众或服务对象满意度", 5, _pct(v), D(5) if v >= 95 else D(3)))

    total = ZERO
    out = []
    for level1, level2, name, weight, actual, score in rows:
        score = q(max(ZERO, score), opts.precision)
        row: dict = {"level1": level1, "level2": level2, "name": name, "weight": D(weight)}
        if actual is not None and (level1 != "过程" or rng.random() < 0.8):
            row["actual"] = actual
        row["given_score"] = score
        if score < weight and rng.random() < 0.7:
            row["reason"] = rng.choice(REASONS_MISSED)
        total += score
        out.append(row)
    return total, out


# -- one submission --------------------------------------------------------------------------------------

@dataclass
class Generated:
    path: str            # relative to the output directory
    set_id: str
    error: str | None    # one of ERROR_KINDS, or None
    unit: str = ""
    project: str = ""
    year: int = 0
    duplicate_of: str | None = None


class Corpus:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.keys: set = set()   # (unit, project, year) taken; membership only, never iterated
        self.paths: set = set()

    def pick_key(self, want_department: bool) -> tuple[str, str, str, int, bool]:
        """(department, unit, project, year, department-kind) not used before."""
        rng = self.rng
        for attempt in range(40):
            department, unit = rng.choice(UNITS)
            year = rng.choice(YEARS)
            if want_department and attempt < 20:
                key = (unit, "", year)
                if key not in self.keys:
                    self.keys.add(key)
                    return department, unit, "", year, True
                continue
            project = rng.choice(_projects_of(department))
            if attempt >= 30:
                project += rng.choice(("（二期）", "（续建）", "（新增）"))
            key = (unit, project, year)
            if key not in self.keys:
                self.keys.add(key)
                return department, unit, project, year, False
        raise RuntimeError("unit/project/year pool exhausted")  # pragma: no cover

    def file_path(self, department: str, stem: str) -> str:
        stem = stem[:80]
        path = f"{department}/{stem}.yaml"
        n = 2
        while path in self.paths:
            path = f"{department}/{stem}（{n}）.yaml"
            n += 1
        self.paths.add(path)
        return path

    def submission(self, error: str | None) -> tuple[Generated, dict, list[str]]:
        """One submission's data; `error` may bend the content (score/actual/weight kinds)."""
        rng = self.rng
        content_error = error in ("score_above_weight", "missing_actual", "weights_not_adding_up")
        while True:
            set_id = _weighted(rng, SET_WEIGHTS)
            if content_error and set_id == "sichuan-project":
                continue  # unscored: nothing to get wrong in a score or weight
            if error == "weights_not_adding_up" and set_id == "hunan-department-scorecard":
                continue  # fixed weights override whatever the file says
            break
        department, unit, project, year, dept_kind = self.pick_key(set_id in DEPARTMENT_SETS)
        if set_id in DEPARTMENT_SETS and not dept_kind:
            set_id = rng.choice(("mof-project", "hubei-project", "shanxi-project"))
        gen = Generated(path="", set_id=set_id, error=error, unit=unit, project=project, year=year)
        data, comments = self.build(set_id, department, unit, project, year, error)
        kind_word = "部门整体支出绩效自评表" if not project else "项目支出绩效自评表"
        stem = rng.choice((f"{unit}{year}年度{project}{kind_word}", f"{year}年{project or '部门整体支出'}绩效自评表（{unit}）",
                           f"{unit}-{project or '部门整体'}-{year}年自评表"))
        gen.path = self.file_path(department, stem)
        return gen, data, comments

    def build(self, set_id: str, department: str, unit: str, project: str, year: int,
              error: str | None) -> tuple[dict, list[str]]:
        rng = self.rng
        scored = set_id != "sichuan-project"
        precision = 1 if set_id in ("hubei-project", "hubei-department") and rng.random() < 0.4 else 2
        opts = Options(scored=scored, precision=precision, allow_rules=set_id in ("mof-project", "shanxi-project"),
                       miss_rate=rng.choice((0.03, 0.05, 0.08, 0.12, 0.12, 0.2, 0.3, 0.45)), over_rate=0.06)
        dept_code = f"{DEPARTMENTS.index(department) + 1:03d}"
        data: dict = {"schema_version": 1, "set": set_id, "unit": unit}
        if project:
            data["project"] = project
        data["department"] = department
        if rng.random() < 0.5:
            data["department_code"] = dept_code
        if project and rng.random() < 0.4:
            data["implementer"] = f"{dept_code}{rng.randint(1, 20):03d}-{unit}"
        data["year"] = year
        if rng.random() < 0.6:
            data["date"] = f"{year + 1}年{rng.randint(1, 5)}月"
        if precision != 2 or rng.random() < 0.2:
            data["precision"] = precision
        if set_id == "hubei-project" and rng.random() < 0.6:
            data["categories"] = {"项目类别": "部门预算项目", "项目属性": rng.choice(("持续性项目", "新增项目")),
                                  "项目类型": rng.choice(("常年性项目", "一次性项目"))}
        budget_weight = {"mof-project": D(10), "shanxi-project": D(10), "sichuan-project-scored": D(10),
                         "hubei-project": D(20), "hubei-department": D(20)}.get(set_id)
        budget, budget_score = make_budget(rng, set_id, budget_weight, precision)
        data["budget"] = budget
        if set_id == "hubei-department":  # 基本支出 + 项目支出 = 全年执行数
            data["basic_spending"] = q(budget["executed"] * _dec(rng, 0.3, 0.7), 2)
            data["project_spending"] = budget["executed"] - data["basic_spending"]
        rows_total = ZERO
        goal_text = (f"{rng.choice(GOAL_VERBS)}{project or '部门各项职能'}顺利实施，"
                     f"{rng.choice(('提高资金使用效益', '提升公共服务水平', '确保各项工作正常开展'))}，"
                     f"{rng.choice(('按期完成年度任务', '推动重点工作落地见效', '群众满意度稳步提高'))}。")
        n_rows = rng.randint(20, 30)
        if set_id == "hunan-department-scorecard":
            rows_total, rows = hunan_rows(rng, opts)
            data["goals"] = [{"name": "整体支出绩效定性目标", "target": goal_text, "actual": "已完成"}]
            data["indicators"] = rows
        elif set_id == "hubei-department":
            blocks = rng.choice(((80,), (50, 30), (40, 40), (40, 25, 15)))
            sizes = [max(3, n_rows * weight // 80) for weight in blocks]
            sizes[0] += n_rows - sum(sizes)
            goals = []
            for i, (weight, size) in enumerate(zip(blocks, sizes)):
                cells = make_block(rng, set_id, size, year, opts)
                _assign_weights(rng, cells, free_level_weights(rng, weight, _counts(cells)))
                block_total, rows = score_cells(rng, cells, opts)
                rows_total += block_total
                goals.append({"name": f"年度目标{i + 1}", "weight": D(weight),
                              "target": goal_text if i == 0 else f"{rng.choice(GOAL_VERBS)}第{i + 1}项年度重点任务。",
                              "indicators": rows})
            data["goals"] = goals
        else:
            fixed = {"mof-project": (50, 30, 10), "shanxi-project": (50, 30, 10)}.get(set_id)
            cells = make_block(rng, set_id, n_rows, year, opts)
            if scored:
                _assign_weights(rng, cells, {"产出指标": D(fixed[0]), "效益指标": D(fixed[1]), "满意度指标": D(fixed[2])}
                                if fixed else free_level_weights(rng, 90 if set_id == "sichuan-project-scored" else 80,
                                                                 _counts(cells)))
            rows_total, rows = score_cells(rng, cells, opts)
            if set_id == "shanxi-project":
                for row in rows:  # 年初指标值 and 调整后指标值, usually the same
                    row_items = list(row.items())
                    at = [k for k, _ in row_items].index("target") + 1
                    row_items.insert(at, ("adjusted_target", row["target"]))
                    row.clear()
                    row.update(row_items)
            data["goals"] = [{"target": goal_text, "actual": rng.choice(("已按计划完成年度目标。", goal_text))}]
            data["indicators"] = rows
        every_row = [r for g in data.get("goals", []) for r in g.get("indicators", [])] + data.get("indicators", [])
        if scored:
            engine_total = budget_score + rows_total
            printed = engine_total
            if set_id != "hunan-department-scorecard" and rng.random() < 0.12:
                engine_total += disagree(rng, every_row, precision)
                givens = [r.get("given_score") for r in every_row]
                printed = budget.get("score", ZERO) + sum(givens, ZERO) if all(g is not None for g in givens) \
                    else engine_total  # the unit's own sum of its scores
            if rng.random() < 0.03:
                printed += D(rng.choice(("0.5", "1", "-1")))  # an arithmetic slip in the printed total
            if rng.random() < 0.95:
                data["total"] = printed
                data["total_grade"] = _grade(set_id, printed)
        if rng.random() < 0.5:
            data["reason"] = rng.choice(REASONS_MISSED) + "。"
            data["measures"] = rng.choice(MEASURES) + "。"
        if rng.random() < 0.3:
            data["narrative"] = {
                "项目实施和预算执行情况": f"{goal_text}全年预算{fmt(budget['annual'])}万元，执行{fmt(budget['executed'])}万元。",
                "存在的问题及原因分析": "\n".join(f"{i}、{t}。" for i, t in enumerate(rng.sample(REASONS_MISSED, 2), 1)),
                "下一步改进措施": "\n".join(f"{i}、{t}。" for i, t in enumerate(rng.sample(MEASURES, 2), 1)),
            }
        if set_id == "hunan-department-scorecard" and rng.random() < 0.5:
            data["evaluators"] = [{"name": rng.choice("王李张刘陈杨赵黄") + rng.choice(("伟", "芳", "敏", "静", "强", "建华")),
                                   "title": rng.choice(("组长", "副组长", "成员")), "org": unit}
                                  for _ in range(rng.randint(2, 4))]
        self._bend(error, set_id, every_row)
        comments = [f"# {unit} {year} 年度 {project or '部门整体支出'}绩效自评表", f"# 主管部门：{department}"]
        return data, comments

    def _bend(self, error: str | None, set_id: str, rows: list[dict]) -> None:
        """Content errors: a score above its weight, a row without actual or score, weights off by a bit."""
        rng = self.rng
        if error == "score_above_weight":
            row = rng.choice([r for r in rows if r.get("weight") is not None])
            row["given_score"] = row["weight"] + D(rng.choice(("0.5", "1", "2", "5")))
        elif error == "missing_actual":
            row = rng.choice(rows)
            row.pop("actual", None)
            row.pop("given_score", None)
            row.pop("evaluator_judgement", None)
            row.pop("rule", None)
        elif error == "weights_not_adding_up":
            row = rng.choice([r for r in rows if r.get("weight") is not None])
            row["weight"] += D(rng.choice(("0.5", "1", "2")))


def _weighted(rng: random.Random, table) -> str:
    total = sum(w for _, w in table)
    r = rng.uniform(0, total)
    for item, w in table:
        r -= w
        if r <= 0:
            return item
    return table[-1][0]


def _grade(set_id: str, total: Decimal) -> str:
    labels = ("优秀", "良好", "中", "差") if set_id.startswith("hunan") else ("优", "良", "中", "差")
    for label, low in zip(labels, (90, 80, 60, 0)):
        if total >= low:
            return label
    return labels[-1]


# -- YAML emitter ---------------------------------------------------------------------------------
# Plain scalars where YAML reads them back as the same string, JSON-style double quotes otherwise
# (a JSON string is a valid YAML double-quoted scalar).

_UNSAFE = re.compile(r"""^[\s\-?:,\[\]{}#&*!|>'"%@`]|\s$|:\s|:$|\s#|[\x00-\x1f\x7f\u0085\u2028\u2029\ufeff]""")
_UNSAFE_FLOW = re.compile(r"[,\[\]{}]")
_TYPED = re.compile(r"^(?:[-+]?[\d_.,:]+(?:[eE][-+]?\d+)?|[-+]?\.(?:inf|nan)|\d{4}-\d\d?-\d\d?.*"
                    r"|~|null|true|false|yes|no|on|off|y|n)$", re.IGNORECASE)


def scalar(value, flow: bool = False) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return fmt(value)
    return _text(str(value), flow)


@lru_cache(maxsize=1 << 16)  # level names, units and stock phrases repeat in every file
def _text(text: str, flow: bool) -> str:
    if text == "" or _UNSAFE.search(text) or _TYPED.match(text) or (flow and _UNSAFE_FLOW.search(text)):
        return json.dumps(text, ensure_ascii=False)
    return text


def _flow(mapping: dict) -> str:
    parts = []
    for key, value in mapping.items():
        if isinstance(value, dict):
            parts.append(f"{key}: {_flow(value)}")
        elif isinstance(value, list):
            parts.append(f"{key}: [{', '.join(scalar(v, True) for v in value)}]")
        else:
            parts.append(f"{key}: {scalar(value, True)}")
    return "{" + ", ".join(parts) + "}"


def _emit_mapping(out: list[str], mapping: dict, indent: int, flow_lists: frozenset, first: str | None = None) -> None:
    pad = " " * indent
    for i, (key, value) in enumerate(mapping.items()):
        lead = first if (first is not None and i == 0) else pad
        if isinstance(value, dict):
            if not value:
                out.append(f"{lead}{key}: {{}}")
            elif key == "rule":
                out.append(f"{lead}{key}: {_flow(value)}")
            else:
                out.append(f"{lead}{key}:")
                _emit_mapping(out, value, indent + 2, flow_lists)
        elif isinstance(value, list):
            if not value:
                out.append(f"{lead}{key}: []")
                continue
            out.append(f"{lead}{key}:")
            for item in value:
                if isinstance(item, dict):
                    if key in flow_lists:
                        out.append(f"{pad}  - {_flow(item)}")
                    else:
                        _emit_mapping(out, item, indent + 4, flow_lists, first=f"{pad}  - ")
                else:
                    out.append(f"{pad}  - {scalar(item)}")
        elif isinstance(value, str) and "\n" in value:
            out.append(f"{lead}{key}: |-")
            out.extend(f"{pad}  {line}" if line else "" for line in value.split("\n"))
        else:
            out.append(f"{lead}{key}: {scalar(value)}")


def to_yaml(data: dict, comments: list[str], flow_rows: bool) -> str:
    out = list(comments)
    flow = frozenset(("sources", "evaluators") + (("indicators",) if flow_rows else ()))
    _emit_mapping(out, data, 0, flow)
    return "\n".join(out) + "\n"


# -- text-level errors -------------------------------------------------------------------------------------

def _break_text(rng: random.Random, text: str, error: str, unit: str) -> bytes:
    if error == "fullwidth_colon":  # `year：2024`, typed with a Chinese input method
        lines = text.split("\n")
        keys = [i for i, line in enumerate(lines) if line.startswith(("year: ", "unit: ", "total: ", "department: "))]
        i = rng.choice(keys)
        key, rest = lines[i].split(": ", 1)
        lines[i] = f"{key}：{rest}"
        return "\n".join(lines).encode()
    if error == "duplicate_key":
        return (text + f"unit: {scalar(unit)}\n").encode()
    if error == "empty_file":
        return rng.choice((b"", b"\n", "# 待填写\n".encode()))
    if error == "binary_file":  # an Excel workbook renamed to .yaml
        return b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xff\xfe" + rng.randbytes(rng.randint(2000, 12000))
    return text.encode()


# -- driver --------------------------------------------------------------------------------------------

def plan_errors(rng: random.Random, n: int, error_rate: float) -> dict[int, str]:
    """File index -> error kind, for round(n × rate) files, the kinds taken in turn."""
    count = min(n, int(n * error_rate + 0.5))
    chosen = rng.sample(range(n), count)
    plan: dict[int, str] = {}
    for j, index in enumerate(chosen):
        plan[index] = ERROR_KINDS[j % len(ERROR_KINDS)]
    return plan


def generate(n: int, outdir: str | Path, seed: int = 0, error_rate: float = 0.05) -> list[Generated]:
    """Write `n` files under `outdir`; returns what was written, in order."""
    outdir = Path(outdir)
    corpus = Corpus(seed)
    rng = corpus.rng
    plan = plan_errors(rng, n, error_rate)
    made: list[Generated] = []
    texts: list[tuple[Generated, bytes]] = []
    good: list[int] = []
    duplicates: list[int] = []
    for index in range(n):
        error = plan.get(index)
        if error == "duplicate_submission":
            duplicates.append(index)
            made.append(None)  # filled in below, once there are good files to copy
            texts.append(None)
            continue
        gen, data, comments = corpus.submission(error)
        text = to_yaml(data, comments, flow_rows=rng.random() < 0.25)
        payload = _break_text(rng, text, error, gen.unit) if error else text.encode()
        made.append(gen)
        texts.append((gen, payload))
        if error is None:
            good.append(index)
    for index in duplicates:
        if not good:  # nothing to duplicate: a plain good file instead
            gen, data, comments = corpus.submission(None)
            payload = to_yaml(data, comments, flow_rows=False).encode()
        else:
            source_gen, payload = texts[rng.choice(good)]
            department = source_gen.path.split("/", 1)[0]
            stem = Path(source_gen.path).stem + rng.choice(("（副本）", " - 副本", "（修改稿）", "(1)", "_最终版"))
            gen = Generated(path=corpus.file_path(department, stem), set_id=source_gen.set_id,
                            error="duplicate_submission", unit=source_gen.unit, project=source_gen.project,
                            year=source_gen.year, duplicate_of=source_gen.path)
        made[index] = gen
        texts[index] = (gen, payload)
    folders: set = set()
    for gen, payload in texts:
        target = outdir / gen.path
        if target.parent not in folders:
            target.parent.mkdir(parents=True, exist_ok=True)
            folders.add(target.parent)
        target.write_bytes(payload)
    return made


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="生成用于批量计分性能测量的自评表（确定性）")
    parser.add_argument("n", type=int, help="文件数")
    parser.add_argument("outdir", help="输出目录（按主管部门分子目录）")
    parser.add_argument("--seed", type=int, default=0, help="随机种子（默认 0）")
    parser.add_argument("--error-rate", type=float, default=0.05, help="带错误的文件比例（默认 0.05）")
    parser.add_argument("--manifest", help="另写一份 JSON 清单：每个文件的体系、错误类型、单位/项目/年度")
    args = parser.parse_args(argv)
    if args.n < 0 or not 0 <= args.error_rate <= 1:
        parser.error("文件数不能为负，错误比例应在 0 到 1 之间")
    start = time.perf_counter()
    made = generate(args.n, args.outdir, args.seed, args.error_rate)
    elapsed = time.perf_counter() - start
    if args.manifest:
        Path(args.manifest).write_text(json.dumps([g.__dict__ for g in made], ensure_ascii=False, indent=1),
                                       encoding="utf-8")
    by_set: dict[str, int] = {}
    by_error: dict[str, int] = {}
    for g in made:
        by_set[g.set_id] = by_set.get(g.set_id, 0) + 1
        if g.error:
            by_error[g.error] = by_error.get(g.error, 0) + 1
    print(f"已生成 {len(made)} 个文件到 {args.outdir}，用时 {elapsed:.1f} 秒")
    print("指标体系：" + "，".join(f"{k} {v}" for k, v in sorted(by_set.items())))
    if by_error:
        print("带错误：" + "，".join(f"{k} {v}" for k, v in sorted(by_error.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
