"""The council as an issuer of documents: its name, the agency that set it up, its code and its system.

The minutes and the paper scoring sheets take these from here. A campaign made before the council's own
fields existed still prints sensibly: each empty field falls back on the award form that issues.
"""
from __future__ import annotations

import re

import sqlalchemy as sa

from dvkheo.documents.formats import PARTY, DocumentFormat
from dvkheo.extensions import db

ISSUING_BODY = "HỘI ĐỒNG XÉT CHỌN"
DEFAULT_CODE = "HĐXC"


def first_award_form(campaign):
    from dvkheo.awards.models import AwardForm

    return db.session.scalars(
        sa.select(AwardForm).where(AwardForm.campaign_id == campaign.id).order_by(AwardForm.position, AwardForm.id)
    ).first()


def council_format(campaign, award_form=None) -> DocumentFormat:
    """The campaign's chosen system, else the issuing award form's (the council writes like the body that
    set it up), else the Party's: the movement's organiser."""
    if campaign.council_document_system is not None:
        return campaign.council_document_system.format
    award_form = award_form or first_award_form(campaign)
    return award_form.document_format if award_form is not None else PARTY


def _organiser_agency(unit) -> str:
    """The body that runs the movement where the organiser is a place: its Party committee's Ban Dân vận.

    A campaign organised by "Tỉnh Quảng Ngãi" is run by the Ban Dân vận Tỉnh ủy; the header names that
    agency, never the place. An organiser that is itself an agency is named as it is."""
    from dvkheo.awards.operations import province_committee

    committee = province_committee(unit)
    return f"BAN DÂN VẬN {committee.upper()}" if committee else unit.name.strip().upper()


def default_parent_body(campaign, award_form=None) -> str:
    """"BAN DÂN VẬN TỈNH ỦY": the issuer of the award, named as an agency."""
    award_form = award_form or first_award_form(campaign)
    organiser = campaign.organising_unit
    if award_form is not None:
        in_text = (award_form.issuer_in_text or "").strip()
        # "Chủ tịch Ủy ban nhân dân xã …" names the person who decides; the council's header names the agency.
        in_text = re.sub(r"^(Chủ tịch|Phó Chủ tịch|Trưởng ban|Giám đốc|Thủ trưởng)\s+", "", in_text, flags=re.IGNORECASE)
        # A seed that names the organising place is no agency: fall through to the place's Ban Dân vận.
        if in_text and in_text.upper() != organiser.name.strip().upper():
            return in_text.upper()
        issuing = (award_form.issuing_body or "").strip()
        # An award form left at its seed names the organising place: fall through to its agency.
        if issuing and issuing.upper() != organiser.name.strip().upper():
            parts = [issuing, (award_form.parent_body or "").strip()]
            return " ".join(part for part in parts if part).upper()
    return _organiser_agency(organiser)


def parent_body(campaign, award_form=None) -> str:
    return (campaign.council_parent_body or "").strip() or default_parent_body(campaign, award_form)


def default_name(campaign) -> str:
    return f"Hội đồng xét chọn mô hình, điển hình “Dân vận khéo” năm {campaign.year}"


def council_name(campaign) -> str:
    return (campaign.council_name or "").strip() or default_name(campaign)


def council_code(campaign) -> str:
    return (campaign.council_code or "").strip() or DEFAULT_CODE


def council_place(campaign, award_form=None) -> str:
    from dvkheo.nominations.dossier import place_name

    award_form = award_form or first_award_form(campaign)
    if award_form is not None and (award_form.place_name or "").strip():
        return award_form.place_name.strip()
    return place_name(campaign.organising_unit)


def default_recipients(campaign, award_form=None) -> list[str]:
    award_form = award_form or first_award_form(campaign)
    issuer = ""
    if award_form is not None:
        issuer = (award_form.issuer_in_text or "").strip()
    lines = ["Thành viên Hội đồng"]
    if issuer:
        lines.append(f"{issuer} (để xem xét, quyết định)")
    return lines


def recipients(campaign, award_form=None) -> list[str]:
    typed = [line.strip() for line in (campaign.council_recipients or "").splitlines() if line.strip()]
    return typed or default_recipients(campaign, award_form)


def _live_letterhead(ballot) -> dict:
    campaign, award_form = ballot.campaign, ballot.award_form
    return {
        "format": council_format(campaign, award_form).as_dict(),
        "parent_body": parent_body(campaign, award_form),
        "name": council_name(campaign),
        "code": council_code(campaign),
        "place": council_place(campaign, award_form),
        "recipients": recipients(campaign, award_form),
    }


def letterhead(ballot) -> dict:
    """Who the minutes are issued by and how they are written: frozen when the ballot closed (an issued decision
    cites "Biên bản số 01-BB/HĐXC"; editing the award form or the system later must not rewrite closed minutes),
    else as the campaign and its award form read now. `format` is a DocumentFormat."""
    values = dict(ballot.letterhead) if ballot.letterhead else _live_letterhead(ballot)
    values["format"] = DocumentFormat.from_dict(values.get("format"))
    return values


def freeze_letterhead(ballot) -> None:
    ballot.letterhead = _live_letterhead(ballot)


def minutes_number_text(ballot, fmt: DocumentFormat | None = None) -> str:
    """"Số 01-BB/HĐXC" (Party) or "Số: 01/BB-HĐXC" (State)."""
    head = letterhead(ballot)
    return (fmt or head["format"]).number_line(ballot.minutes_number, "BB", head["code"])


def minutes_number(ballot) -> str:
    """"01-BB/HĐXC" (Party) or "01/BB-HĐXC" (State), for citing the minutes in another document."""
    head = letterhead(ballot)
    return head["format"].number(ballot.minutes_number, "BB", head["code"])


def minutes_filename(ballot, extension: str) -> str:
    """"BB-01-HDXC-2026.pdf": like a decision's "QD-05-BDVTU-2026.pdf", the type, the number, the council's code (ASCII)
    and the year, so that two councils' minutes do not take the same name in a Downloads folder; the Word copy differs
    only by its extension."""
    from dvkheo.awards.decisions import ascii_slug  # awards.decisions imports this module

    code = ascii_slug(letterhead(ballot)["code"])
    if ballot.minutes_number is None:
        return f"BB-du-thao-{ballot.id}-{code}.{extension}"
    return f"BB-{ballot.minutes_number:02d}-{code}-{ballot.minutes_year}.{extension}"
