"""Diagnostics: every problem jixiao finds, with a stable code.

Stages never raise on bad input; they append `Diagnostic`s and go on, so one
run reports every problem of a file (the beancount way).  Each code has a
fixed severity, a Chinese message template and a hint saying what to do.
Codes are stable: tests assert the exact messages, and bureaus filter on them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Iterable

ERROR = "error"
WARNING = "warning"
INFO = "info"

SEVERITY_LABEL = {ERROR: "错误", WARNING: "警告", INFO: "提示"}


@dataclass(frozen=True)
class Code:
    code: str
    severity: str
    template: str
    hint: str = ""


CODES: dict[str, Code] = {}


def _define(code: str, severity: str, template: str, hint: str = "") -> None:
    assert code not in CODES, code
    CODES[code] = Code(code, severity, template, hint)


# -- Y: reading the file and YAML ---------------------------------------------
_define("Y100", ERROR, "无法读取文件：{reason}", "请确认路径正确、文件存在且有读取权限。")
_define("Y101", ERROR, "文件大小 {size} 字节，超过上限 {limit} 字节",
        "一个自评表或指标体系不应这么大；请检查是否选错了文件。")
_define("Y102", ERROR, "文件不是 UTF-8 编码（第 {line} 行附近）",
        "请用 UTF-8 编码另存此文件（WPS/记事本“另存为”时选择 UTF-8）。")
_define("Y103", ERROR, "YAML 语法错误：{problem}",
        "请检查该行的缩进、冒号和引号。")
_define("Y104", ERROR, "键「{key}」重复出现（第一次在第 {first_line} 行）",
        "同一层级的键只能写一次；重复时后一个会悄悄覆盖前一个，请删除或合并。")
_define("Y105", ERROR, "检测到全角冒号「：」，YAML 需要半角冒号加空格「: 」",
        "把「{text}」改为「{fixed}」。")
_define("Y106", ERROR, "行首用{what}缩进",
        "YAML 只能用半角空格缩进，请把行首的{what}换成半角空格。")
_define("Y107", ERROR, "文件内容过多：超过 {limit} 个值（用锚点/别名引用的内容按展开后的个数计算）",
        "一张自评表不应这么大；请检查是否选错了文件，也不要用锚点嵌套引用，直接写出内容。")
_define("Y108", WARNING, "「{raw}」含全角字符，已按「{normalized}」读取",
        "建议改为半角数字和符号。")
_define("Y109", ERROR, "文件为空或顶层不是键值表",
        "文件应以「键: 值」的形式开始，参见 examples/ 中的样例。")
_define("Y110", ERROR, "不支持的 YAML 标签「{tag}」",
        "请删除该标签，直接写值。")
_define("Y111", ERROR, "键必须是文字，这里是「{key}」",
        "把键写成文字（必要时加引号）。")
_define("Y112", ERROR, "不是普通文件（{kind}），未读取",
        "请指定自评表文件本身，不要指定管道、设备或目录。")

# -- S: structure (JSON Schema) -------------------------------------------------
_define("S201", ERROR, "「{label}」应为{expected}，实际是{actual}", "")
_define("S202", ERROR, "缺少必填项「{label}」", "请补上「{key}」。")
_define("S203", ERROR, "未知的键「{key}」", "{suggestion}")
_define("S204", ERROR, "「{label}」的取值「{value}」无效，可选：{options}", "")
_define("S205", ERROR, "「{label}」应{relation}，实际为 {value}", "")
_define("S206", ERROR, "「{label}」的格式不正确：「{value}」", "{expected}")
_define("S207", ERROR, "结构不符合要求：{detail}", "")

# -- R: resolving sets and matching rows ----------------------------------------
_define("R301", ERROR, "找不到指标体系「{set_id}」",
        "可用的指标体系：{available}。用 `jixiao sets list` 查看全部。")
_define("R302", ERROR, "指标体系继承关系成环：{chain}", "请检查各体系的 extends。")
_define("R303", ERROR, "未知的评分规则类型「{kind}」",
        "可用的类型：{kinds}。")
_define("R304", ERROR, "评分规则参数有误：{detail}", "")
_define("R305", ERROR, "一级指标「{name}」不在指标体系「{set_id}」中",
        "该体系的一级指标：{available}。")
_define("R306", WARNING, "二级指标「{name}」不在「{level1}」之下",
        "该一级指标下的二级指标：{available}。")
_define("R307", ERROR, "缺少指标体系规定的指标「{name}」",
        "请在 indicators 中补上该指标的实际完成值或自评得分。")
_define("R308", ERROR, "指标「{name}」不在指标体系「{set_id}」的固定指标中",
        "该体系不允许自设指标；请检查指标名称是否写错。")
_define("R309", ERROR, "指标既写在顶层 indicators 中，又写在年度目标的 indicators 中",
        "单个年度目标时用顶层 indicators；多个年度目标时把指标分别写在各目标下。")
_define("R311", ERROR, "自评表共有 {count} 个指标，超过上限 {limit} 个",
        "一张自评表的指标不应这么多；请检查是否把多张表合在了一起，或选错了文件。")
_define("R312", ERROR, "有分值 {weight} 但没有三级指标名称的一行",
        "{hint}")
_define("R310", ERROR, "指标体系「{set_id}」不分年度目标块，这里有 {count} 个年度目标各自带有指标",
        "把指标合并到一组 indicators 中，或改用允许多个年度目标块的体系（如 hubei-department）。")

# -- W: weights and static rule checks -------------------------------------------
_define("W401", ERROR, "{parent}的下级分值合计 {total}，应等于 {expected}",
        "请核对各下级指标的分值。")
_define("W402", ERROR, "分值合计 {total}，应为 {expected}",
        "预算执行率与各一级指标分值之和应为 {expected}。")
_define("W403", ERROR, "分档区间有缺口：{gap} 不属于任何一档",
        "请调整相邻两档的端点，使其首尾相接（一端含、一端不含）。")
_define("W404", ERROR, "分档区间重叠：{first} 与 {second} 在 {overlap} 处重叠",
        "同一个值只能落在一档里；请把其中一端改为不含。")
_define("W405", ERROR, "要素法各要素分值合计 {total}，与分值 {weight} 不一致", "")
_define("W406", ERROR, "某一档（或选项）的得分 {points} 超过分值 {weight}", "")
_define("W407", WARNING, "分值 {weight} 与指标体系规定的 {fixed} 不一致，按 {fixed} 计", "")
_define("W408", ERROR, "等级下限不能重复：{detail}", "")
_define("W410", WARNING, "表中{what}的分值 {printed} 与指标体系「{set_id}」规定的 {expected} 不一致，按 {expected} 计",
        "请确认选用的指标体系是否与表格一致（可用 --set 指定）。")
_define("W409", WARNING, "未填分值，按自评得分 {given} 计，无法核验", "表中只印了得分、没有各行分值时，总分为各行自评得分之和。")

# -- V: values -------------------------------------------------------------------
_define("V501", ERROR, "{field}「{raw}」无法识别为数值",
        "请写成「符号 数字 单位」的形式，例如「≥11台」「100%」「≤50万元」；改正前本行不按规则计分（填了自评得分时按自评得分计）。")
_define("V502", ERROR, "单位不一致：{target_label}为「{target_unit}」，{actual_label}为「{actual_unit}」",
        "请统一单位（万元与元可自动换算）；改正前本行不按规则计分（填了自评得分时按自评得分计）。")
_define("V503", ERROR, "{field}为负数：{value}", "金额不能为负，请核对。")
_define("V504", ERROR, "{field}为零，无法计算预算执行率",
        "请填写{field}；确无预算的项目应选用不计执行率的指标体系。")
_define("V505", INFO, "实际完成值「{raw}」带有符号「{sign}」，按 {value} 计算",
        "实际完成值应写实际数，不必带「≥」「≤」等符号。")
_define("V507", WARNING, "缺少实际完成值，视为未完成", "请填写全年实际完成指标值。")
_define("V508", ERROR, "缺少{field}", "请填写{field}。")
_define("V509", ERROR, "{field}「{raw}」不能用于「{rule}」规则：{detail}",
        "请按该规则的要求改写此值（`jixiao rules` 有每种规则的说明），或由评价人填写自评得分并说明理由。")
_define("V510", ERROR, "{field}「{raw}」超出可处理的数值范围",
        "数值最多 {digits} 位有效数字、绝对值小于 10 的 {exponent} 次方；请检查是否多打了数字，"
        "或单元格是否被显示成了科学计数法（如 1E+300）。改正后才能计分。")
_define("V511", WARNING, "{field}含有看不见的控制字符（{chars}），生成的附件中已删除",
        "这些字符多来自复制粘贴，也可能被用来伪装文字（如把文字倒过来显示）；请删除后重新保存。")
_define("V512", WARNING, "实际完成值「{raw}」{why}，不能视为完全达到目标「{target}」",
        "请由评价人按三档选档打分（{bands}）并写明理由，或把实际结果写明确（如「已全部完成」）；"
        "jixiao 不会因此自动给满分，这里的满分来自表中的自评得分。")
_define("V513", WARNING, "实际完成值「{raw}」是文字，不能证明达到数值目标「{target}」",
        "请填写实际数值（如「{example}」）；无法取得数值时由评价人打分并写明理由。本行不自动给满分。")
_define("V514", WARNING, "实际完成值「{raw}」像是把百分数写成了小数（目标为「{target}」）",
        "若实际是 {as_percent}，请写「{as_percent}」；若确为 {raw}%，请写「{raw}%」。改正前本行不按规则计分。")
_define("V515", ERROR, "「{raw}」中的「{sep}」无法确定是千位分隔符还是小数点",
        "请写成「{as_int}」或「{as_dec}」，数字中不要用中文逗号。改正前不按此值计分。")
_define("V516", WARNING, "全年执行数 {executed} 超过{label} {planned}，执行率 {rate}",
        "请核对执行数；确属超预算执行，请写明原因。得分按执行率 100% 计。")
_define("V517", ERROR, "执行率 {rate}：全年执行数 {executed} 远超{label} {planned}，很可能录入有误",
        "请检查金额的单位（万元/元）和小数点；确属实情，请写明原因。")
_define("V518", INFO, "{label}与全年执行数均为 0，预算执行率不适用",
        "总分按适用分值折算：Σ得分 ÷ Σ适用分值 × {total}。")
_define("V519", WARNING, "指标性质「{sign}」与年度指标值「{target}」中的符号「{target_sign}」矛盾，按「{target_sign}」计",
        "请统一指标性质与指标值的符号。")
_define("V521", WARNING, "实际完成值「{raw}」只说明{bound}，不能证明达到目标「{target}」",
        "请填写实际完成的数（如「{example}」），不要带「以下」「以内」「≤」等；改正前本行不按规则计分。")
_define("V522", WARNING, "表中没有年度，「{target}」按实际完成日期的年度理解为 {understood}，无法核对是否逾期",
        "请在表头填写年度（如 year: 2023），没有年份的日期按该年度理解。")
_define("V523", WARNING, "实际完成值「{raw}」没有写单位，按「{unit}」计是目标「{target}」的 {ratio} 倍，可能是单位写错了",
        "请写上单位（如「{raw}元」）；改正前本行不按规则计分。")
_define("V524", WARNING, "{field}「{raw}」像是把百分数写成了小数（实际完成值为「{actual}」）",
        "若目标是 {as_percent}，请写「{as_percent}」；改正前本行不按规则计分。")
_define("V525", WARNING, "指标标为不适用（{reason}），却填写了实际完成值「{actual}」",
        "确属不适用，请删去实际完成值；否则请去掉不适用的标记，按规则计分。不适用的行不计分，总分按适用分值折算。")
_define("V526", WARNING, "评分规则「{rule}」与{field}「{target}」的符号「{sign}」方向相反",
        "正向指标（≥、>）应用 proportional，反向指标（≤、<）应用 reverse；请核对指标体系或指标值的符号。")
_define("V520", ERROR, "{field}「{raw}」无法读取：{detail}", "{hint}")

# -- F: formulas -----------------------------------------------------------------
_define("F001", ERROR, "公式「{formula}」：{detail}", "")
_define("F002", ERROR, "公式「{formula}」：{detail}", "")
_define("F003", ERROR, "公式「{formula}」：{detail}", "")
_define("F004", ERROR, "公式「{formula}」：{detail}", "公式只允许数字、已定义的名称、+ - * / 和 min、max、abs。")
_define("F005", ERROR, "公式「{formula}」：{detail}", "")
_define("F006", ERROR, "公式「{formula}」：{detail}", "请检查公式中用到的数是否都已填写、除数是否为 0。")

# -- G: given scores and totals ----------------------------------------------------
_define("G601", ERROR, "自评得分 {given} 超过分值 {weight}",
        "得分不能超过分值；本行按 {used} 分计。")
_define("G602", WARNING, "自评得分 {given} 与规则得分 {rule} 不一致，按规则得分计",
        "如确属评价人判断，请在 evaluator_judgement 中写明理由。")
_define("G603", INFO, "自评得分 {given} 为评价人判断（{reason}），规则得分为 {rule}，相差 {diff}", "")
_define("G604", ERROR, "自评得分为负数：{given}", "得分在 0 到分值之间，请核对。")
_define("G605", INFO, "无实际完成值，按自评得分 {given} 计，未经规则核验", "")
_define("G606", ERROR, "无法按规则计分，且未填写自评得分；本行计 0 分",
        "请按上面的提示改正实际完成值或指标值；确实无法按规则计分的，由评价人填写自评得分并说明理由。")
_define("G607", ERROR, "实际完成值「{raw}」{why}，需评价人选档并在档内打分", "{todo}")
_define("G608", ERROR, "自评得分 {given} 不在「{band}」档的范围 [{low}, {high}{closing} 内",
        "各档上端不含（最高档含满分）：请改选相应档次，或调整得分。")
_define("G609", WARNING, "表中总分 {given} 与计算总分 {total} 不一致", "")
_define("G610", WARNING, "各行自评得分合计 {sum}，与表中总分 {given} 不一致", "")
_define("G611", WARNING, "表中预算执行得分 {given} 与计算得分 {rule} 不一致，按计算得分计",
        "预算执行得分 = 分值 × 执行率（超过 100% 按 100%），按表的小数位数四舍五入；请核对表中的数。")
_define("G613", WARNING, "自评得分 {given} 高于规则得分 {rule}（评价人判断：{reason}）",
        "自评应实事求是，不得刻意抬高分数；请核对，确有依据请在偏差原因中写明。")
_define("G614", WARNING, "目标未完成（实际「{actual}」，目标「{target}」），表中却给了满分 {given}",
        "{todo}，或写明评价人判断的依据。")
_define("G612", WARNING, "指标已完成，自评得分 {given} 低于分值 {weight}，缺少扣分理由",
        "请在 reason 中写明扣分理由；没有理由时应按分值自评。")

# -- D: deviations -------------------------------------------------------------------
_define("D701", WARNING, "得分 {score} 低于分值 {weight}，缺少偏差原因分析",
        "请在 reason 中说明未完成的原因，在 measures 中写改进措施。")
_define("D702", WARNING, "实际完成值是目标值的 {ratio} 倍（≥{threshold} 倍），目标可能设置过低，缺少说明",
        "请在 reason 中说明超额完成的原因。")
_define("D705", WARNING, "实际完成值 {actual} 远低于目标上限「{target}」（目标是实际的 {ratio} 倍，≥{threshold} 倍），"
                         "目标可能设置过松，缺少说明",
        "请在偏差原因中说明实际远低于目标的原因（如成本节约、目标测算偏宽）。")
_define("D703", WARNING, "预算执行率 {rate} 低于 {threshold}，缺少原因说明",
        "请在 budget.reason 中说明执行率偏低的原因。")
_define("D704", WARNING, "指标未完成，缺少未完成原因及改进措施",
        "请在 reason 中说明原因，在 measures 中写改进措施。")


# -- I: importing spreadsheets -------------------------------------------------------------
_define("I801", ERROR, "这是旧版 Excel 文件（.xls），无法读取", "请在 Excel 或 WPS 中「另存为」.xlsx 格式后再试。")
_define("I802", ERROR, "无法打开 Excel 文件：{reason}",
        "文件可能已损坏、不是 Excel 文件或设有打开密码；请去掉密码并另存为 .xlsx。")
_define("I803", ERROR, "在表格中找不到指标表的表头（查找了：{names}）",
        "表头一行应包含「一级指标」「二级指标」「三级指标」等列名；请不要改动表头文字。")
_define("I804", ERROR, "公式单元格没有保存计算结果：{formula}",
        "请在 Excel 中打开并保存一次（让公式算出结果），或把公式改为数值。")
_define("I805", WARNING, "Excel 日期 {value} 按文字「{text}」读取", "指标值、完成值请写成文字，例如「2021年12月31日前」。")
_define("I806", ERROR, "不支持的文件类型「{suffix}」", "可读取的类型：{supported}。")
_define("I807", WARNING, "CSV 文件不是 UTF-8 编码，已按 GBK（GB18030）读取", "建议另存为 UTF-8 编码的 CSV。")
_define("I808", ERROR, "CSV 文件无法识别编码（既不是 UTF-8 也不是 GBK）", "请在 Excel/WPS 中另存为「CSV UTF-8」格式。")
_define("I809", WARNING, "工作簿中的隐藏工作表{sheets}未读取",
        "只读取可见的工作表；自评表如在隐藏的工作表上，请在 Excel 中取消隐藏（或删除多余的工作表）后另存。")
_define("I810", ERROR, "工作簿超出读取上限：{detail}",
        "一张自评表不应这么大；请删除多余的工作表、行和列后另存，或检查是否选错了文件。")
_define("I811", ERROR, "CSV 第 {line} 行：{problem}",
        "请在 Excel/WPS 中打开该文件检查这一行，然后重新另存为 CSV。")


# -- B: batches of files ---------------------------------------------------------------------
_define("B901", WARNING, "与 {other} 是同一单位、同一项目、同一年度的自评表（{key}）",
        "同一项目只应报送一份自评表；请确认哪一份有效，删除或改名另一份。")
_define("B902", ERROR, "处理此文件时程序出错（{reason}），已跳过，其余文件照常处理",
        "这是 jixiao 的问题，不是您的数据的问题；请把该文件反馈给维护者。")
_define("B903", WARNING, "这是指标体系文件，不是自评表，未计分",
        "指标体系请放在 --sets 指定的目录里，不要与自评表混在一起。")
_define("B904", INFO, "已忽略：{reason}", "")
_define("B905", ERROR, "未读取：{reason}", "{hint}")
_define("B906", ERROR, "处理此文件超过 {seconds} 秒，已停止；其余文件照常处理",
        "文件可能异常庞大或结构异常，请检查；确需更长时间时用 --timeout 放宽时限。")

@dataclass
class Diagnostic:
    code: str
    severity: str
    message: str
    file: str | None = None
    line: int | None = None
    col: int | None = None
    path: str = ""
    hint: str = ""
    sheet: str | None = None  # set for spreadsheets: the location is 表「sheet」E12, not line:col
    about: "About | None" = None  # what the finding concerns, with the table's number and the rule's

    @property
    def cell(self) -> str | None:
        if self.sheet is None or self.line is None or self.col is None:
            return None
        return f"{column_letter(self.col)}{self.line}"

    def location(self) -> str:
        if self.sheet is not None:
            return f"{self.file or '<输入>'}:表「{self.sheet}」{self.cell or ''}"
        parts = [self.file or "<输入>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.col is not None:
                parts.append(str(self.col))
        return ":".join(parts)

    def format(self) -> str:
        text = f"{self.location()}: {SEVERITY_LABEL[self.severity]} {self.code} {self.message}"
        if self.path:
            text += f"\n    位置：{self.path}"
        if self.hint:
            text += f"\n    建议：{self.hint}"
        return text

    def to_json(self) -> dict:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "col": self.col,
            "path": self.path,
            "hint": self.hint,
            "sheet": self.sheet,
            "cell": self.cell,
        }


@dataclass(frozen=True)
class About:
    """The subject of a diagnostic (an indicator, 预算执行率, 总分) and its two numbers: what the table says
    (`given`) and what the rules give (`expected`).  `review` formats these; it never recomputes them."""
    subject: str
    given: Decimal | None = None
    expected: Decimal | None = None


@dataclass(frozen=True)
class Where:
    """Where a problem is: file, line, column and the breadcrumb path."""
    file: str | None = None
    line: int | None = None
    col: int | None = None
    path: str = ""
    sheet: str | None = None


NOWHERE = Where()


def column_letter(col: int) -> str:
    """1 -> A, 27 -> AA (spreadsheet column names)."""
    letters = ""
    while col > 0:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def make(code: str, where: Where = NOWHERE, about: About | None = None, **fields) -> Diagnostic:
    spec = CODES[code]
    return Diagnostic(
        code=code,
        severity=spec.severity,
        message=spec.template.format(**fields),
        file=where.file,
        line=where.line,
        col=where.col,
        path=where.path,
        hint=spec.hint.format(**fields) if spec.hint else "",
        sheet=where.sheet,
        about=about,
    )


@dataclass
class Diagnostics:
    """An accumulating list of diagnostics."""
    items: list[Diagnostic] = field(default_factory=list)

    def add(self, code: str, where: Where = NOWHERE, about: About | None = None, **fields) -> Diagnostic:
        diag = make(code, where, about, **fields)
        self.items.append(diag)
        return diag

    def extend(self, other: Iterable[Diagnostic]) -> None:
        self.items.extend(other)

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    @property
    def has_errors(self) -> bool:
        return any(d.severity == ERROR for d in self.items)

    def sorted(self) -> list[Diagnostic]:
        order = {ERROR: 0, WARNING: 1, INFO: 2}
        return sorted(
            self.items,
            key=lambda d: (d.file or "", d.line if d.line is not None else 10**9, d.col or 0, order[d.severity]),
        )
