"""The council's arithmetic: fractions as typed, the rule in words, and decide() for every kind of rule."""
from __future__ import annotations

import pytest

from dvkheo.awards.models import ThresholdBase
from dvkheo.council.voting import FractionError, Rule, decide, format_fraction, parse_fraction, quorum_met, rule_in_words

PRESENT, MEMBERSHIP = ThresholdBase.PRESENT, ThresholdBase.MEMBERSHIP


@pytest.mark.parametrize(
    "typed,expected",
    [("2/3", (2, 3)), ("1/2", (1, 2)), (" 3 / 4 ", (3, 4)), ("90%", (90, 100)), ("50 %", (50, 100)), ("100%", (100, 100))],
)
def test_parse_fraction_reads_fractions_and_percentages(typed, expected):
    assert parse_fraction(typed) == expected


@pytest.mark.parametrize(
    "typed,message",
    [
        ("", "Vui lòng nhập tỷ lệ."),
        ("hai phần ba", "Vui lòng nhập tỷ lệ dạng phân số (ví dụ 2/3) hoặc phần trăm (ví dụ 90%)."),
        ("0,5", "Vui lòng nhập tỷ lệ dạng phân số (ví dụ 2/3) hoặc phần trăm (ví dụ 90%)."),
        ("2/0", "Mẫu số phải lớn hơn 0."),
        ("0%", "Tỷ lệ phải lớn hơn 0."),
        ("4/3", "Tỷ lệ không được lớn hơn 100% (tử số không được lớn hơn mẫu số)."),
        ("120%", "Tỷ lệ không được lớn hơn 100% (tử số không được lớn hơn mẫu số)."),
    ],
)
def test_parse_fraction_refuses_in_vietnamese(typed, message):
    with pytest.raises(FractionError) as error:
        parse_fraction(typed)
    assert str(error.value) == message


def test_fractions_print_as_typed():
    assert format_fraction(2, 3) == "2/3"
    assert format_fraction(90, 100) == "90%"


def test_rule_in_words_for_the_default_and_a_strict_rule():
    assert rule_in_words(Rule()) == (
        "Hợp lệ khi có ít nhất 2/3 tổng số thành viên Hội đồng dự họp; thông qua khi số phiếu đồng ý đạt "
        "trên 1/2 số thành viên có mặt biểu quyết; không tính ý kiến bằng văn bản của thành viên vắng mặt."
    )
    strict = Rule(threshold_numerator=90, threshold_denominator=100, threshold_inclusive=True,
                  threshold_base=MEMBERSHIP, count_written_opinions=True)
    assert rule_in_words(strict) == (
        "Hợp lệ khi có ít nhất 2/3 tổng số thành viên Hội đồng dự họp; thông qua khi số phiếu đồng ý đạt "
        "từ 90% tổng số thành viên Hội đồng trở lên; ý kiến bằng văn bản của thành viên vắng mặt được tính là phiếu biểu quyết."
    )


def test_quorum_of_two_thirds_with_six_members():
    rule = Rule()
    assert quorum_met(rule, 4, 6)
    assert not quorum_met(rule, 3, 6)


def _decide(rule, present, agree, disagree, *, membership=6, written=0, agree_written=0, disagree_written=0):
    return decide(rule, membership=membership, present=present, ballots_cast=present, written_opinions=written,
                  agree=agree, disagree=disagree, agree_written=agree_written, disagree_written=disagree_written)


def test_more_than_half_of_those_present():
    rule = Rule()
    assert not _decide(rule, 6, 3, 3).passed
    assert _decide(rule, 6, 4, 2).passed


def test_at_least_ninety_percent_of_the_whole_council():
    rule = Rule(threshold_numerator=90, threshold_denominator=100, threshold_inclusive=True, threshold_base=MEMBERSHIP)
    nine = _decide(rule, 10, 9, 1, membership=10)
    assert (nine.passed, nine.agree, nine.base, nine.percent) == (True, 9, 10, "90,0")
    assert not _decide(rule, 10, 8, 2, membership=10).passed
    # The whole membership is the base: 8 of 9 present is 88.9% of those present but 80% of the council.
    assert not _decide(rule, 9, 8, 1, membership=10).passed


# Six members; one absent member sent a written opinion (disagree).
# Quorum met: 5 present, 3 agree and 2 disagree. Not met: 3 present, all 3 agree.
# (base, inclusive, written counted, quorum met) -> passes
DECISION_TABLE = {
    # counted: 3 agree of 6 voters (5 ballots + 1 opinion)
    (PRESENT, False, True, True): False,  # 3/6 is not more than 1/2
    (PRESENT, True, True, True): True,  # 3/6 is at least 1/2
    (MEMBERSHIP, False, True, True): False,
    (MEMBERSHIP, True, True, True): True,
    # not counted: 3 agree of 5 ballots, membership 6
    (PRESENT, False, False, True): True,  # 3/5 > 1/2
    (PRESENT, True, False, True): True,
    (MEMBERSHIP, False, False, True): False,  # 3/6 is not more than 1/2 of the council
    (MEMBERSHIP, True, False, True): True,
    **{(base, inclusive, written, False): False for base in (PRESENT, MEMBERSHIP) for inclusive in (False, True) for written in (False, True)},
}


@pytest.mark.parametrize("base,inclusive,written,quorum", list(DECISION_TABLE))
def test_decide_every_kind_of_rule(base, inclusive, written, quorum):
    rule = Rule(threshold_inclusive=inclusive, threshold_base=base, count_written_opinions=written)
    if quorum:
        decision = _decide(rule, 5, 3, 2, written=1, disagree_written=1)
    else:
        decision = _decide(rule, 3, 3, 0, written=1, disagree_written=1)
    assert decision.quorum_met is quorum
    assert decision.passed is DECISION_TABLE[(base, inclusive, written, quorum)]
    expected_voters = (5 if quorum else 3) + (1 if written else 0)
    assert decision.voters == expected_voters
    assert decision.base == (expected_voters if base is PRESENT else 6)
    assert decision.agree == 3
    assert decision.explanation.endswith(": Đạt." if decision.passed else ": Không đạt.")


def test_written_opinions_can_tip_the_result():
    rule = Rule(count_written_opinions=True)
    # 2 of 4 present agree; both absent members wrote in favour: 4 of 6 is more than half.
    assert _decide(rule, 4, 2, 2, written=2, agree_written=2).passed
    assert not _decide(Rule(), 4, 2, 2, written=2, agree_written=2).passed


def test_explanation_says_why_without_quorum():
    decision = _decide(Rule(), 3, 3, 0)
    assert not decision.passed
    assert decision.explanation == (
        "Chỉ có 3/6 thành viên dự họp, chưa đủ 2/3 tổng số thành viên (cần ít nhất 4); "
        "3/3 phiếu biểu quyết đồng ý (100,0%), yêu cầu trên 1/2 số thành viên có mặt biểu quyết: Không đạt."
    )


def test_nobody_voting_never_passes():
    decision = decide(Rule(threshold_inclusive=True), membership=4, present=4, ballots_cast=0, written_opinions=0, agree=0, disagree=0)
    assert (decision.passed, decision.base, decision.percent) == (False, 0, "")
