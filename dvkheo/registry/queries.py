"""Reading the public registry: the list with its word search and filters, a model's page, the feed.

Only models with a standing recognition are listed; every page costs a fixed number of queries.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so

from dvkheo.campaigns.models import NomineeKind, ReferenceItem, ReferenceKind
from dvkheo.core import search
from dvkheo.core.urls import query_int
from dvkheo.extensions import db
from dvkheo.registry.models import ModelStatus, Recognition, RecognitionLevel, RegisteredModel
from dvkheo.units.models import Unit

PAGE_SIZE = 20
SEARCH_COUNT_LIMIT = 1000  # a word search counts (and pages through) this many at most
FEED_SIZE = 30
YEAR_MIN, YEAR_MAX = 1990, 2100


def _choice(enum_cls, raw: str | None):
    raw = (raw or "").strip()
    return enum_cls(raw) if raw in enum_cls._value2member_map_ else None


@dataclass
class RegistryFilters:
    q: str = ""
    field_id: int | None = None
    province_id: int | None = None
    commune_id: int | None = None
    level: RecognitionLevel | None = None
    year: int | None = None
    kind: NomineeKind | None = None
    status: ModelStatus | None = None

    @classmethod
    def parse(cls, args) -> "RegistryFilters":
        return cls(
            q=(args.get("q") or "").strip()[:200],
            field_id=query_int("linh-vuc", source=args),
            province_id=query_int("tinh", source=args),
            commune_id=query_int("xa", source=args),
            level=_choice(RecognitionLevel, args.get("cap")),
            year=query_int("nam", minimum=YEAR_MIN, maximum=YEAR_MAX, source=args),
            kind=_choice(NomineeKind, args.get("loai")),
            status=_choice(ModelStatus, args.get("tinh-trang")),
        )

    def as_args(self) -> dict[str, str]:
        args = {
            "q": self.q, "linh-vuc": self.field_id, "tinh": self.province_id, "xa": self.commune_id,
            "cap": self.level.value if self.level else None, "nam": self.year,
            "loai": self.kind.value if self.kind else None, "tinh-trang": self.status.value if self.status else None,
        }
        return {key: str(value) for key, value in args.items() if value}


def public_models() -> sa.Select:
    return sa.select(RegisteredModel).where(RegisteredModel.is_recognised.is_(True))


def list_query(filters: RegistryFilters) -> sa.Select:
    """Recognised models matching the search and filters, most recently recognised first."""
    query = public_models().options(so.joinedload(RegisteredModel.unit), so.joinedload(RegisteredModel.field))
    if filters.q:
        # The model's stored words include its places' names (`refresh_search_text`): one indexed column.
        query = query.where(search.matches(filters.q, RegisteredModel.search_text))
    if filters.field_id is not None:
        query = query.where(RegisteredModel.field_id == filters.field_id)
    if filters.province_id is not None:
        query = query.where(RegisteredModel.province_id == filters.province_id)
    if filters.commune_id is not None:
        query = query.where(RegisteredModel.commune_id == filters.commune_id)
    if filters.kind is not None:
        query = query.where(RegisteredModel.kind == filters.kind)
    if filters.status is not None:
        query = query.where(RegisteredModel.status == filters.status)
    else:
        # An ended model is no longer held up: it keeps its page, but the list shows it only when asked for.
        query = query.where(RegisteredModel.status != ModelStatus.ENDED)
    if filters.level is not None or filters.year is not None:
        live = sa.select(Recognition.model_id).where(Recognition.revoked_at.is_(None))
        if filters.level is not None:
            live = live.where(Recognition.level == filters.level)
        if filters.year is not None:
            live = live.where(Recognition.year == filters.year)
        query = query.where(RegisteredModel.id.in_(live))
    return query.order_by(RegisteredModel.recognised_at.desc(), RegisteredModel.id.desc())


@dataclass
class Choices:
    fields: list[ReferenceItem]
    provinces: list[Unit]
    communes: list[Unit]
    years: list[int]


def filter_choices(filters: RegistryFilters) -> Choices:
    """What the filters offer: the fields, the provinces with a recognised model, the communes with one in
    the chosen province (none before a province is chosen: the country has thousands), and the years from
    the first recognition to the last. Four queries, each answered from an index whatever the registry's size."""
    fields = db.session.scalars(
        sa.select(ReferenceItem).where(ReferenceItem.kind == ReferenceKind.FIELD, ReferenceItem.active.is_(True))
        .order_by(ReferenceItem.position, ReferenceItem.id)
    ).all()
    provinces = db.session.scalars(
        sa.select(Unit).where(
            Unit.kind == "province",
            sa.exists().where(RegisteredModel.province_id == Unit.id, RegisteredModel.is_recognised.is_(True)),
        ).order_by(Unit.name)
    ).all()
    communes: list[Unit] = []
    if filters.province_id is not None:
        communes = db.session.scalars(
            sa.select(Unit).where(
                Unit.id.in_(
                    sa.select(RegisteredModel.commune_id).where(
                        RegisteredModel.province_id == filters.province_id, RegisteredModel.is_recognised.is_(True)
                    )
                )
            ).order_by(Unit.name)
        ).all()
    first, last = db.session.execute(
        sa.select(sa.func.min(Recognition.year), sa.func.max(Recognition.year)).where(Recognition.revoked_at.is_(None))
    ).one()
    years = list(range(last, first - 1, -1)) if first is not None else []
    return Choices(list(fields), list(provinces), list(communes), years)


def load_model(model_id: int) -> RegisteredModel | None:
    return db.session.get(
        RegisteredModel, model_id,
        options=[
            so.joinedload(RegisteredModel.unit), so.joinedload(RegisteredModel.field),
            so.selectinload(RegisteredModel.recognitions),
        ],
    )


def forwarded_from(model: RegisteredModel) -> list[Recognition]:
    """The model's standing recognitions, lowest level first: where it came from before it was forwarded up."""
    return sorted(model.live_recognitions, key=lambda r: (r.year, r.level.rank))


def newest(limit: int = FEED_SIZE) -> list[RegisteredModel]:
    return list(
        db.session.scalars(
            public_models().options(so.joinedload(RegisteredModel.unit))
            .order_by(RegisteredModel.recognised_at.desc(), RegisteredModel.id.desc()).limit(limit)
        )
    )


def _live_nomination_ids(model: RegisteredModel) -> list[int]:
    return [r.nomination_id for r in model.live_recognitions if r.nomination_id is not None]


def candidate_photos(model: RegisteredModel) -> list:
    """The image evidence of the model's recognised nominations, each file once (a forwarded nomination carries
    copies of its origin's files): what the unit may choose to publish. Not public by itself."""
    from dvkheo.core.images import IMAGE_CONTENT_TYPES
    from dvkheo.nominations.models import Attachment

    nomination_ids = _live_nomination_ids(model)
    if not nomination_ids:
        return []
    rows = db.session.scalars(
        sa.select(Attachment)
        .where(
            Attachment.nomination_id.in_(nomination_ids),
            Attachment.purpose == "evidence",
            Attachment.content_type.in_(IMAGE_CONTENT_TYPES),
        )
        .order_by(Attachment.id)
    )
    seen, unique = set(), []
    for attachment in rows:
        if attachment.sha256 not in seen:
            seen.add(attachment.sha256)
            unique.append(attachment)
    return unique


def photos(model: RegisteredModel) -> list:
    """The model's public photos: those the unit chose and the committee approved with the summary, still evidence
    of a standing recognition (one query)."""
    from dvkheo.core.images import IMAGE_CONTENT_TYPES
    from dvkheo.nominations.models import Attachment
    from dvkheo.registry.models import ModelPhoto

    nomination_ids = _live_nomination_ids(model)
    if not nomination_ids:
        return []
    return list(
        db.session.scalars(
            sa.select(Attachment)
            .join(ModelPhoto, ModelPhoto.attachment_id == Attachment.id)
            .where(
                ModelPhoto.model_id == model.id,
                ModelPhoto.is_public.is_(True),
                Attachment.nomination_id.in_(nomination_ids),
                Attachment.purpose == "evidence",
                Attachment.content_type.in_(IMAGE_CONTENT_TYPES),
            )
            .order_by(Attachment.id)
        )
    )


def valid_certificates(recognitions: list[Recognition]) -> dict[int, "Certificate"]:  # noqa: F821
    """The certificate now valid for each recognition's decision line (a reissued one after a loss), by
    recognition id, in one query."""
    from dvkheo.certificates.models import Certificate, CertificateStatus

    by_line = {r.awardee_id: r.id for r in recognitions if r.awardee_id is not None}
    if not by_line:
        return {}
    rows = db.session.scalars(
        sa.select(Certificate).where(Certificate.awardee_id.in_(by_line), Certificate.status == CertificateStatus.VALID)
    )
    return {by_line[c.awardee_id]: c for c in rows}
