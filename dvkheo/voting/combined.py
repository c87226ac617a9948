"""The combined score the council sees when the public vote counts for a share `s` (in %):

    combined = (100 − s)% × (ranking score ÷ rubric maximum × 100) + s% × (votes ÷ most votes × 100)

"ranking score" is the council's score of the dossier (the mean, or the normalised score when
the campaign ranks by it); "most votes" is the highest count any nominee of the campaign got
(0 votes everywhere: the vote part is 0). Both parts are on a 0–100 scale, so is the result.
With s = 0 the public vote is advisory only and no combined score exists.
"""
from __future__ import annotations

from dataclasses import dataclass

from dvkheo.campaigns.models import Campaign


def combined_score(
    ranking_score: float | None, max_total: float, votes: int, most_votes: int, share_percent: int
) -> float | None:
    """The combined score on 0–100; None when the dossier has no council score yet or the rubric no maximum."""
    if ranking_score is None or not max_total:
        return None
    council_part = ranking_score / max_total * 100
    vote_part = votes / most_votes * 100 if most_votes > 0 else 0.0
    return (100 - share_percent) / 100 * council_part + share_percent / 100 * vote_part


def formula_text(share_percent: int, use_normalised: bool = False) -> str:
    """The formula written out in Vietnamese, with this campaign's share."""
    council = 100 - share_percent
    score = "điểm chuẩn hóa" if use_normalised else "điểm trung bình"
    return (
        f"Điểm kết hợp = {council}% × ({score} ÷ tổng điểm tối đa của thang điểm × 100) "
        f"+ {share_percent}% × (số phiếu bình chọn của hồ sơ ÷ số phiếu cao nhất mà một hồ sơ trong đợt nhận được × 100). "
        "Cả hai phần đều quy về thang 100; khi chưa hồ sơ nào có phiếu bình chọn, phần bình chọn bằng 0."
    )


@dataclass(frozen=True)
class Combined:
    votes: int
    score: float | None


def combine(
    campaign: Campaign, ranking_scores: dict[int, float | None], max_total: float, tallies: dict[int, int]
) -> dict[int, Combined]:
    """Combined score per nomination id (empty when the campaign gives the vote no share). Pure."""
    share = campaign.public_vote_share_percent or 0
    if share <= 0:
        return {}
    most = max(tallies.values(), default=0)
    return {
        nomination_id: Combined(tallies.get(nomination_id, 0), combined_score(score, max_total, tallies.get(nomination_id, 0), most, share))
        for nomination_id, score in ranking_scores.items()
    }


def load_combined(campaign: Campaign, ranking_scores: dict[int, float | None], max_total: float) -> dict[int, Combined]:
    """`combine` with the campaign's tallies from the ledger (one query; none when the share is 0)."""
    if (campaign.public_vote_share_percent or 0) <= 0:
        return {}
    from dvkheo.voting.ledger import tallies

    return combine(campaign, ranking_scores, max_total, tallies(campaign.id))
