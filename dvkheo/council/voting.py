"""The council's voting arithmetic, kept pure: fractions as users type them, rules in words, `decide()`.

Nothing here touches the database. A rule is any object with the seven rule attributes
(`AwardForm` and `CouncilBallot` both have them), so the words shown on the award-form page
and printed in the minutes come from one function.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from dvkheo.awards.models import ThresholdBase

_FRACTION = re.compile(r"^(\d{1,4})\s*/\s*(\d{1,4})$")
_PERCENT = re.compile(r"^(\d{1,3})\s*%$")

FRACTION_FORMAT = "Vui lòng nhập tỷ lệ dạng phân số (ví dụ 2/3) hoặc phần trăm (ví dụ 90%)."


class FractionError(ValueError):
    """A typed fraction that cannot be read; the message is Vietnamese and shown beside the field."""


def parse_fraction(text: str | None) -> tuple[int, int]:
    """Read "2/3" as (2, 3) and "90%" as (90, 100); percentages keep the denominator 100 so they print as typed."""
    value = (text or "").strip().replace("％", "%")
    if not value:
        raise FractionError("Vui lòng nhập tỷ lệ.")
    match = _FRACTION.match(value)
    if match:
        numerator, denominator = int(match.group(1)), int(match.group(2))
        if denominator == 0:
            raise FractionError("Mẫu số phải lớn hơn 0.")
    else:
        match = _PERCENT.match(value)
        if not match:
            raise FractionError(FRACTION_FORMAT)
        numerator, denominator = int(match.group(1)), 100
    if numerator == 0:
        raise FractionError("Tỷ lệ phải lớn hơn 0.")
    if numerator > denominator:
        raise FractionError("Tỷ lệ không được lớn hơn 100% (tử số không được lớn hơn mẫu số).")
    return numerator, denominator


def format_fraction(numerator: int, denominator: int) -> str:
    """(2, 3) -> "2/3"; (90, 100) -> "90%"."""
    if denominator == 100:
        return f"{numerator}%"
    return f"{numerator}/{denominator}"


def percent(numerator: int, denominator: int) -> str:
    """4/6 -> "66,7" (decimal comma); "" when nothing was counted."""
    if not denominator:
        return ""
    return f"{numerator * 100 / denominator:.1f}".replace(".", ",")


class RuleLike(Protocol):
    quorum_numerator: int
    quorum_denominator: int
    threshold_numerator: int
    threshold_denominator: int
    threshold_inclusive: bool
    threshold_base: ThresholdBase
    count_written_opinions: bool


@dataclass(frozen=True)
class Rule:
    quorum_numerator: int = 2
    quorum_denominator: int = 3
    threshold_numerator: int = 1
    threshold_denominator: int = 2
    threshold_inclusive: bool = False
    threshold_base: ThresholdBase = ThresholdBase.PRESENT
    count_written_opinions: bool = False

    @classmethod
    def of(cls, source: RuleLike) -> "Rule":
        return cls(**{name: getattr(source, name) for name in RULE_FIELDS})


RULE_FIELDS = tuple(Rule.__dataclass_fields__)

BASE_WORDS = {
    ThresholdBase.PRESENT: "số thành viên có mặt biểu quyết",
    ThresholdBase.MEMBERSHIP: "tổng số thành viên Hội đồng",
}


def threshold_words(rule: RuleLike) -> str:
    fraction = format_fraction(rule.threshold_numerator, rule.threshold_denominator)
    base = BASE_WORDS[rule.threshold_base]
    if rule.threshold_inclusive:
        return f"từ {fraction} {base} trở lên"
    return f"trên {fraction} {base}"


def rule_in_words(rule: RuleLike) -> str:
    """The rule as one Vietnamese sentence, e.g. "Hợp lệ khi có ít nhất 2/3 ...; thông qua khi ... trên 1/2 ..."."""
    quorum = format_fraction(rule.quorum_numerator, rule.quorum_denominator)
    written = (
        "ý kiến bằng văn bản của thành viên vắng mặt được tính là phiếu biểu quyết"
        if rule.count_written_opinions
        else "không tính ý kiến bằng văn bản của thành viên vắng mặt"
    )
    return (
        f"Hợp lệ khi có ít nhất {quorum} tổng số thành viên Hội đồng dự họp; "
        f"thông qua khi số phiếu đồng ý đạt {threshold_words(rule)}; {written}."
    )


def quorum_needed(rule: RuleLike, membership: int) -> int:
    """The fewest members present that make a quorum: ceil(membership × num / den)."""
    return -(-membership * rule.quorum_numerator // rule.quorum_denominator)


def quorum_met(rule: RuleLike, present: int, membership: int) -> bool:
    return membership > 0 and present * rule.quorum_denominator >= rule.quorum_numerator * membership


@dataclass(frozen=True)
class Decision:
    """The counted result of one item; every number the minutes print, and why it passed or not."""

    membership: int
    present: int
    quorum_met: bool
    voters: int
    agree: int
    disagree: int
    base: int
    passed: bool
    explanation: str

    @property
    def percent(self) -> str:
        return percent(self.agree, self.base)


def decide(
    rule: RuleLike,
    *,
    membership: int,
    present: int,
    ballots_cast: int,
    written_opinions: int,
    agree: int,
    disagree: int,
    agree_written: int = 0,
    disagree_written: int = 0,
) -> Decision:
    """Whether one item passes under `rule`.

    `ballots_cast` are the ballots of present members (electronic votes plus paper ballots);
    `agree`/`disagree` are the counts of those ballots for this item. Absent members' written
    opinions (`written_opinions` of them, `agree_written`/`disagree_written` for this item)
    count only when the rule says so. Quorum compares members present with the whole membership.
    The base is the voters (rule base "present") or the whole membership; the item passes when
    the quorum is met and agree × den > num × base ("trên") or ≥ ("từ ... trở lên").
    """
    counted_written = rule.count_written_opinions
    voters = ballots_cast + (written_opinions if counted_written else 0)
    total_agree = agree + (agree_written if counted_written else 0)
    total_disagree = disagree + (disagree_written if counted_written else 0)
    base = voters if rule.threshold_base is ThresholdBase.PRESENT else membership
    has_quorum = quorum_met(rule, present, membership)
    left, right = total_agree * rule.threshold_denominator, rule.threshold_numerator * base
    reached = base > 0 and (left >= right if rule.threshold_inclusive else left > right)
    passed = has_quorum and reached

    quorum = format_fraction(rule.quorum_numerator, rule.quorum_denominator)
    parts = []
    if has_quorum:
        parts.append(f"{present}/{membership} thành viên dự họp, đủ {quorum} tổng số thành viên")
    else:
        parts.append(
            f"chỉ có {present}/{membership} thành viên dự họp, chưa đủ {quorum} tổng số thành viên "
            f"(cần ít nhất {quorum_needed(rule, membership)})"
        )
    base_label = "phiếu biểu quyết" if rule.threshold_base is ThresholdBase.PRESENT else "thành viên Hội đồng"
    share = f" ({percent(total_agree, base)}%)" if base else ""
    parts.append(f"{total_agree}/{base} {base_label} đồng ý{share}, yêu cầu {threshold_words(rule)}")
    verdict = "Đạt" if passed else "Không đạt"
    explanation = "; ".join(parts) + f": {verdict}."
    explanation = explanation[0].upper() + explanation[1:]
    return Decision(
        membership=membership,
        present=present,
        quorum_met=has_quorum,
        voters=voters,
        agree=total_agree,
        disagree=total_disagree,
        base=base,
        passed=passed,
        explanation=explanation,
    )
