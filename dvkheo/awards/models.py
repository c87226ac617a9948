from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from dvkheo.campaigns.models import NomineeKind, _enum
from dvkheo.core.timeutil import utcnow
from dvkheo.extensions import db


class ThresholdBase(str, enum.Enum):
    """What the council's pass threshold is a share of."""

    PRESENT = "present"
    MEMBERSHIP = "membership"

    @property
    def label(self) -> str:
        return {
            ThresholdBase.PRESENT: "Số thành viên có mặt biểu quyết",
            ThresholdBase.MEMBERSHIP: "Tổng số thành viên Hội đồng",
        }[self]


class SignerPrefix(str, enum.Enum):
    """Decree 30's authority prefix over the signature: none (the head signs), TM., KT., TL., TUQ., Q."""

    NONE = ""
    ON_BEHALF_OF_COLLECTIVE = "TM."
    DEPUTY = "KT."
    BY_ORDER = "TL."
    AUTHORISED = "TUQ."
    ACTING = "Q."

    @property
    def label(self) -> str:
        return {
            SignerPrefix.NONE: "Không (người đứng đầu ký)",
            SignerPrefix.ON_BEHALF_OF_COLLECTIVE: "TM. (thay mặt tập thể lãnh đạo)",
            SignerPrefix.DEPUTY: "KT. (ký thay người đứng đầu)",
            SignerPrefix.BY_ORDER: "TL. (thừa lệnh)",
            SignerPrefix.AUTHORISED: "TUQ. (thừa ủy quyền)",
            SignerPrefix.ACTING: "Q. (quyền)",
        }[self]


# Prefixes that name a collective or a head above the signer ("TM. BAN THƯỜNG VỤ", "KT. TRƯỞNG BAN").
PREFIXES_WITH_AUTHORITY = (
    SignerPrefix.ON_BEHALF_OF_COLLECTIVE,
    SignerPrefix.DEPUTY,
    SignerPrefix.BY_ORDER,
    SignerPrefix.AUTHORISED,
)


def holder_format(holder) -> "DocumentFormat":  # noqa: F821
    """The document system a holder writes in: a decision's frozen copy (`format`), an award form's chosen
    system (`document_format`), or the editor's preview (`format`); none: the Party's."""
    from dvkheo.documents.formats import PARTY, DocumentFormat

    for name in ("format", "document_format"):
        value = getattr(holder, name, None)
        if isinstance(value, DocumentFormat):
            return value
    return PARTY


def signature_lines(holder, fmt=None) -> list[str]:
    """The upper lines of a signature block, upper case, in the holder's system: ["T/M BAN THƯỜNG VỤ",
    "TRƯỞNG BAN"] (Party) or ["TM. BAN THƯỜNG VỤ", ...] (State), ["Q. TRƯỞNG BAN"] or ["TRƯỞNG BAN"].
    `holder` is anything with signer_prefix, signer_authority and signer_title: an award form, a decision,
    or the editor's input for its preview (see `holder_format` for where its system comes from); `fmt` overrides."""
    prefix = holder.signer_prefix or SignerPrefix.NONE
    written = (fmt or holder_format(holder)).prefix(prefix.name) if prefix is not SignerPrefix.NONE else ""
    authority = " ".join((holder.signer_authority or "").split()).upper()
    title = " ".join((holder.signer_title or "").split()).upper()
    if prefix in PREFIXES_WITH_AUTHORITY:
        return [f"{written} {authority}".strip(), title]
    if prefix is SignerPrefix.ACTING:
        return [f"{written} {title}".strip()]
    return [title]


class CertificateDesign(str, enum.Enum):
    """The printed look of a certificate: a frame and colour scheme drawn by the app itself."""

    CLASSIC_RED = "classic_red"
    GOLD = "gold"
    BLUE = "blue"

    @property
    def label(self) -> str:
        return {
            CertificateDesign.CLASSIC_RED: "Khung đỏ cổ điển",
            CertificateDesign.GOLD: "Khung vàng hoa văn",
            CertificateDesign.BLUE: "Khung xanh",
        }[self]


DEFAULT_REASON = (
    "Đã có thành tích xuất sắc trong phong trào thi đua “Dân vận khéo” năm {nam} với mô hình “{mo_hinh}”"
)


class AwardForm(db.Model):
    """A form of commendation a campaign offers ("Giấy khen", "Bằng khen") and the council vote it needs.

    Fractions are stored as numerator/denominator so that "2/3" is exact: 4 of 6 members is a quorum.
    """

    __tablename__ = "award_forms"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    campaign_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    position: so.Mapped[int] = so.mapped_column(default=0)
    quorum_numerator: so.Mapped[int] = so.mapped_column(default=2)
    quorum_denominator: so.Mapped[int] = so.mapped_column(default=3)
    threshold_numerator: so.Mapped[int] = so.mapped_column(default=1)
    threshold_denominator: so.Mapped[int] = so.mapped_column(default=2)
    # False: more than the fraction ("quá bán"); True: at least the fraction ("từ 90% trở lên").
    threshold_inclusive: so.Mapped[bool] = so.mapped_column(default=False)
    threshold_base: so.Mapped[ThresholdBase] = so.mapped_column(_enum(ThresholdBase, 12), default=ThresholdBase.PRESENT)
    # Absent members' written opinions ("ý kiến bằng văn bản") count as votes when this is set.
    count_written_opinions: so.Mapped[bool] = so.mapped_column(default=False)
    # Who issues it and how the decision and the certificate read (Decree 30 header and signature).
    parent_body: so.Mapped[str] = so.mapped_column(sa.String(255), default="", server_default="")
    issuing_body: so.Mapped[str] = so.mapped_column(sa.String(255), default="", server_default="")
    # The issuer as a sentence names it: "Ban Dân vận Tỉnh ủy", never the capitals of the header.
    issuer_in_text: so.Mapped[str] = so.mapped_column(sa.String(255), default="", server_default="")
    # The archive line's holders after "Lưu": the clerical office and the drafting unit ("VT, HĐXC").
    archive: so.Mapped[str] = so.mapped_column(sa.String(120), default="VT", server_default="VT")
    # Short code of the issuing body: the document symbol "QĐ-<code>" and the register's series.
    issuer_code: so.Mapped[str] = so.mapped_column(sa.String(40), default="", server_default="")
    place_name: so.Mapped[str] = so.mapped_column(sa.String(120), default="", server_default="")
    signer_prefix: so.Mapped["SignerPrefix"] = so.mapped_column(
        _enum(SignerPrefix, 8), default=SignerPrefix.NONE, server_default=""
    )
    signer_authority: so.Mapped[str] = so.mapped_column(sa.String(255), default="", server_default="")
    signer_title: so.Mapped[str] = so.mapped_column(sa.String(255), default="", server_default="")
    signer_name: so.Mapped[str] = so.mapped_column(sa.String(255), default="", server_default="")
    # The issuer's document system (Party, State, custom); none chosen reads as the Party's, the movement's organiser.
    document_system_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("document_systems.id", ondelete="RESTRICT"))
    # The issuer's own emblem for its certificates (a stored upload, PNG or SVG); none: the system's emblem area.
    emblem_file: so.Mapped[str | None] = so.mapped_column(sa.String(255))
    certificate_title: so.Mapped[str] = so.mapped_column(sa.String(60), default="GIẤY KHEN", server_default="GIẤY KHEN")
    certificate_design: so.Mapped["CertificateDesign"] = so.mapped_column(
        _enum(CertificateDesign, 20), default=CertificateDesign.CLASSIC_RED, server_default="classic_red"
    )
    # "{nam}" and "{mo_hinh}" are filled from the campaign's year and the model's name.
    reason_template: so.Mapped[str] = so.mapped_column(sa.Text, default=DEFAULT_REASON, server_default=DEFAULT_REASON)
    # Positions of the variable fields on a pre-printed blank ("phôi"): {field: {x, y, w, size, align}} in mm/pt.
    blank_layout: so.Mapped[dict | None] = so.mapped_column(sa.JSON)
    created_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), default=utcnow)

    campaign: so.Mapped["Campaign"] = so.relationship()  # noqa: F821
    document_system: so.Mapped["DocumentSystem | None"] = so.relationship()  # noqa: F821
    legal_bases: so.Mapped[list["LegalBasis"]] = so.relationship(
        back_populates="award_form", cascade="all, delete-orphan", order_by="LegalBasis.position"
    )

    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "name", name="uq_award_forms_campaign_name"),
        sa.CheckConstraint(
            "quorum_numerator >= 0 AND quorum_denominator > 0 AND quorum_numerator <= quorum_denominator",
            name="quorum_fraction",
        ),
        sa.CheckConstraint(
            "threshold_numerator >= 0 AND threshold_denominator > 0 AND threshold_numerator <= threshold_denominator",
            name="threshold_fraction",
        ),
    )

    @property
    def document_format(self) -> "DocumentFormat":  # noqa: F821
        from dvkheo.documents.formats import PARTY

        return self.document_system.format if self.document_system is not None else PARTY

    @property
    def format(self) -> "DocumentFormat":  # noqa: F821
        """The same as `document_format`, under the name a decision uses, so either can sign (signature_lines)."""
        return self.document_format


def certificate_look_of(award_form: AwardForm) -> dict:
    """What a certificate of `award_form` shows besides its texts, as `Decision.certificate_snapshot` keeps it."""
    design = award_form.certificate_design
    return {
        "name": award_form.name,
        "title": award_form.certificate_title,
        "design": design.value if design is not None else CertificateDesign.CLASSIC_RED.value,
        "emblem_file": award_form.emblem_file or None,
    }


class LegalBasis(db.Model):
    """One "Căn cứ ..." line of an award form's decisions, with the dates it applies from and to."""

    __tablename__ = "legal_bases"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    award_form_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("award_forms.id", ondelete="CASCADE"), index=True)
    position: so.Mapped[int] = so.mapped_column(default=0)
    text: so.Mapped[str] = so.mapped_column(sa.Text)
    # Inclusive bounds; None means open-ended.
    valid_from: so.Mapped[date | None] = so.mapped_column(sa.Date)
    valid_to: so.Mapped[date | None] = so.mapped_column(sa.Date)

    award_form: so.Mapped[AwardForm] = so.relationship(back_populates="legal_bases")

    __table_args__ = (
        sa.CheckConstraint("valid_to IS NULL OR valid_from IS NULL OR valid_from <= valid_to", name="valid_range"),
    )

    def applies_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)


class DecisionKind(str, enum.Enum):
    AWARD = "award"
    AMENDMENT = "amendment"
    REVOCATION = "revocation"

    @property
    def label(self) -> str:
        return {
            DecisionKind.AWARD: "Quyết định khen thưởng",
            DecisionKind.AMENDMENT: "Quyết định sửa đổi, bổ sung",
            DecisionKind.REVOCATION: "Quyết định thu hồi, hủy bỏ quyết định khen thưởng",
        }[self]


class DecisionStatus(str, enum.Enum):
    DRAFT = "draft"
    APPROVED = "approved"
    ISSUED = "issued"
    DISCARDED = "discarded"

    @property
    def label(self) -> str:
        return {
            DecisionStatus.DRAFT: "Dự thảo",
            DecisionStatus.APPROVED: "Đã duyệt, chờ ban hành",
            DecisionStatus.ISSUED: "Đã ban hành",
            DecisionStatus.DISCARDED: "Đã hủy dự thảo",
        }[self]

    @property
    def tone(self) -> str:
        return {
            DecisionStatus.DRAFT: "warning",
            DecisionStatus.APPROVED: "info",
            DecisionStatus.ISSUED: "success",
            DecisionStatus.DISCARDED: "muted",
        }[self]


class Decision(db.Model):
    """A "Quyết định" issued in the name of an award form's issuing body.

    The header, signer and legal bases are copied from the award form when drafted and may be
    edited while the decision is a draft; once issued nothing of it changes (see `immutability`):
    a correction is a new AMENDMENT linked by `amends_id`, a revocation a new REVOCATION linked by
    `revokes_id`.
    """

    __tablename__ = "decisions"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    campaign_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("campaigns.id", ondelete="RESTRICT"), index=True)
    award_form_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("award_forms.id", ondelete="RESTRICT"))
    kind: so.Mapped[DecisionKind] = so.mapped_column(_enum(DecisionKind, 12), default=DecisionKind.AWARD)
    status: so.Mapped[DecisionStatus] = so.mapped_column(_enum(DecisionStatus, 12), default=DecisionStatus.DRAFT, index=True)
    amends_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("decisions.id", ondelete="RESTRICT"), index=True)
    revokes_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("decisions.id", ondelete="RESTRICT"), index=True)
    # Taken from the register of outgoing documents when the decision is issued.
    number: so.Mapped[int | None] = so.mapped_column()
    year: so.Mapped[int | None] = so.mapped_column()
    # The register is per issuing body: its short code ("BDVTU") names the series within its unit. Every commune's
    # People's Committee writes "UBND" and every province's Ban Dân vận "BDVTU": the unit (the campaign's organiser,
    # set when the number is taken) tells them apart.
    issuer_code: so.Mapped[str] = so.mapped_column(sa.String(40))
    issuer_unit_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("units.id", ondelete="RESTRICT"))
    symbol: so.Mapped[str] = so.mapped_column(sa.String(60))  # "QĐ-BDVTU"
    # The issuer's document system as it stood when drafted (DocumentFormat values): an issued decision keeps its look.
    document_format: so.Mapped[dict | None] = so.mapped_column(sa.JSON)
    # What its certificates show beyond the texts, frozen when issued: per award form (id as a string) its
    # name, certificate title, design and stored emblem file (`certificate_look_of`). A reprint then reads and
    # looks like the first print whatever the award form says later; None (a draft) reads the award form.
    certificate_snapshot: so.Mapped[dict | None] = so.mapped_column(sa.JSON)
    # The vote ledger's head printed under an award's annexed list, frozen when issued
    # (dvkheo.voting.checkpoint.capture): {} when there is none to print; None for a draft (it reads the ledger now)
    # and for a decision issued before the annex printed it (nothing is printed: issued paper does not change).
    ledger_head: so.Mapped[dict | None] = so.mapped_column(sa.JSON)
    decided_on: so.Mapped[date | None] = so.mapped_column(sa.Date)
    place_name: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    parent_body: so.Mapped[str] = so.mapped_column(sa.String(255), default="")
    issuing_body: so.Mapped[str] = so.mapped_column(sa.String(255))
    issuer_in_text: so.Mapped[str] = so.mapped_column(sa.String(255), default="", server_default="")
    signer_prefix: so.Mapped[SignerPrefix] = so.mapped_column(_enum(SignerPrefix, 8), default=SignerPrefix.NONE)
    signer_authority: so.Mapped[str] = so.mapped_column(sa.String(255), default="")
    signer_title: so.Mapped[str] = so.mapped_column(sa.String(255), default="")
    signer_name: so.Mapped[str] = so.mapped_column(sa.String(255), default="")
    title: so.Mapped[str] = so.mapped_column(sa.Text)  # the summary ("trích yếu") under QUYẾT ĐỊNH
    legal_bases: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)
    considering: so.Mapped[str] = so.mapped_column(sa.Text, default="")  # "Xét đề nghị của ..."
    articles: so.Mapped[str] = so.mapped_column(sa.Text, default="")  # one article per paragraph
    recipients: so.Mapped[str] = so.mapped_column(sa.Text, default="")  # "Nơi nhận:", one per line
    revocation_reason: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    # Names of the one-achievement warnings the issuer saw and accepted.
    acknowledged_warnings: so.Mapped[list[str] | None] = so.mapped_column(sa.JSON)
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    approved_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    issued_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    approved_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))
    issued_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))

    campaign: so.Mapped["Campaign"] = so.relationship()  # noqa: F821
    award_form: so.Mapped[AwardForm] = so.relationship()
    amends: so.Mapped["Decision | None"] = so.relationship(remote_side=[id], foreign_keys=[amends_id])
    revokes: so.Mapped["Decision | None"] = so.relationship(remote_side=[id], foreign_keys=[revokes_id])
    created_by: so.Mapped["User | None"] = so.relationship(foreign_keys=[created_by_id])  # noqa: F821
    approved_by: so.Mapped["User | None"] = so.relationship(foreign_keys=[approved_by_id])  # noqa: F821
    issued_by: so.Mapped["User | None"] = so.relationship(foreign_keys=[issued_by_id])  # noqa: F821
    awardees: so.Mapped[list["DecisionAwardee"]] = so.relationship(
        back_populates="decision", cascade="all, delete-orphan", order_by="DecisionAwardee.position",
        foreign_keys="DecisionAwardee.decision_id",
    )
    revocation_items: so.Mapped[list["RevocationItem"]] = so.relationship(
        back_populates="decision", cascade="all, delete-orphan", order_by="RevocationItem.id"
    )

    __table_args__ = (
        sa.UniqueConstraint("issuer_unit_id", "issuer_code", "year", "number", name="uq_decisions_issuer_unit_year_number"),
        sa.CheckConstraint("number IS NULL OR issuer_unit_id IS NOT NULL", name="numbered_in_a_unit"),
        sa.CheckConstraint("(number IS NULL) = (year IS NULL)", name="number_with_year"),
        sa.CheckConstraint("status <> 'issued' OR (number IS NOT NULL AND decided_on IS NOT NULL)", name="issued_numbered"),
        sa.CheckConstraint("kind <> 'amendment' OR amends_id IS NOT NULL", name="amendment_links"),
        sa.CheckConstraint("kind <> 'revocation' OR revokes_id IS NOT NULL", name="revocation_links"),
    )

    @property
    def is_issued(self) -> bool:
        return self.status is DecisionStatus.ISSUED

    @property
    def format(self) -> "DocumentFormat":  # noqa: F821
        from dvkheo.documents.formats import DocumentFormat

        return DocumentFormat.from_dict(self.document_format)

    def certificate_look(self, award_form: AwardForm) -> dict:
        """{"name", "title", "design", "emblem_file"} of `award_form`'s certificates under this decision: as
        frozen at issue when it was, else as the award form says now (a draft, a form the snapshot lacks)."""
        frozen = (self.certificate_snapshot or {}).get(str(award_form.id))
        return dict(frozen) if frozen is not None else certificate_look_of(award_form)

    @property
    def type_code(self) -> str:
        return self.symbol.split("-", 1)[0] if "-" in (self.symbol or "") else "QĐ"

    @property
    def issuer_as_written(self) -> str:
        """The issuer in running text: "Ban Dân vận Tỉnh ủy". Rows without it fall back on the organising unit's own
        name, which is written as a sentence writes it, never on the header's capitals."""
        if (self.issuer_in_text or "").strip():
            return self.issuer_in_text.strip()
        unit = self.campaign.organising_unit if self.campaign is not None else None
        return unit.name if unit is not None else (self.issuing_body or "").strip().capitalize()

    def citation(self, *, with_issuer: bool = True) -> str:
        """"Quyết định số 05-QĐ/BDVTU, ngày 03/12/2026 của Ban Dân vận Tỉnh ủy" as this decision's system cites it
        (State: "Quyết định số 05/QĐ-UBND ngày 03 tháng 12 năm 2026 của …"); the issuer left out when it is the same."""
        issuer = self.issuer_as_written if with_issuer else ""
        return self.format.citation("Quyết định", self.number_label, self.decided_on, issuer)

    @property
    def number_label(self) -> str:
        """"05-QĐ/BDVTU" (Party) or "05/QĐ-UBND" (State) once numbered, padded below 10; a draft: "…-QĐ/BDVTU"."""
        return self.format.number(self.number, self.type_code, self.issuer_code)


class DecisionAwardee(db.Model):
    """One line of a decision's annexed list ("Danh sách kèm theo"): who is commended, with which form and why.

    Names, positions and the reason are copied from the nomination when drafted, so that the
    issued decision reads the same forever even if the dossier is later edited.
    """

    __tablename__ = "decision_awardees"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    decision_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("decisions.id", ondelete="CASCADE"), index=True)
    nomination_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("nominations.id", ondelete="RESTRICT"), index=True)
    award_form_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("award_forms.id", ondelete="RESTRICT"))
    # The ballot line that carried the nomination through the council (its counts are the history).
    ballot_item_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("ballot_items.id", ondelete="SET NULL"))
    # In an amending decision: the earlier line this one corrects.
    corrects_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("decision_awardees.id", ondelete="RESTRICT"))
    position: so.Mapped[int] = so.mapped_column(default=0)
    kind: so.Mapped[NomineeKind] = so.mapped_column(_enum(NomineeKind, 12))
    recipient_name: so.Mapped[str] = so.mapped_column(sa.String(255))
    # "Chủ tịch Hội Nông dân xã An Phú" for a person; the address or parent unit for a collective.
    recipient_detail: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    unit_name: so.Mapped[str] = so.mapped_column(sa.String(255), default="")
    model_title: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    reason: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    council_score: so.Mapped[float | None] = so.mapped_column(sa.Float)
    combined_score: so.Mapped[float | None] = so.mapped_column(sa.Float)

    decision: so.Mapped[Decision] = so.relationship(back_populates="awardees", foreign_keys=[decision_id])
    nomination: so.Mapped["Nomination"] = so.relationship()  # noqa: F821
    award_form: so.Mapped[AwardForm] = so.relationship()
    corrects: so.Mapped["DecisionAwardee | None"] = so.relationship(remote_side=[id])

    __table_args__ = (sa.UniqueConstraint("decision_id", "nomination_id", name="uq_decision_awardees_decision_nomination"),)


class RevocationScope(str, enum.Enum):
    AWARD = "award"  # the commendation itself: every certificate of the line, the nomination becomes "revoked"
    CERTIFICATE = "certificate"  # one printed certificate only (the award stands; a new one may be issued)

    @property
    def label(self) -> str:
        return "Thu hồi, hủy bỏ khen thưởng" if self is RevocationScope.AWARD else "Thu hồi giấy khen (phôi) đã cấp"


class RevocationItem(db.Model):
    """One line of a revoking decision: the award line or the single certificate it revokes."""

    __tablename__ = "revocation_items"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    decision_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("decisions.id", ondelete="CASCADE"), index=True)
    scope: so.Mapped[RevocationScope] = so.mapped_column(_enum(RevocationScope, 12))
    awardee_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("decision_awardees.id", ondelete="RESTRICT"), index=True)
    certificate_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("certificates.id", ondelete="RESTRICT"))

    decision: so.Mapped[Decision] = so.relationship(back_populates="revocation_items")
    awardee: so.Mapped[DecisionAwardee] = so.relationship()
    certificate: so.Mapped["Certificate | None"] = so.relationship()  # noqa: F821

    __table_args__ = (
        sa.CheckConstraint("scope <> 'certificate' OR certificate_id IS NOT NULL", name="certificate_scope_names_one"),
    )


class NominationForward(db.Model):
    """An awarded nomination proposed to a campaign of a parent unit ("đề nghị cấp trên khen thưởng").

    `history` is a snapshot taken when forwarding: the lower campaign's scores (per criterion and
    per anonymous reviewer), the council ballot's counts and the award (decision, form, serial).
    """

    __tablename__ = "nomination_forwards"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    source_nomination_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("nominations.id", ondelete="RESTRICT"), index=True)
    target_nomination_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("nominations.id", ondelete="CASCADE"), unique=True
    )
    forwarded_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    forwarded_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), default=utcnow)
    history: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)

    source: so.Mapped["Nomination"] = so.relationship(foreign_keys=[source_nomination_id])  # noqa: F821
    target: so.Mapped["Nomination"] = so.relationship(foreign_keys=[target_nomination_id])  # noqa: F821
    forwarded_by: so.Mapped["User | None"] = so.relationship()  # noqa: F821


class SignerName(str):
    """The name a signing certificate carries, holding in `on_decision` the signer printed on the decision
    when the two differ ("" when they agree). A page given only the name (the public verification page
    receives `signer_name` as a plain value) can still say that they differ."""

    on_decision: str = ""

    def __new__(cls, value: str, on_decision: str | None = None) -> "SignerName":
        name = super().__new__(cls, value)
        name.on_decision = on_decision or ""
        return name


class SignedCopy(db.Model):
    """A digitally signed PDF of an issued decision, uploaded after issue; the latest is the official copy.

    Rows are never updated or deleted: a new upload replaces the previous one as the official copy and
    the earlier ones stay as history. Signer and signing time are read from the signature when it is
    checked (dvkheo.awards.signed_copy), so that the page does not parse the PDF on every view.
    """

    __tablename__ = "signed_copies"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    decision_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("decisions.id", ondelete="RESTRICT"), index=True)
    original_name: so.Mapped[str] = so.mapped_column(sa.String(255))
    stored_name: so.Mapped[str] = so.mapped_column(sa.String(80), unique=True)
    size_bytes: so.Mapped[int] = so.mapped_column()
    sha256: so.Mapped[str] = so.mapped_column(sa.String(64))
    # The common name(s) of the signing certificate(s), as read; `signer_name` hands it out as a SignerName.
    certificate_signer: so.Mapped[str] = so.mapped_column("signer_name", sa.String(255))
    # The signer printed on the decision when no signing certificate names that person (an office may sign
    # with the agency's token): kept so that every page showing the copy says so. NULL when they agree.
    decision_signer_name: so.Mapped[str | None] = so.mapped_column(sa.String(255))
    # The time stamp authority's time when there is one, else the time the signer's software reported.
    signed_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))
    # The signer's certificate chains to one of SIGNED_PDF_TRUST_ROOTS (informational: never required).
    trusted: so.Mapped[bool] = so.mapped_column(default=False)
    uploaded_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), default=utcnow)

    decision: so.Mapped[Decision] = so.relationship()
    uploaded_by: so.Mapped["User | None"] = so.relationship()  # noqa: F821

    __table_args__ = (sa.CheckConstraint("size_bytes > 0", name="size_positive"),)

    def _get_signer_name(self) -> SignerName:
        return SignerName(self.certificate_signer or "", self.decision_signer_name)

    def _set_signer_name(self, value: str) -> None:
        self.certificate_signer = value

    signer_name = so.synonym("certificate_signer", descriptor=property(_get_signer_name, _set_signer_name))

    @property
    def signer_differs(self) -> bool:
        return bool(self.decision_signer_name)
