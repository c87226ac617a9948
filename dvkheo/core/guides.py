"""“Hướng dẫn”: one short guide per role, each step with a screenshot of the page it describes.

The screenshots are not drawn by hand: `tests/browser/test_help_screenshots.py` walks each role through its
pages in Chromium at a phone's width and writes ``static/help/<shot>.png``, so that a change to a page shows in
its guide at the next test run. The test also fails when a guide names a screenshot it did not make.
"""
from __future__ import annotations

from dataclasses import dataclass

from dvkheo.accounts.models import Role


@dataclass(frozen=True)
class Step:
    title: str
    text: str
    shot: str | None = None  # static/help/<shot>.png
    shot_alt: str = ""


@dataclass(frozen=True)
class Guide:
    slug: str
    title: str
    who: str
    intro: str
    steps: tuple[Step, ...]
    role: Role | None = None


GUIDES: tuple[Guide, ...] = (
    Guide(
        slug="don-vi", role=Role.UNIT_SUBMITTER, title="Cán bộ đơn vị cơ sở",
        who="Cán bộ xã, phường, cơ quan lập và nộp hồ sơ đề nghị công nhận mô hình, điển hình “Dân vận khéo”.",
        intro="Việc của đơn vị là chọn mô hình tốt của địa phương, lập hồ sơ theo mẫu của đợt bình xét, "
              "nộp đúng hạn và bổ sung khi Hội đồng trả lại.",
        steps=(
            Step("Xem việc cần làm",
                 "Sau khi đăng nhập, trang đầu tiên cho biết hồ sơ bị trả lại cần sửa, hồ sơ còn là bản nháp và các "
                 "đợt bình xét đang nhận hồ sơ cùng hạn nộp.",
                 "don-vi-1", "Trang việc cần làm của cán bộ đơn vị"),
            Step("Tạo hồ sơ",
                 "Bấm “Tạo hồ sơ”, chọn đợt bình xét và loại hồ sơ (mô hình tập thể hoặc điển hình cá nhân). "
                 "Điền báo cáo thành tích: ngày viết dạng 15/03/2024, số tiền dạng 1.250.000. Tải ảnh, biên bản "
                 "họp làm minh chứng (PDF, ảnh, Word, Excel; mỗi tệp tối đa 10 MB).",
                 "don-vi-2", "Biểu mẫu hồ sơ đề nghị trên điện thoại"),
            Step("Lưu nháp, rồi nộp",
                 "“Lưu nháp” giữ lại mọi thứ đã nhập, kể cả khi còn thiếu. Khi đủ, bấm “Nộp hồ sơ”; hệ thống chỉ ra "
                 "mục còn thiếu nếu có. Hồ sơ đã nộp không sửa được nữa, trừ khi Hội đồng trả lại.",
                 "don-vi-3", "Danh sách hồ sơ của đơn vị với trạng thái từng hồ sơ"),
            Step("Sửa hồ sơ bị trả lại",
                 "Hồ sơ bị trả lại có ghi lý do ở đầu trang. Sửa đúng nội dung được yêu cầu rồi bấm “Nộp lại hồ sơ”."),
        ),
    ),
    Guide(
        slug="thu-ky", role=Role.SECRETARY, title="Thư ký Hội đồng",
        who="Thư ký giúp Hội đồng thi đua, khen thưởng: tiếp nhận, sơ loại hồ sơ, tổ chức chấm điểm, bỏ phiếu và "
            "dự thảo quyết định.",
        intro="Mọi việc của một đợt bình xét nằm trong thanh công việc của đợt (trên điện thoại: nút mang tên trang "
              "đang mở, bấm để thấy mọi trang theo nhóm).",
        steps=(
            Step("Xem việc cần làm",
                 "Trang đầu tiên liệt kê hồ sơ chờ sơ loại, phiếu chấm quá hạn, phản ánh chờ trả lời, phiên bỏ phiếu "
                 "cần chuẩn bị, hồ sơ Hội đồng đã thông qua chờ lập quyết định và dự thảo quyết định bị trả lại.",
                 "thu-ky-1", "Trang việc cần làm của thư ký"),
            Step("Sơ loại hồ sơ",
                 "Mở “Sơ loại hồ sơ”: lọc theo trạng thái, lĩnh vực, đơn vị; mở từng hồ sơ để xem danh mục kiểm tra. "
                 "Tiếp nhận, trả lại (ghi rõ lý do để đơn vị sửa) hoặc không tiếp nhận.",
                 "thu-ky-2", "Trang sơ loại hồ sơ trên điện thoại"),
            Step("Phân công và theo dõi chấm điểm",
                 "“Phân công chấm điểm” giao hồ sơ cho thành viên (tự động, tránh xung đột lợi ích); “Tiến độ chấm "
                 "điểm” cho biết ai còn chậm và gửi lời nhắc."),
            Step("Xếp hạng, bỏ phiếu, quyết định",
                 "“Kết quả chấm, xếp hạng” tổng hợp điểm; lập danh sách đề cử, mở phiếu bầu của Hội đồng, rồi dự "
                 "thảo quyết định khen thưởng để Chủ tịch duyệt. Các bước không làm lại được đều hỏi xác nhận trước.",
                 "thu-ky-3", "Trang kết quả chấm và xếp hạng"),
        ),
    ),
    Guide(
        slug="chu-tich", role=Role.CHAIR, title="Chủ tịch Hội đồng",
        who="Chủ tịch Hội đồng thi đua, khen thưởng của cấp tổ chức đợt bình xét.",
        intro="Chủ tịch xem mọi trang của Hội đồng, bỏ phiếu kín như thành viên, và duyệt, ký quyết định khen thưởng.",
        steps=(
            Step("Xem việc cần làm",
                 "Trang đầu tiên cho biết quyết định chờ duyệt và phiên bỏ phiếu cần mở hoặc kết thúc.",
                 "chu-tich-1", "Trang việc cần làm của Chủ tịch"),
            Step("Duyệt quyết định",
                 "Mở quyết định chờ duyệt, đọc dự thảo (PDF hoặc Word), rồi duyệt hoặc trả lại cho thư ký kèm lý do. "
                 "Quyết định đã ban hành không sửa được; muốn thay đổi phải ra quyết định sửa đổi hoặc thu hồi."),
        ),
    ),
    Guide(
        slug="thanh-vien", role=Role.REVIEWER, title="Thành viên Hội đồng (chấm điểm)",
        who="Thành viên Hội đồng được giao chấm hồ sơ theo tiêu chí của đợt bình xét.",
        intro="Mỗi hồ sơ được chấm theo từng tiêu chí, có minh chứng của tiêu chí hiện ngay bên cạnh.",
        steps=(
            Step("Xem hồ sơ được giao",
                 "Trang đầu tiên liệt kê hồ sơ chờ chấm cùng hạn chấm; hồ sơ chưa chấm đứng trước.",
                 "thanh-vien-1", "Danh sách hồ sơ được giao chấm"),
            Step("Chấm và hoàn tất",
                 "Nhập điểm từng tiêu chí (không quá điểm tối đa) và nhận xét; “Lưu” để chấm tiếp sau. Khi chắc chắn, "
                 "bấm “Hoàn tất chấm điểm”: phiếu đã hoàn tất không sửa được nữa. Nếu có quan hệ với đơn vị được chấm, "
                 "khai báo xung đột lợi ích để hồ sơ được giao người khác."),
        ),
    ),
    Guide(
        slug="quan-tri", role=Role.ADMIN, title="Quản trị hệ thống",
        who="Cán bộ quản trị phần mềm của cơ quan.",
        intro="Quản trị viên giữ cây đơn vị, tài khoản, danh mục và thể thức văn bản.",
        steps=(
            Step("Đơn vị",
                 "“Đơn vị”: xem cây đơn vị, thêm, sửa, nhập từ tệp Excel hoặc CSV. Đơn vị cấp trên được chọn bằng ô "
                 "tìm kiếm theo tên hoặc mã.",
                 "quan-tri-1", "Cây đơn vị trên điện thoại"),
            Step("Tài khoản",
                 "“Tài khoản”: tạo tài khoản cho cán bộ, chọn vai trò và đơn vị, khóa tài khoản khi người đó chuyển "
                 "công tác. Khóa tài khoản kết thúc ngay mọi phiên đăng nhập của người đó."),
        ),
    ),
    Guide(
        slug="nguoi-dan", role=None, title="Người dân",
        who="Mọi người dân xem, bình chọn và góp ý về các mô hình, điển hình được đề nghị.",
        intro="Không cần tài khoản để xem. Để bình chọn, bạn xác thực một lần bằng thư điện tử hoặc số điện thoại "
              "theo hướng dẫn của đợt bình chọn.",
        steps=(
            Step("Xem mô hình",
                 "Mở “Bình chọn mô hình, điển hình”, chọn đợt bình chọn; tìm theo tên hoặc địa phương (gõ có dấu "
                 "hay không dấu đều được).",
                 "nguoi-dan-1", "Danh sách mô hình của đợt bình chọn trên điện thoại"),
            Step("Bình chọn",
                 "Bấm “Xác thực để bình chọn”, làm theo hướng dẫn, rồi bấm “Bình chọn” ở mô hình bạn chọn. Mỗi lần "
                 "bình chọn có một mã xác nhận; hãy giữ lại."),
            Step("Phản ánh, góp ý",
                 "Ở trang của một mô hình, “Gửi phản ánh, góp ý” nếu bạn biết điều chưa đúng. Bạn nhận một số tiếp "
                 "nhận để theo dõi; thông tin liên hệ của bạn không được công khai."),
        ),
    ),
)

BY_SLUG = {guide.slug: guide for guide in GUIDES}


def guide_for(role: Role | None) -> Guide | None:
    return next((guide for guide in GUIDES if guide.role is role and role is not None), None)


def shots() -> set[str]:
    """Every screenshot the guides show (the browser test must make each one)."""
    return {step.shot for guide in GUIDES for step in guide.steps if step.shot}
