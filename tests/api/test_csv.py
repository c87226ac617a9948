"""Open data as CSV: what the list shows, UTF-8 with a BOM, never a formula, streamed, under the stated licence."""
from __future__ import annotations

import csv
import io

from dvkheo.registry.models import ModelStatus
from dvkheo.replication.models import ReplicationState


def rows(response) -> list[list[str]]:
    data = response.get_data()
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_the_models_file_holds_the_listed_models_and_no_formula(client, add_models):
    add_models(2)
    add_models(1, title='=HYPERLINK("http://x.example","Bấm")', nominee_name="@SUM(A1)")
    add_models(1, title="Mô hình đã bị thu hồi", is_recognised=False)
    add_models(1, title="Mô hình đã kết thúc", status=ModelStatus.ENDED)

    response = client.get("/api/v1/models.csv")

    assert response.status_code == 200 and response.is_streamed
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert 'rel="license"' in response.headers["Link"] and "by/4.0" in response.headers["Link"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    table = rows(response)
    assert table[0][:3] == ["Mã mô hình", "Tên mô hình, điển hình", "Tập thể/cá nhân"]
    titles = [row[1] for row in table[1:]]
    api = [item["title"] for item in client.get("/api/v1/models").get_json()["items"]]
    assert titles == ["'" + api[0]] + api[1:]  # the formula is kept as text
    assert table[1][3] == "'@SUM(A1)"
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in table for cell in row)
    # The same filters as the list.
    ended = rows(client.get("/api/v1/models.csv?tinh-trang=ended"))
    assert [row[1] for row in ended[1:]] == ["Mô hình đã kết thúc số 4"]
    assert client.get("/api/v1/models.csv?nam=abc").status_code == 400


def test_the_replications_file_holds_confirmed_replications_of_recognised_models(client, add_models, add_replication):
    shown, withdrawn_model = add_models(2)
    confirmed = add_replication(shown)
    add_replication(shown, ReplicationState.SUBMITTED)
    gone = add_replication(withdrawn_model)
    withdrawn_model.is_recognised = False
    from dvkheo.extensions import db

    db.session.commit()

    table = rows(client.get("/api/v1/replications.csv"))

    assert [row[0] for row in table[1:]] == [str(confirmed.id)]
    assert table[1][2] == shown.title and str(gone.id) not in [row[0] for row in table[1:]]


def test_a_large_file_is_read_in_chunks_in_the_lists_order(client, add_models, monkeypatch):
    from dvkheo.api import csv_views

    monkeypatch.setattr(csv_views, "CHUNK", 2)
    add_models(7)
    table = rows(client.get("/api/v1/models.csv?limit=ignored"))
    listed = [item["title"] for item in client.get("/api/v1/models?limit=100").get_json()["items"]]
    assert [row[1] for row in table[1:]] == listed and len(listed) == 7
