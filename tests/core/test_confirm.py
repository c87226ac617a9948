"""The shared confirmation page (dvkheo/core/confirm.py): what was posted is posted again, with `confirmed=1`."""
from __future__ import annotations

from dvkheo.core.confirm import Confirmation, ask, is_confirmed

STEP = Confirmation(
    question="Ban hành quyết định này?",
    irreversible="Quyết định đã ban hành không sửa, không hủy được.",
    button="Ban hành quyết định",
    details=("Ngày ban hành: 20/11/2026",),
)


def test_confirmation_page_reposts_every_field_once_and_says_what_cannot_be_undone(app):
    data = {"decided_on": "20/11/2026", "nomination_ids": ["3", "5"], "note": '"<b>"', "confirmed": "0"}
    with app.test_request_context("/awards/decisions/7/issue?from=list", method="POST", data=data):
        assert not is_confirmed()
        body, status = ask(STEP, "/awards/decisions/7")

    assert status == 200
    assert '<form method="post" action="/awards/decisions/7/issue?from=list"' in body
    assert 'name="decided_on" value="20/11/2026"' in body
    assert 'name="nomination_ids" value="3"' in body and 'name="nomination_ids" value="5"' in body
    assert 'name="note" value="&#34;&lt;b&gt;&#34;"' in body  # escaped, never markup
    assert body.count('name="confirmed"') == 1 and 'name="confirmed" value="1"' in body
    assert "<strong>Không thể hoàn tác.</strong> Quyết định đã ban hành không sửa, không hủy được." in body
    assert "<li>Ngày ban hành: 20/11/2026</li>" in body
    assert '<a class="button" href="/awards/decisions/7">Quay lại, chưa thực hiện</a>' in body


def test_only_confirmed_one_counts_as_confirmed(app):
    for value, expected in (("1", True), ("yes", False), ("", False)):
        with app.test_request_context("/x", method="POST", data={"confirmed": value}):
            assert is_confirmed() is expected


def test_step_field_rides_on_the_confirming_button_and_keep_posts_without_it(app):
    step = Confirmation(
        question="Hoàn tất chấm điểm hồ sơ này?", irreversible="Phiếu chấm bị khóa.", button="Hoàn tất chấm điểm",
        step_field="finalise", keep=("Lưu phiếu, chưa hoàn tất", "save", "Lưu"),
    )
    data = {"points_1": "20", "finalise": "Hoàn tất chấm điểm"}
    with app.test_request_context("/review/assignments/3", method="POST", data=data):
        body, _ = ask(step, "/review/assignments/3")

    assert 'name="points_1" value="20"' in body
    assert '<input type="hidden" name="finalise"' not in body
    assert 'name="finalise" value="Hoàn tất chấm điểm">Hoàn tất chấm điểm</button>' in body
    assert '<button type="submit" class="button" name="save" value="Lưu">Lưu phiếu, chưa hoàn tất</button>' in body
