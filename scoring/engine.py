"""Score a submission against its indicator set.

Per row: match the row to the set, pick its rule (row override > fixed
indicator > 二级 default > set default), parse target and actual, let the rule
score and explain, round once at the precision, then reconcile the score the
unit gave itself.  A given score is never silently replaced: the result keeps
both, and it stands only as the evaluator's stated judgement.
Totals are sums of rounded rows, so the printed table adds up.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from . import rules
from .diagnostics import ERROR, About, Diagnostics
from .model import IMPORTED_SCORE, FixedIndicator, IndicatorSet, Level2, Row, RuleSpec, Submission
from .numbers import ZERO, fmt_short, quantize
from .paths import where as locate
from .rules.budget import BudgetResult, score_budget
from .values import EMPTY, NUMBER, Value, meets, parse_sign, parse_value, same_name
from .verdicts import Basis, Flag

COMPLETED, NOT_COMPLETED = "完成", "未完成"


@dataclass(slots=True)
class RowResult:
    row: Row
    level1: str
    level2: str
    name: str
    weight: Decimal | None
    target: str
    actual: str
    rule_kind: str = ""
    rule_title: str = ""
    standard: str = ""
    rule_score: Decimal | None = None
    given: Decimal | None = None
    score: Decimal | None = None
    basis: Basis = Basis.RULE  # where the score came from (see verdicts.py)
    explain: str = ""
    flags: list[Flag] = field(default_factory=list)
    met: bool | None = None
    over_ratio: Decimal | None = None
    target_value: Value | None = None  # the parsed target and actual the rule saw
    actual_value: Value | None = None
    rule_met: bool | None = None  # the rule's own verdict, before any given score
    rule_reported: bool = False    # the rule already reported an error for this row
    method: str = ""               # how the rule computed the points (「按比例」), for the deviation sentence
    from_given: bool = False       # the rule took the table's score (a band score, 评价人打分): no rule score of its own

    @property
    def status(self) -> str:
        return COMPLETED if self.met else NOT_COMPLETED

    @property
    def lost(self) -> Decimal:
        if self.weight is None or self.score is None:
            return ZERO
        return max(ZERO, self.weight - self.score)


@dataclass
class Subtotal:
    goal: int
    level1: str
    level2: str | None
    weight: Decimal
    score: Decimal


@dataclass
class GoalResult:
    name: str
    weight: Decimal | None
    target: str
    actual: str
    score: Decimal = ZERO
    row_weight: Decimal = ZERO


@dataclass
class ScoreResult:
    file: str
    set_id: str
    set_name: str = ""
    unit: str = ""
    project: str = ""
    scored: bool = True
    precision: int = 2
    budget: BudgetResult | None = None
    rows: list[RowResult] = field(default_factory=list)
    goals: list[GoalResult] = field(default_factory=list)
    subtotals: list[Subtotal] = field(default_factory=list)
    total: Decimal | None = None
    grade: str | None = None
    excluded_weight: Decimal = ZERO
    printed_total: Decimal | None = None  # the 总分 the table itself prints, if transcribed
    total_explain: str = ""  # how the total was rescaled when some weight was not applicable
    pending_weight: Decimal = ZERO  # weight of rows that could not be scored (0 points now): the total is provisional
    diagnostics: list = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return any(d.severity == ERROR for d in self.diagnostics)


def _consistent(given: Decimal, rule_score: Decimal) -> bool:
    """A given score equals the rule's when it is the rule's score at the given score's own decimals."""
    if given == rule_score:  # the usual case
        return True
    places = max(0, -given.as_tuple().exponent)
    return quantize(rule_score, places) == given


class Scorer:
    def __init__(self, sub: Submission, iset: IndicatorSet, diags: Diagnostics):
        self.sub = sub
        self.set = iset
        self.diags = diags
        self.doc = sub.doc
        self.precision = sub.precision if sub.precision is not None else iset.precision
        self.rounding = iset.rounding
        self.year = _table_year(sub.data.get("year"))
        self._budget_values: dict | None = None  # the budget figures formula rules may use, read once

    def where(self, path: tuple, field_name=None):
        if isinstance(field_name, tuple):
            return locate(self.doc, tuple(path) + field_name)
        return locate(self.doc, path, field_name)

    def round_score(self, value: Decimal) -> Decimal:
        return quantize(value, self.precision, self.rounding)

    # -- the whole table ---------------------------------------------------------------
    def run(self) -> ScoreResult:
        result = ScoreResult(file=self.sub.file, set_id=self.set.id, set_name=self.set.name, unit=self.sub.unit,
                             project=self.sub.data.get("project", ""), scored=self.set.scored,
                             precision=self.precision, printed_total=self.sub.total)
        for goal in self.sub.goals or []:
            result.goals.append(GoalResult(goal.name, goal.weight, goal.target, goal.actual))
        if not result.goals:
            result.goals.append(GoalResult("年度目标", None, "", ""))
        if self.set.budget is not None:
            budget_places = self.sub.precision if self.sub.precision is not None else (
                self.set.budget.precision if self.set.budget.precision is not None else self.set.precision)
            result.budget = score_budget(self.set.budget, self.sub.budget, budget_places, self.rounding,
                                         self.diags, lambda f: self.where(("budget",), f if isinstance(f, tuple) else (f,) if f else ()),
                                         total=self.set.total, implausible=self.set.deviation.implausible_rate)
        self._check_structure()
        matched: set[int] = set()
        for row in self.sub.rows:
            level1, level2, fixed = self._match(row, matched)
            if fixed is not None:
                matched.add(id(fixed[1]))
            result.rows.append(self.score_row(row, fixed, level1, level2))
        for level, child, indicator in self.set.fixed_indicators():
            if id(indicator) not in matched:
                self.diags.add("R307", self.where(("indicators",)), name=indicator.name)
        if self.set.scored:
            self._totals(result)
        return result

    def _check_structure(self) -> None:
        data = self.sub.data
        if data.get("indicators") and any(g.get("indicators") for g in data.get("goals") or []):
            self.diags.add("R309", self.where(("indicators",)))
        blocks = [i for i, g in enumerate(data.get("goals") or []) if g.get("indicators")]
        if len(blocks) > 1 and not self.set.goal_blocks:
            self.diags.add("R310", self.where(("goals", blocks[1])), set_id=self.set.id, count=len(blocks))

    # -- matching a row to the set -----------------------------------------------------------
    def _match(self, row: Row, matched: set[int]) -> tuple[str, str, tuple[Level2, FixedIndicator] | None]:
        """(一级 name, 二级 name, (二级, fixed indicator) or None) as the set names them; the row is not changed."""
        iset = self.set
        candidates = [(lv, ch, ind) for lv, ch, ind in iset.fixed_named(row.name)
                      if id(ind) not in matched
                      and (not row.level1 or same_name(lv.name, row.level1))
                      and (not row.level2 or same_name(ch.name, row.level2))]
        if candidates:
            level, child, indicator = candidates[0]
            return row.level1 or level.name, row.level2 or child.name, (child, indicator)
        if not row.level1:
            self.diags.add("V508", self.where(row.path, "level1"), field="一级指标")
            return row.level1, row.level2, None
        level = iset.level1(row.level1)
        if level is None:
            self.diags.add("R305", self.where(row.path, "level1"), name=row.level1, set_id=iset.id,
                           available="、".join(lv.name for lv in iset.levels))
            return row.level1, row.level2, None
        child = level.child(row.level2) if row.level2 else None
        if row.level2 and child is None and level.children:
            self.diags.add("R306", self.where(row.path, "level2"), name=row.level2, level1=level.name,
                           available="、".join(c.name for c in level.children))
        if child is not None and not child.allow_custom:
            self.diags.add("R308", self.where(row.path, "name"), name=row.name, set_id=iset.id)
        return level.name, child.name if child is not None else row.level2, None

    def _rule_for(self, row: Row, fixed, level1: str, level2: str) -> RuleSpec | None:
        if row.rule is not None:
            spec = RuleSpec(kind=row.rule.get("kind", ""), params=row.rule, where=self.where(row.path, ("rule", "kind")))
            spec.rule = rules.build(spec, self.diags, self.doc, tuple(row.path) + ("rule",))
            if spec.rule is not None:
                weight = row.weight if row.weight is not None else (fixed[1].weight if fixed else None)
                spec.rule.lint(weight, self.diags, spec.where)
            return spec
        if fixed is not None and fixed[1].rule is not None:
            return fixed[1].rule
        level = self.set.level1(level1)
        child = level.child(level2) if level and level2 else None
        if child is not None and child.rule is not None:
            return child.rule
        return self.set.default_rule

    # -- one row -------------------------------------------------------------------------------
    def score_row(self, row: Row, fixed, level1: str | None = None, level2: str | None = None) -> RowResult:
        level1 = row.level1 if level1 is None else level1
        level2 = row.level2 if level2 is None else level2
        weight = row.weight
        standard = ""
        target_raw = row.target
        if fixed is not None:
            indicator = fixed[1]
            standard = indicator.standard
            if indicator.weight is not None:
                if weight is not None and weight != indicator.weight:
                    self.diags.add("W407", self.where(row.path, "weight"), About(row.name, weight, indicator.weight),
                                   weight=fmt_short(weight),
                                   fixed=fmt_short(indicator.weight))
                weight = indicator.weight
            if target_raw is None and indicator.target is not None:
                target_raw = indicator.target
        if row.adjusted_target is not None:
            target_raw = row.adjusted_target
        target_label = "调整后指标值" if row.adjusted_target is not None else "年度指标值"
        target = parse_value(target_raw, sign=row.sign, unit=row.unit, year=self.year)
        self._check_sign_column(row, target, target_raw)
        actual_raw = row.actual
        # A list (a checklist's items) is read by the checklist rule from actual_raw; any other rule sees its text.
        listed = "、".join(map(str, actual_raw)) if isinstance(actual_raw, list) else None
        actual = parse_value(listed if listed is not None else actual_raw, sign=None, unit=row.unit, year=self.year)
        res = RowResult(row=row, level1=level1, level2=level2, name=row.name, weight=weight,
                        target=target.display(), actual=actual.display(), standard=standard, given=row.given_score,
                        target_value=target, actual_value=actual)
        if not self.set.scored:
            return self._completion(row, res, target, actual)
        spec = RuleSpec("not_applicable", {}) if row.not_applicable else self._rule_for(row, fixed, level1, level2)
        if spec is not None:
            res.rule_kind = spec.kind
            res.rule_title = rules.REGISTRY[spec.kind].title if spec.kind in rules.REGISTRY else spec.kind
        if spec is not None and spec.kind == "not_applicable":
            res.basis, res.score, res.flags = Basis.NOT_APPLICABLE, None, [Flag.NOT_APPLICABLE]
            res.explain = f"不适用（{row.not_applicable}），不计分，总分按适用分值折算" if row.not_applicable else \
                "不适用，不计分，总分按适用分值折算"
            return res
        if weight is None:
            if row.given_score is not None and row.given_score >= 0:
                # Published tables often print scores without weights: keep the score, say it is unchecked.
                self.diags.add("W409", self.where(row.path, "given_score"), given=fmt_short(row.given_score))
                res.score, res.basis, res.flags = row.given_score, Basis.GIVEN, [Flag.UNVERIFIED, Flag.NO_WEIGHT]
                res.explain = "未填分值，按自评得分计，无法核验"
                res.met = meets(target, actual)
                return res
            self.diags.add("V508", self.where(row.path, "weight"), field="分值")
            res.basis = Basis.NONE
            return res
        ctx = rules.RowContext(
            name=row.name, weight=weight, target=target, actual=actual, diags=self.diags,
            where=lambda f, p=row.path: self.where(p, f), precision=self.precision, rounding=self.rounding,
            deviation=self.set.deviation, actual_raw=actual_raw, given=row.given_score, grade=row.grade,
            inputs=row.inputs, target_label=target_label, budget=self._budget_inputs(),
            judgement=row.evaluator_judgement if row.evaluator_judgement != IMPORTED_SCORE else None,
        )
        diags_before = len(self.diags)
        broken = spec is None or spec.rule is None  # already reported when the rule was built
        outcome = rules.Outcome(None, "评分规则无效") if broken else spec.rule.score(ctx)
        rule_reported = broken or any(d.severity == ERROR for d in self.diags.items[diags_before:])
        res.explain, res.flags, res.met = outcome.explain, list(outcome.flags), outcome.met
        res.rule_met, res.rule_reported, res.method = outcome.met, rule_reported, outcome.method
        res.from_given = outcome.from_given
        res.over_ratio = outcome.over_ratio
        if outcome.score is not None:
            res.rule_score = self.round_score(min(max(outcome.score, ZERO), weight))
        self._reconcile(row, res, outcome, actual, rule_reported)
        if res.met is None and res.score is not None:
            res.met = res.score >= weight
        if res.score is not None and res.score < weight:
            res.flags.append(Flag.LOST_POINTS)
        return res

    def _check_sign_column(self, row: Row, target: Value, target_raw) -> None:
        """V519: a 指标性质 column (正向/反向/≥) against the sign written in the target itself."""
        if not row.sign or target.kind != NUMBER or not target.sign_text:
            return
        column = parse_sign(row.sign)
        if column is None or column == target.sign:
            return
        direction = {">=": "+", ">": "+", "<=": "-", "<": "-", "=": "="}
        if direction[column] != direction[target.sign]:
            self.diags.add("V519", self.where(row.path, "sign"), sign=row.sign, target=str(target_raw).strip(),
                           target_sign=target.sign_text)

    def _budget_inputs(self) -> dict:
        if self._budget_values is None:
            self._budget_values = self._read_budget_inputs()
        return self._budget_values

    def _read_budget_inputs(self) -> dict:
        b = self.sub.budget
        if b is None:
            return {}
        planned = None
        if self.set.budget is not None:
            planned = next((getattr(b, k) for k in self.set.budget.denominator if getattr(b, k) is not None), None)
        planned = planned if planned is not None else (b.annual if b.annual is not None else b.initial)
        values = {"年初预算数": b.initial, "全年预算数": b.annual, "调整后预算数": b.adjusted, "全年执行数": b.executed,
                  "执行数": b.executed, "预算数": planned}
        if planned and b.executed is not None:
            values["执行率"] = b.executed / planned
        return values

    def _reconcile(self, row: Row, res: RowResult, outcome, actual, rule_reported: bool) -> None:
        weight = res.weight
        given = row.given_score
        def where():  # located only when something is reported: most rows report nothing
            return self.where(row.path, "given_score")

        if given is not None and given < 0:
            self.diags.add("G604", where(), About(row.name, given, res.rule_score), given=fmt_short(given))
            given = None
        over = given is not None and given > weight
        if over:
            used = res.rule_score if res.rule_score is not None and not outcome.from_given else weight
            self.diags.add("G601", where(), About(row.name, given, used), given=fmt_short(given),
                           weight=fmt_short(weight), used=fmt_short(used))
        if outcome.from_given:
            res.score = res.rule_score
            res.basis = Basis.CAPPED if over else Basis.GIVEN
            return
        if res.rule_score is None:
            if given is not None and not over:
                res.score, res.basis = given, Basis.GIVEN
                res.flags.append(Flag.UNVERIFIED)
                if actual.kind == EMPTY and not rule_reported:
                    self.diags.add("G605", where(), given=fmt_short(given))
                res.explain = (res.explain + "；" if res.explain else "") + f"按自评得分{fmt_short(given)}计，未经规则核验"
            elif over:
                res.score, res.basis = weight, Basis.CAPPED
                res.flags.append(Flag.UNVERIFIED)
                res.explain = f"自评得分{fmt_short(given)}超过分值，按分值{fmt_short(weight)}计"
            else:
                if not rule_reported:
                    self.diags.add("G606", self.where(row.path, "actual"))
                res.score, res.basis = ZERO, Basis.NONE
            return
        res.score, res.basis = res.rule_score, Basis.RULE
        if given is None or over or _consistent(given, res.rule_score):
            return
        res.flags.append(Flag.GIVEN_DIFFERS)
        if row.evaluator_judgement:  # the evaluator's stated judgement stands; the check stage weighs it
            res.score, res.basis = given, Basis.JUDGEMENT

    def _completion(self, row: Row, res: RowResult, target, actual) -> RowResult:
        """Unscored tables (四川): each indicator is 完成 or 未完成."""
        res.basis, res.rule_kind, res.rule_title = Basis.UNSCORED, "completion", "完成情况"
        if actual.kind == EMPTY:
            self.diags.add("V507", self.where(row.path, "actual"))
            res.met, res.explain = False, "未填写实际完成值"
        else:
            if actual.sign_text and actual.kind == NUMBER:
                self.diags.add("V505", self.where(row.path, "actual"), raw=actual.display(),
                               sign=actual.sign_text, value=actual.amount())
            verdict = meets(target, actual)
            res.met = bool(verdict)
            res.rule_met = verdict
            word = "达到" if verdict else ("未达到" if verdict is False else "无法确认达到")
            res.explain = f"实际「{actual.display()}」{word}目标「{target.display()}」"
            if target.assumed:
                res.explain += f"（目标按{target.assumed}理解）"
        return res

    # -- totals ----------------------------------------------------------------------------------
    def _totals(self, result: ScoreResult) -> None:
        iset = self.set
        sums: dict = {}
        for res in result.rows:
            if res.basis == Basis.NONE:
                result.pending_weight += res.weight or ZERO
            if res.basis == Basis.NOT_APPLICABLE:
                result.excluded_weight += res.weight or ZERO
                continue
            goal = result.goals[min(res.row.goal, len(result.goals) - 1)]
            goal.score += res.score or ZERO
            goal.row_weight += res.weight or ZERO
            for key in ((res.row.goal, res.level1, None), (res.row.goal, res.level1, res.level2)):
                weight, score = sums.get(key, (ZERO, ZERO))
                sums[key] = (weight + (res.weight or ZERO), score + (res.score or ZERO))
        result.subtotals = [Subtotal(g, l1, l2, w, s) for (g, l1, l2), (w, s) in sums.items()]
        if result.budget is not None and result.budget.not_applicable and result.budget.weight:
            result.excluded_weight += result.budget.weight
        elif result.budget is not None and result.budget.weight and result.budget.score is None:
            result.pending_weight += result.budget.weight  # unreadable or implausible figures: 0 until fixed
        budget_score = result.budget.score if result.budget and result.budget.score is not None else ZERO
        raw = budget_score + sum((g.score for g in result.goals), ZERO)
        if result.excluded_weight:
            applicable = iset.total - result.excluded_weight
            scored = raw
            raw = raw / applicable * iset.total if applicable > 0 else ZERO
            result.total = self.round_score(raw)
            result.total_explain = (f"总分 = Σ得分{fmt_short(scored)} ÷ Σ适用分值{fmt_short(applicable)} × "
                                    f"{fmt_short(iset.total)} ≈ {result.total}（不适用分值{fmt_short(result.excluded_weight)}）"
                                    if result.total != raw else
                                    f"总分 = Σ得分{fmt_short(scored)} ÷ Σ适用分值{fmt_short(applicable)} × "
                                    f"{fmt_short(iset.total)} = {result.total}（不适用分值{fmt_short(result.excluded_weight)}）")
            result.grade = iset.grade_for(result.total)
            return
        result.total = self.round_score(raw)
        result.grade = iset.grade_for(result.total)


def _table_year(raw) -> int | None:
    """The table's year (2023, 「2023」, 「2023年度」), for dates written without one."""
    import re

    match = re.search(r"(19|20)\d\d", str(raw)) if raw is not None else None
    return int(match.group(0)) if match else None


def score_submission(sub: Submission, iset: IndicatorSet, diags: Diagnostics) -> ScoreResult:
    return Scorer(sub, iset, diags).run()
