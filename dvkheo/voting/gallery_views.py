"""Public pages (no login): the campaigns in their public phase, a campaign's gallery of nominees,
a nominee's page with its report, photos and answered objections, the objection form, and the
resized photos.

Pages stay small for phones on slow connections: no script, one small stylesheet, card pictures
480×320 with their size stated and loaded lazily, never an original upload. Nothing here shows
a unit's internal review figures, contact data, or anybody's identity.
"""
from __future__ import annotations

import random

from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)

from dvkheo.campaigns.models import NomineeKind
from dvkheo.core.filestore import store
from dvkheo.core.images import SIZES, ensure_thumbnail
from dvkheo.core.rules import RuleRefused
from dvkheo.core.timeutil import today_in_vietnam
from dvkheo.core.urls import paginate
from dvkheo.extensions import db, limiter
from dvkheo.nominations.models import Nomination
from dvkheo.privacy import notices
from dvkheo.voting import gallery, objections
from dvkheo.voting.objection_forms import ObjectionForm
from dvkheo.voting.views import bp

# A stored file never changes, but a nominee may be withdrawn: a shared cache keeps the photo one day at most.
PHOTO_MAX_AGE = 24 * 3600


def _vote_ctx(campaign):
    """What the ballot's includes (_vote_box, _tally_badge) read, computed once per page, not per card."""
    from dvkheo.voting import results
    from dvkheo.voting.session import current_voter

    return results.vote_context(campaign, current_voter(campaign.id))


@bp.route("/", endpoint="gallery")
def gallery_index():
    """The campaigns whose Danh sách đề cử is public, newest first."""
    return render_template("voting/gallery.html", campaigns=gallery.public_campaigns(), campaign=None)


@bp.route("/dot/<int:campaign_id>")
def campaign_gallery(campaign_id: int):
    """Cards of the published nominees, 24 per page; a fixed number of queries whatever the page holds."""
    campaign = gallery.load_public_campaign(campaign_id)
    filters = gallery.GalleryFilters.parse(request.args)
    page = paginate(gallery.gallery_query(campaign, filters), per_page=gallery.PAGE_SIZE)
    fields, units = gallery.filter_choices(campaign)
    ids = [n.id for n in page.items]
    return render_template(
        "voting/gallery.html",
        campaign=campaign,
        page=page,
        photos={nid: photo for nid, photo in gallery.first_photos(ids).items() if _showable(photo)},
        summaries={n.id: gallery.summary(n) for n in page.items},
        filters=filters,
        filter_args=filters.as_args(),
        fields=fields,
        units=units,
        kinds=list(NomineeKind),
        small=SIZES["small"],
        vote_ctx=_vote_ctx(campaign),
    )


def _showable(photo) -> bool:
    """A photo whose thumbnail exists or can be made: an unreadable upload shows the placeholder, not a broken image."""
    from dvkheo.core.images import ensure_thumbnail

    return ensure_thumbnail(photo.stored_name, "small") is not None


@bp.route("/ho-so/<int:nomination_id>")
def nominee(nomination_id: int):
    nomination = gallery.load_public_nomination(nomination_id)
    return _render_nominee(nomination, ObjectionForm())


def _render_nominee(nomination, form: ObjectionForm, status: int = 200):
    campaign = nomination.campaign
    return render_template(
        "voting/nominee.html",
        nominee=nomination,
        campaign=campaign,
        photos=[photo for photo in gallery.photos_of(nomination) if _showable(photo)],
        answers=gallery.published_answers(nomination),
        reference=objections.reference,
        form=form,
        taking_objections=gallery.taking_objections(campaign),
        small=SIZES["small"],
        vote_ctx=_vote_ctx(campaign),
        privacy_notice=notices.notice_for("objection", campaign),
    ), status


@bp.route("/ho-so/<int:nomination_id>/phan-anh", methods=["POST"])
@limiter.limit(lambda: current_app.config["OBJECTION_RATE_LIMIT"])
def send_objection(nomination_id: int):
    """One objection: kept and acknowledged with its number; a failed form comes back as typed."""
    nomination = gallery.load_public_nomination(nomination_id)
    back = url_for(".nominee", nomination_id=nomination.id) + "#phan-anh"
    form = ObjectionForm()
    if not gallery.taking_objections(nomination.campaign):
        flash("Đã hết thời gian công khai lấy ý kiến; không nhận thêm phản ánh, góp ý.", "error")
        return redirect(back)
    if not form.validate_on_submit():
        return _render_nominee(nomination, form, 422)
    if form.is_bot:
        # Silently dropped, with the very same confirmation page for a made-up number (a bot learns nothing).
        return _to_receipt(nomination, f"PA-{random.randint(1, 999999):06d}")
    try:
        objection = objections.submit(
            nomination, form.author_name.data, form.author_contact.data, form.content.data,
            consent_notice=notices.NOTICE_VERSION,
        )
    except RuleRefused as refused:
        db.session.rollback()
        for problem in refused.problems:
            flash(problem.message, "error")
        return redirect(back)
    db.session.commit()
    return _to_receipt(nomination, objections.reference(objection))


def _to_receipt(nomination, number: str):
    """Post/redirect/get: the confirmation page, so a reload never sends the objection again."""
    token = objections.receipt_token(number, nomination.id, today_in_vietnam())
    return redirect(url_for(".objection_receipt", nomination_id=nomination.id, token=token))


@bp.route("/ho-so/<int:nomination_id>/phan-anh/da-gui/<token>")
def objection_receipt(nomination_id: int, token: str):
    """The sender's confirmation: the number in full view, to print or copy. Reached only through the signed link."""
    receipt = objections.read_receipt(token, nomination_id)
    if receipt is None:
        abort(404)
    nomination = db.session.get(Nomination, nomination_id)
    shown = nomination if nomination is not None and gallery.is_published(nomination) else None
    response = make_response(render_template("voting/objection_receipt.html", receipt=receipt, nominee=shown))
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the link is the receipt: it never leaves in a Referer
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.route("/anh/<int:attachment_id>/<any(small, medium):size>.jpg")
def photo(attachment_id: int, size: str):
    """A resized JPEG of a published nominee's image evidence; 404 for anything else or an unreadable image."""
    attachment = gallery.load_public_photo(attachment_id)
    key = ensure_thumbnail(attachment.stored_name, size)
    if key is None:
        abort(404)
    response = store().send(key, mimetype="image/jpeg", etag=f"{attachment.sha256[:32]}-{size}", max_age=PHOTO_MAX_AGE)
    response.cache_control.public = True
    return response
