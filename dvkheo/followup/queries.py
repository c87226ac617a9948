"""Reading follow-ups: the staff list with its filters, a model's public history, the models left unfollowed.

Every page costs a fixed number of queries whatever the number of requests or periods.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so

from dvkheo import access
from dvkheo.accounts.models import User
from dvkheo.extensions import db
from dvkheo.followup.models import AWAITING_UNIT, FollowUp, FollowUpState
from dvkheo.nominations.dossier import vn_number
from dvkheo.registry.models import ModelStatus, RegisteredModel

PAGE_SIZE = 20
# The public page shows this many accepted periods at most, so it costs the same whatever a model's age.
HISTORY_PERIODS = 10
# Without an accepted follow-up for this many periods (years, or yearly rounds) a model is flagged.
UNFOLLOWED_PERIODS = 2


@dataclass
class ListFilters:
    state: FollowUpState | None = None
    overdue: bool = False

    @classmethod
    def parse(cls, args) -> "ListFilters":
        raw = (args.get("trang-thai") or "").strip()
        state = FollowUpState(raw) if raw in FollowUpState._value2member_map_ else None
        return cls(state=state, overdue=args.get("qua-han") == "1")

    def as_args(self) -> dict[str, str]:
        args = {"trang-thai": self.state.value if self.state else None, "qua-han": "1" if self.overdue else None}
        return {key: value for key, value in args.items() if value}


def list_query(user: User, filters: ListFilters, today: date) -> sa.Select:
    """The requests `user` may see, matching the filters: those waiting for the unit first, nearest deadline first."""
    query = access.visible_followups(user).options(
        so.joinedload(FollowUp.model).joinedload(RegisteredModel.unit), so.joinedload(FollowUp.committee_unit),
    )
    if filters.state is not None:
        query = query.where(FollowUp.state == filters.state)
    if filters.overdue:
        query = query.where(FollowUp.state.in_(AWAITING_UNIT), FollowUp.due_on < today)
    waiting_first = sa.case((FollowUp.state.in_(AWAITING_UNIT), 0), (FollowUp.state == FollowUpState.SUBMITTED, 1), else_=2)
    return query.order_by(waiting_first, FollowUp.due_on, FollowUp.id)


def history(model: RegisteredModel) -> list[FollowUp]:
    """The model's accepted follow-ups (the last `HISTORY_PERIODS`), oldest first: one query."""
    rows = db.session.scalars(
        sa.select(FollowUp)
        .where(FollowUp.model_id == model.id, FollowUp.state == FollowUpState.ACCEPTED)
        .order_by(FollowUp.period_year.desc(), FollowUp.accepted_at.desc(), FollowUp.id.desc())
        .limit(HISTORY_PERIODS)
    ).all()
    return list(reversed(rows))


def pending_for_model(model: RegisteredModel) -> FollowUp | None:
    """The request of the model still in progress (not accepted, not cancelled), if any."""
    return db.session.scalar(
        sa.select(FollowUp)
        .where(FollowUp.model_id == model.id, FollowUp.state.notin_((FollowUpState.ACCEPTED, FollowUpState.CANCELLED)))
        .order_by(FollowUp.id.desc()).limit(1)
    )


def unfollowed_condition(year: int):
    """SQL condition on RegisteredModel: recognised, not ended, and without an accepted follow-up for two periods:
    two years since the last accepted period (or, with none, since the last recognition), or two yearly rounds
    asked since then and not accepted (a cancelled round excused the unit)."""
    last_accepted = (
        sa.select(sa.func.max(FollowUp.period_year))
        .where(FollowUp.model_id == RegisteredModel.id, FollowUp.state == FollowUpState.ACCEPTED)
        .correlate(RegisteredModel).scalar_subquery()
    )
    since = sa.func.coalesce(last_accepted, RegisteredModel.last_year)
    missed_rounds = (
        sa.select(sa.func.count(FollowUp.id))
        .where(
            FollowUp.model_id == RegisteredModel.id,
            FollowUp.round_year.is_not(None),
            FollowUp.round_year > sa.func.coalesce(last_accepted, RegisteredModel.last_year - 1),
            FollowUp.state.notin_((FollowUpState.ACCEPTED, FollowUpState.CANCELLED)),
        )
        .correlate(RegisteredModel).scalar_subquery()
    )
    return sa.and_(
        RegisteredModel.is_recognised.is_(True),
        RegisteredModel.status != ModelStatus.ENDED,
        sa.or_(year - since >= UNFOLLOWED_PERIODS, missed_rounds >= UNFOLLOWED_PERIODS),
    )


def unfollowed_query(user: User, year: int) -> sa.Select:
    """The models of `user`'s committee's tree left unfollowed (see `unfollowed_condition`), oldest followed first."""
    return (
        access.followed_models(user)
        .where(unfollowed_condition(year))
        .options(so.joinedload(RegisteredModel.unit))
        .order_by(RegisteredModel.last_year, RegisteredModel.id)
    )


# --- the chart of the public page -----------------------------------------------------------------


@dataclass
class Bar:
    x: int
    y: int
    width: int
    height: int
    label: str
    value: str


@dataclass
class Chart:
    title: str
    unit: str
    bars: list[Bar]
    width: int
    height: int
    baseline: int


CHART_HEIGHT, TOP, BOTTOM, SLOT, GAP = 160, 24, 30, 80, 24


def _figure(value: int | float | None) -> str:
    """A bar's number as written in Vietnamese: 1.200; 0,4; 2,5 (a fraction only where there is one)."""
    if value is None:
        return "—"
    if value == int(value):
        return vn_number(int(value))
    return f"{value:.2f}".rstrip("0").replace(".", ",")


def _millions(amount: int | None) -> float | None:
    """Đồng as millions, exact enough that a small contribution is never drawn as 0: two decimals under one
    million, one under ten, whole millions above (rounded half up, as people round money)."""
    if amount is None:
        return None
    places = Decimal("0.01") if amount < 1_000_000 else Decimal("0.1") if amount < 10_000_000 else Decimal("1")
    return float((Decimal(amount) / 1_000_000).quantize(places, rounding=ROUND_HALF_UP))


def _period_labels(points: list[FollowUp]) -> list[str]:
    """The year of each accepted report; a second report of the same year (asked on demand) is "2025 (2)"."""
    seen: dict[int, int] = {}
    labels = []
    for followup in points:
        seen[followup.period_year] = seen.get(followup.period_year, 0) + 1
        count = seen[followup.period_year]
        labels.append(str(followup.period_year) if count == 1 else f"{followup.period_year} ({count})")
    return labels


def bar_chart(title: str, unit: str, points: list[tuple[str, int | float | None]]) -> Chart | None:
    """Bars of one figure per period, sized in Python so the SVG needs no script; None without any figure."""
    if not any(value for _, value in points):
        return None
    largest = max(value or 0 for _, value in points)
    drawable = CHART_HEIGHT - TOP - BOTTOM
    baseline = CHART_HEIGHT - BOTTOM
    bars = []
    for index, (label, value) in enumerate(points):
        height = round(drawable * (value or 0) / largest) if largest else 0
        bars.append(Bar(
            x=index * SLOT + GAP // 2, y=baseline - height, width=SLOT - GAP, height=height,
            label=label, value=_figure(value),
        ))
    return Chart(title, unit, bars, width=max(len(points), 3) * SLOT, height=CHART_HEIGHT, baseline=baseline)


def history_charts(points: list[FollowUp]) -> list[Chart]:
    labels = _period_labels(points)
    charts = [
        bar_chart("Số người được tiếp cận, hưởng lợi", "người", list(zip(labels, [f.people_reached for f in points]))),
        bar_chart("Kinh phí huy động, đóng góp", "triệu đồng",
                  list(zip(labels, [_millions(f.money_vnd) for f in points]))),
        bar_chart("Ngày công đóng góp", "ngày công", list(zip(labels, [f.working_days for f in points]))),
    ]
    return [chart for chart in charts if chart is not None]
