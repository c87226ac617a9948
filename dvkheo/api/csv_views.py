"""Open data as CSV (UTF-8 with a BOM, so that Excel shows Vietnamese; no cell is ever a formula: every row goes
through `dvkheo.core.exports`), under the licence of `LICENCE`. The registry and the replications are streamed in
chunks: 100,000 models are never held in memory."""
from __future__ import annotations

from typing import Iterator

from flask import Response, current_app, url_for

from dvkheo.api import http, serialize
from dvkheo.api.views import _public_campaign, after_model, bp, registry_filters
from dvkheo.core.exports import csv_line
from dvkheo.extensions import db
from dvkheo.registry import queries as registry_queries
from dvkheo.replication import queries as replication_queries
from dvkheo.replication.models import Replication
from dvkheo.voting.publication import LICENCE

CHUNK = 1000

MODEL_COLUMNS = [
    ("id", "Mã mô hình"), ("title", "Tên mô hình, điển hình"), ("kind_label", "Tập thể/cá nhân"),
    ("nominee_name", "Tập thể, cá nhân"), ("unit_name", "Đơn vị"), ("locality", "Địa bàn"), ("field", "Lĩnh vực"),
    ("highest_level_label", "Cấp công nhận cao nhất"), ("first_year", "Năm công nhận đầu tiên"),
    ("last_year", "Năm công nhận gần nhất"), ("status_label", "Tình trạng"), ("replication_count", "Số nơi nhân rộng"),
    ("summary", "Tóm tắt"), ("url", "Trang công khai"),
]
REPLICATION_COLUMNS = [
    ("id", "Mã nhân rộng"), ("model_id", "Mã mô hình gốc"), ("model_title", "Mô hình gốc"), ("unit_name", "Đơn vị áp dụng"),
    ("place", "Địa bàn"), ("started_on", "Bắt đầu áp dụng"), ("scale", "Quy mô"),
    ("people_reached", "Số người được hưởng lợi, tham gia"), ("confirmed_on", "Ngày xác nhận"),
    ("adaptation", "Cách vận dụng, điều chỉnh"), ("first_results", "Kết quả bước đầu"), ("url", "Trang công khai"),
]
RESULT_COLUMNS = [
    ("place", "Thứ tự"), ("nomination_id", "Số hồ sơ"), ("title", "Mô hình, điển hình"),
    ("nominee_name", "Tập thể, cá nhân"), ("unit_name", "Đơn vị"), ("votes", "Số phiếu"),
]


def _flat(item: dict, key: str):
    value = item.get(key)
    if isinstance(value, dict):
        return value.get("name", "")
    return "" if value is None else value


def _streamed(columns, fetch) -> Iterator[bytes]:
    """The header, then one chunk of lines per `fetch(last) -> (items, last)` call until it returns no item.

    Each chunk is read in an application context of its own, opened and closed between two yields: the rows are
    fetched while the answer is sent, after the request's context has ended, and no context outlives a chunk
    (links come from `registry_url`, taken during the request)."""
    app = current_app._get_current_object()

    def body():
        yield ("\ufeff" + csv_line(label for _, label in columns)).encode("utf-8")
        last = None
        while True:
            with app.app_context():
                items, last = fetch(last)
                chunk = "".join(csv_line(_flat(item, key) for key, _ in columns) for item in items).encode("utf-8")
            if not items:
                return
            yield chunk

    return body()


def _csv_response(body, filename: str) -> Response:
    response = Response(body, mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Link"] = f'<{LICENCE["url"]}>; rel="license"'
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/models.csv")
def models_csv():
    """Every model the list shows with these filters (no pages), newest recognised first, read by keyset chunks."""
    filters = registry_filters()
    registry_url = url_for("registry.index", _external=True)

    def fetch(last_id):
        query = after_model(registry_queries.list_query(filters), last_id).limit(CHUNK)
        models = db.session.scalars(query).unique().all()
        return [serialize.model_item(m, registry_url) for m in models], (models[-1].id if models else last_id)

    return _csv_response(_streamed(MODEL_COLUMNS, fetch), "mo-hinh-dan-van-kheo.csv")


@bp.route("/replications.csv")
def replications_csv():
    """Every confirmed replication of a recognised model."""
    registry_url = url_for("registry.index", _external=True)

    def fetch(last_id):
        query = replication_queries.all_public()
        if last_id is not None:
            query = query.where(Replication.id > last_id)
        found = db.session.scalars(query.limit(CHUNK)).unique().all()
        items = []
        for replication in found:
            item = serialize.replication_item(replication, registry_url)
            item["model_title"] = replication.source_model.title
            items.append(item)
        return items, (found[-1].id if found else last_id)

    return _csv_response(_streamed(REPLICATION_COLUMNS, fetch), "nhan-rong-mo-hinh-dan-van-kheo.csv")


@bp.route("/campaigns/<int:campaign_id>/results.csv")
def campaign_results_csv(campaign_id: int):
    """The results page's table (places and counts only when the page shows them)."""
    from dvkheo.voting import results

    campaign = _public_campaign(campaign_id)
    document = serialize.results_document(campaign, results.public_results(campaign))
    lines = [csv_line(label for _, label in RESULT_COLUMNS)]
    lines += [csv_line(_flat(row, key) for key, _ in RESULT_COLUMNS) for row in document["rows"]]
    body = ("\ufeff" + "".join(lines)).encode("utf-8")
    return http.conditional(_csv_response(body, f"ket-qua-binh-chon-dot-{campaign.id}.csv"))
