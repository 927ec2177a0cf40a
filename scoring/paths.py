"""Breadcrumbs: name a place in a document the way its author thinks of it.

    ('indicators', 0, 'weight')  ->  产出指标 > 数量指标 > 指标「办公设备购置数量」 > 分值
    ('levels', 1, 'children', 0, 'indicators', 2, 'rule', 'step')
                                 ->  过程 > 预算执行 > 指标「支付进度」 > 评分规则 > 每次扣分

Keys are English in the files; each has a Chinese label for messages.
"""
from __future__ import annotations

from typing import Any

from .diagnostics import Where
from .yamlload import Document

LABELS = {
    # submissions
    "set": "指标体系", "unit": "单位名称", "project": "项目名称", "department": "主管部门",
    "department_code": "主管部门代码", "implementer": "实施单位", "year": "年度", "date": "填报日期",
    "precision": "保留小数位数", "budget": "预算执行情况", "initial": "年初预算数", "annual": "全年预算数",
    "adjusted": "调整后预算数", "executed": "全年执行数", "sources": "资金来源", "score": "得分",
    "goals": "年度目标", "target": "年度指标值", "adjusted_target": "调整后指标值", "actual": "实际完成值",
    "indicators": "绩效指标", "level1": "一级指标", "level2": "二级指标", "name": "名称", "weight": "分值",
    "sign": "指标性质", "rule": "评分规则", "given_score": "自评得分", "evaluator_judgement": "评价人判断理由",
    "grade": "定性评价档次", "reason": "偏差原因分析", "measures": "改进措施", "not_applicable": "不适用理由",
    "inputs": "公式取值", "total": "总分", "total_grade": "等级", "narrative": "绩效分析", "evaluators": "评价人员",
    "title": "职务", "org": "单位", "categories": "项目类别", "basic_spending": "基本支出总额",
    "project_spending": "项目支出总额", "remarks": "备注", "schema_version": "格式版本",
    # indicator sets
    "id": "编号", "region": "地区", "kind": "类型", "extends": "继承", "template": "表样", "scored": "是否计分",
    "rounding": "舍入方式", "levels": "一级指标", "children": "二级指标", "default_rule": "默认评分规则",
    "grades": "等级", "min": "下限", "label": "名称", "deviation": "偏差规则", "denominator": "执行率分母",
    "cap": "执行率上限", "rate_precision": "执行率小数位数", "low_rate": "执行率偏低阈值",
    "over_achievement_ratio": "超额倍数阈值", "over_achievement_reduction": "超额扣减比例",
    "over_achievement_min_difference": "超额提示的绝对门槛", "under_cap_ratio": "远低于上限的倍数阈值", "over_achievement_reduction_step": "超额扣减递增比例",
    "implausible_rate": "执行率异常阈值", "zero_budget": "零预算处理",
    "reason_required": "是否要求偏差原因", "standard": "评分标准", "max_indicators": "指标个数上限",
    "allow_custom": "允许自设指标", "goal_blocks": "年度目标块数", "description": "说明",
    "tiers": "分档", "range": "区间", "points": "得分", "form": "计分方式", "step": "每次扣分",
    "per": "每单位", "direction": "方向", "items": "要素", "options": "选项", "bands": "档次",
    "formula": "公式", "fraction": "比例", "rounding_of_count": "计数取整", "floor": "下限",
    "low": "下限", "high": "上限", "reduction": "扣减比例", "ratio": "倍数阈值",
}

_CONTAINERS = {"levels", "children", "indicators", "goals", "sources", "grades", "tiers", "items",
               "options", "bands", "evaluators"}


def label(key: Any) -> str:
    return LABELS.get(key, str(key))


def _item_name(container: str, item: Any, index: int) -> str:
    name = item.get("name") if isinstance(item, dict) else None
    if container == "indicators":
        crumbs = []
        if isinstance(item, dict):
            crumbs = [str(item[k]) for k in ("level1", "level2") if isinstance(item.get(k), str)]
        crumbs.append(f"指标「{name}」" if name else f"第{index + 1}个指标")
        return " > ".join(crumbs)
    if container == "goals":
        return str(name) if name else f"年度目标{index + 1}"
    if container == "tiers":
        return f"第{index + 1}档"
    if container == "items":
        return f"要素{index + 1}"
    if name:
        return str(name)
    if isinstance(item, dict) and isinstance(item.get("label"), str):
        return item["label"]
    return f"{label(container)}第{index + 1}项"


def breadcrumb(data: Any, path: tuple) -> str:
    parts: list[str] = []
    node = data
    parent_key = None
    for step in path:
        if isinstance(node, list) and isinstance(step, int):
            item = node[step] if 0 <= step < len(node) else None
            parts.append(_item_name(parent_key or "", item, step))
            node = item
        else:
            if not (step in _CONTAINERS and isinstance(node, dict) and isinstance(node.get(step), list)):
                parts.append(label(step))
            node = node.get(step) if isinstance(node, dict) else None
            parent_key = step
    return " > ".join(parts)


def where(doc: Document | None, path: tuple = (), field: str | None = None, key: bool = False) -> Where:
    """Where(file, line, col, breadcrumb) of `path` (plus `field`) in `doc`."""
    if doc is None:
        return Where()
    full = tuple(path) + ((field,) if field is not None else ())
    line, col = doc.position(full, key=key)
    return Where(doc.file, line, col, breadcrumb(doc.data, full), doc.sheet)
