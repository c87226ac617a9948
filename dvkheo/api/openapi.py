"""The OpenAPI 3.1 document of /api/v1, built from fragments: this package's public one, and any other
package's (the staff API adds its own). A fragment is a dict with "paths" and "components" (and optionally
"tags"); fragments are merged in order, and a path or component named twice is an error, never a silent overwrite.

To add a fragment, name it in `FRAGMENT_SOURCES` as "module:attribute" (a dict, or a function returning one). Its
paths are relative to /api/v1 (written in full, the prefix is dropped).
"""
from __future__ import annotations

import copy
import importlib

from dvkheo.api.http import DEFAULT_LIMIT, MAX_LIMIT
from dvkheo.voting.publication import LICENCE

FRAGMENT_SOURCES: list[str] = [
    "dvkheo.api.openapi:public_fragment",
    "dvkheo.staffapi.spec:FRAGMENT",  # the staff API (personal tokens)
]
# Paths are relative to the server URL (…/api/v1); a fragment may write them in full ("/api/v1/staff/…").
BASE_PATH = "/api/v1"

TITLE = "API dữ liệu mở Dân vận khéo"
DESCRIPTION = (
    "Dữ liệu công khai của phong trào thi đua “Dân vận khéo”, chỉ đọc: sổ mô hình, điển hình đã được công nhận, "
    "các nơi nhân rộng, các đợt bình xét đã công khai cùng kết quả bình chọn và sổ cái bình chọn, tra cứu giấy khen. "
    "Mỗi điểm cuối trả đúng những gì trang công khai tương ứng hiển thị, không hơn. Danh sách phân trang bằng con trỏ "
    "(next_cursor); mỗi câu trả lời có ETag và Last-Modified (trả 304 khi không đổi); giới hạn số yêu cầu theo từng "
    "địa chỉ (429 kèm Retry-After); cho phép gọi từ mọi trang web (CORS) với GET."
)


def _json(schema_ref: str) -> dict:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_ref}"}}}


def _error(description: str) -> dict:
    return {"description": description, "content": _json("Error")}


VALIDATORS = {
    "ETag": {"description": "Mã phiên bản của nội dung", "schema": {"type": "string"}},
    "Last-Modified": {"description": "Lần đầu máy chủ trả nội dung này", "schema": {"type": "string"}},
}


def _ok(description: str, schema_ref: str) -> dict:
    return {"description": description, "headers": VALIDATORS, "content": _json(schema_ref)}


COMMON = {
    "304": {"description": "Không thay đổi so với bản đã có (If-None-Match / If-Modified-Since)"},
    "400": _error("Tham số không hợp lệ"),
    "429": {
        "description": "Quá nhiều yêu cầu",
        "headers": {"Retry-After": {"description": "Số giây cần đợi", "schema": {"type": "string"}}},
        "content": _json("Error"),
    },
}


def _responses(ok: dict, *extra: str) -> dict:
    responses = {"200": ok, **COMMON}
    for code in extra:
        responses[code] = {"404": _error("Không tìm thấy (hoặc không công khai)"),
                           "410": _error("Không còn được công khai")}[code]
    return responses


def _int(name: str, description: str, minimum: int = 0, maximum: int = 2**31 - 1, where: str = "query") -> dict:
    return {"name": name, "in": where, "required": where == "path", "description": description,
            "schema": {"type": "integer", "minimum": minimum, "maximum": maximum}}


def _enum(name: str, description: str, values: list[str]) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": {"type": "string", "enum": values}}


PAGING = [
    _int("limit", f"Số mục mỗi trang (mặc định {DEFAULT_LIMIT})", 1, MAX_LIMIT),
    {"name": "cursor", "in": "query", "required": False, "description": "Giá trị next_cursor của trang trước",
     "schema": {"type": "string", "maxLength": 200}},
]


def _registry_filters() -> list[dict]:
    from dvkheo.campaigns.models import NomineeKind
    from dvkheo.registry.models import ModelStatus, RecognitionLevel
    from dvkheo.registry.queries import YEAR_MAX, YEAR_MIN

    return [
        {"name": "q", "in": "query", "required": False, "description": "Tìm theo từ: tên mô hình, tập thể, cá nhân, địa bàn",
         "schema": {"type": "string", "maxLength": 200}},
        _int("linh-vuc", "Mã lĩnh vực"),
        _int("tinh", "Mã tỉnh, thành phố"),
        _int("xa", "Mã xã, phường, đặc khu"),
        _enum("cap", "Cấp công nhận", [v.value for v in RecognitionLevel]),
        _int("nam", "Năm công nhận", YEAR_MIN, YEAR_MAX),
        _enum("loai", "Tập thể (collective) hay cá nhân (individual)", [v.value for v in NomineeKind]),
        _enum("tinh-trang", "Tình trạng; mặc định: các mô hình chưa kết thúc", [v.value for v in ModelStatus]),
    ]


def _nullable(kind: str, **more) -> dict:
    return {"type": [kind, "null"], **more}


def _object(properties: dict, required: list[str] | None = None) -> dict:
    return {"type": "object", "additionalProperties": False, "required": required or list(properties), "properties": properties}


STR, INT, BOOL = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
DATE = _nullable("string", format="date")
MOMENT = _nullable("string", format="date-time")


def _page_of(ref: str) -> dict:
    return _object({
        "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{ref}"}},
        "limit": INT,
        "next_cursor": _nullable("string"),
    })


def _schemas() -> dict:
    model = {
        "id": INT, "url": STR, "title": STR, "kind": STR, "kind_label": STR, "nominee_name": STR, "unit_name": STR,
        "locality": STR, "field": {"oneOf": [_object({"id": INT, "name": STR}), {"type": "null"}]},
        "summary": STR, "highest_level": _nullable("string"), "highest_level_label": _nullable("string"),
        "first_year": _nullable("integer"), "last_year": _nullable("integer"), "status": STR, "status_label": STR,
        "replication_count": INT,
    }
    recognition = _object({
        "award_form": STR, "level": STR, "level_label": STR, "issuing_body": STR, "decision_number": STR,
        "decided_on": DATE, "certificate_serial": _nullable("string"),
    })
    signed = {"oneOf": [_object({"url": STR, "signer": STR, "signed_at": _nullable("string"), "trusted": BOOL,
                                 "decision_signer": _nullable("string")}), {"type": "null"}]}
    return {
        "Error": _object({"error": _object({"code": INT, "message": STR})}),
        "Model": _object(model),
        "ModelDetail": _object({
            **model,
            "source_model": {"oneOf": [_object({"id": INT, "title": STR}), {"type": "null"}]},
            "recognitions": {"type": "array", "items": recognition},
            "replications_url": STR,
        }),
        "ModelPage": _page_of("Model"),
        "Replication": _object({
            "id": INT, "model_id": INT, "url": STR, "unit_name": STR, "place": STR, "started_on": DATE, "scale": STR,
            "people_reached": _nullable("integer"), "confirmed_on": DATE, "adaptation": STR, "first_results": STR,
        }),
        "ReplicationPage": _page_of("Replication"),
        "Campaign": _object({
            "id": INT, "title": STR, "organising_unit": STR, "status": STR, "status_label": STR, "nominees": INT,
            "voting_opens": MOMENT, "voting_closes": MOMENT, "gallery_url": STR, "results_url": STR, "ledger_url": STR,
            "api_results_url": STR, "api_ledger_url": STR,
        }),
        "CampaignPage": _page_of("Campaign"),
        "Results": _object({
            "campaign": _object({"id": INT, "title": STR}),
            "voting_opens": MOMENT, "voting_closes": MOMENT, "counts_visible": BOOL, "final": BOOL,
            "total_votes": _nullable("integer"), "pending": _nullable("integer"),
            "rows": {"type": "array", "items": _object({
                "place": _nullable("integer"), "nomination_id": INT, "title": STR, "nominee_name": STR,
                "unit_name": STR, "votes": _nullable("integer"),
            })},
            "chain": _object({"seq": INT, "head_hash": STR}),
            "recent_batches": {"type": "array", "items": _object({"seq": INT, "sealed_at": MOMENT, "hash": STR})},
            "ledger_url": STR,
        }),
        "Ledger": {
            "type": "object",
            "description": "Sổ cái bình chọn (định dạng dvkheo-so-cai/1), đúng tệp tải từ trang sổ cái; kiểm tra được "
                           "bằng chương trình kiem_tra_so_cai.py.",
            "required": ["format", "licence", "generated_at", "campaign", "nominees", "head", "batches"],
            "properties": {
                "format": STR, "licence": {"type": "object"}, "generated_at": STR, "campaign": {"type": "object"},
                "nominees": {"type": "array"}, "head": {"type": "object"}, "batches": {"type": "array"},
                "tallies": {"type": "object"},
            },
        },
        "Certificate": _object({
            "serial": STR, "status": {"type": "string", "enum": ["valid", "revoked", "replaced"]}, "status_label": STR,
            "recipient_name": STR, "recipient_detail": STR, "reason": STR, "award_form": STR, "issuer": STR,
            "decision": STR, "campaign_title": STR, "revoked_by": _nullable("string"), "revoked_on": _nullable("string"),
            "revocation_reason": _nullable("string"), "replaced_by": _nullable("string"),
            "reissue_note": _nullable("string"), "award_revoked": BOOL,
            "decision_signed_copy": signed, "revoking_decision_signed_copy": signed,
        }),
    }


CSV = {"text/csv": {"schema": {"type": "string"}}}


def public_fragment() -> dict:
    model_id = _int("model_id", "Mã mô hình", where="path")
    campaign_id = _int("campaign_id", "Mã đợt bình xét", where="path")

    def get(op_id: str, summary: str, description: str, parameters: list, responses: dict, tag: str,
            example: str) -> dict:
        return {"get": {"operationId": op_id, "summary": summary, "description": description, "tags": [tag],
                        "parameters": parameters, "responses": responses, "x-example": example}}

    paths = {
        "/models": get(
            "listModels", "Danh sách mô hình, điển hình",
            "Như trang /mo-hinh: các mô hình đang được công nhận, mới công nhận trước; cùng bộ lọc. "
            "Mô hình đã kết thúc chỉ có khi lọc tinh-trang=ended.",
            [*_registry_filters(), *PAGING], _responses(_ok("Một trang mô hình", "ModelPage")), "Sổ mô hình",
            "/models?q=thu+gom+rac&limit=5"),
        "/models/{model_id}": get(
            "getModel", "Một mô hình, điển hình", "Như trang /mo-hinh/{model_id}, kèm các lần khen thưởng, công nhận.",
            [model_id], _responses(_ok("Mô hình", "ModelDetail"), "404", "410"), "Sổ mô hình", "/models/{model_id}"),
        "/models/{model_id}/replications": get(
            "listReplications", "Các nơi nhân rộng một mô hình",
            "Các bản nhân rộng đã được xác nhận của một mô hình đang được công nhận, theo thứ tự khai báo.",
            [model_id, *PAGING], _responses(_ok("Một trang nơi nhân rộng", "ReplicationPage"), "404"), "Nhân rộng",
            "/models/{model_id}/replications"),
        "/models/{model_id}/replications/{replication_id}": get(
            "getReplication", "Một nơi nhân rộng", "Như trang /mo-hinh/{model_id}/nhan-rong/{replication_id}.",
            [model_id, _int("replication_id", "Mã nhân rộng", where="path")],
            _responses(_ok("Nơi nhân rộng", "Replication"), "404"), "Nhân rộng",
            "/models/{model_id}/replications/{replication_id}"),
        "/campaigns": get(
            "listCampaigns", "Các đợt bình xét đã công khai",
            "Như trang /binh-chon/: các đợt đã công khai Danh sách đề cử, mới nhất trước.",
            PAGING, _responses(_ok("Một trang đợt bình xét", "CampaignPage")), "Bình chọn", "/campaigns"),
        "/campaigns/{campaign_id}": get(
            "getCampaign", "Một đợt bình xét đã công khai", "Như một mục của trang /binh-chon/.",
            [campaign_id], _responses(_ok("Đợt bình xét", "Campaign"), "404"), "Bình chọn", "/campaigns/{campaign_id}"),
        "/campaigns/{campaign_id}/results": get(
            "getCampaignResults", "Kết quả bình chọn",
            "Như trang /binh-chon/dot/{campaign_id}/ket-qua: số phiếu và thứ tự chỉ có khi trang hiển thị "
            "(bình chọn đã kết thúc, hoặc đợt công khai số phiếu trực tiếp).",
            [campaign_id], _responses(_ok("Kết quả", "Results"), "404"), "Bình chọn",
            "/campaigns/{campaign_id}/results"),
        "/campaigns/{campaign_id}/ledger": get(
            "getCampaignLedger", "Sổ cái bình chọn",
            "Đúng tệp /binh-chon/dot/{campaign_id}/so-cai.json (cùng ETag).",
            [campaign_id], _responses(_ok("Sổ cái", "Ledger"), "404"), "Bình chọn", "/campaigns/{campaign_id}/ledger"),
        "/certificates/{serial}": get(
            "verifyCertificate", "Tra cứu, xác thực giấy khen",
            "Như trang /verify/{serial}: tình trạng giấy khen và những gì in trên đó. Chung giới hạn số yêu cầu với trang.",
            [{"name": "serial", "in": "path", "required": True, "description": "Số hiệu in trên giấy khen",
              "schema": {"type": "string", "minLength": 1, "maxLength": 60, "pattern": "^[A-Za-z0-9 -]+$"}}],
            _responses(_ok("Giấy khen", "Certificate"), "404"), "Giấy khen", "/certificates/{serial}"),
        "/models.csv": get(
            "downloadModelsCsv", "Tải sổ mô hình (CSV)", "Mọi mô hình khớp bộ lọc (như /models, không phân trang).",
            _registry_filters(), {"200": {"description": "Tệp CSV UTF-8 có BOM", "content": CSV},
                                  "400": COMMON["400"], "429": COMMON["429"]}, "Dữ liệu mở (CSV)", "/models.csv"),
        "/replications.csv": get(
            "downloadReplicationsCsv", "Tải danh sách nơi nhân rộng (CSV)",
            "Mọi bản nhân rộng đã xác nhận của các mô hình đang được công nhận.", [],
            {"200": {"description": "Tệp CSV UTF-8 có BOM", "content": CSV}, "429": COMMON["429"]},
            "Dữ liệu mở (CSV)", "/replications.csv"),
        "/campaigns/{campaign_id}/results.csv": get(
            "downloadCampaignResultsCsv", "Tải kết quả bình chọn (CSV)", "Bảng kết quả của trang kết quả bình chọn.",
            [campaign_id], {"200": {"description": "Tệp CSV UTF-8 có BOM", "headers": VALIDATORS, "content": CSV},
                            **COMMON, "404": _error("Không tìm thấy")}, "Dữ liệu mở (CSV)",
            "/campaigns/{campaign_id}/results.csv"),
        "/openapi.json": get(
            "getOpenApi", "Tài liệu OpenAPI này", "Tài liệu OpenAPI 3.1 của API.", [],
            {"200": {"description": "Tài liệu OpenAPI", "headers": VALIDATORS,
                     "content": {"application/json": {"schema": {"type": "object"}}}},
             "304": COMMON["304"], "429": COMMON["429"]}, "Tài liệu", "/openapi.json"),
    }
    return {"paths": paths, "components": {"schemas": _schemas()}}


def _load(source: str) -> dict:
    module, _, name = source.partition(":")
    value = getattr(importlib.import_module(module), name)
    return value() if callable(value) else value


def merge(fragments: list[dict]) -> dict:
    """Paths and components of every fragment in one document; a name given twice is an error."""
    paths: dict = {}
    components: dict[str, dict] = {}
    tags: list[dict] = []
    for fragment in fragments:
        for path, item in fragment.get("paths", {}).items():
            if path.startswith(BASE_PATH + "/"):
                path = path.removeprefix(BASE_PATH)
            if path in paths:
                raise ValueError(f"OpenAPI: đường dẫn {path} được khai báo hai lần")
            paths[path] = copy.deepcopy(item)
        for section, entries in fragment.get("components", {}).items():
            target = components.setdefault(section, {})
            for name, value in entries.items():
                if name in target and target[name] != value:
                    raise ValueError(f"OpenAPI: thành phần {section}/{name} được khai báo hai lần")
                target[name] = copy.deepcopy(value)
        tags.extend(tag for tag in fragment.get("tags", []) if tag not in tags)
    return {"paths": paths, "components": components, "tags": tags}


def document(server_url: str = "/api/v1", fragments: list[dict] | None = None) -> dict:
    """The whole OpenAPI 3.1 document: `fragments`, or those named in `FRAGMENT_SOURCES`."""
    merged = merge(fragments if fragments is not None else [_load(source) for source in FRAGMENT_SOURCES])
    doc = {
        "openapi": "3.1.0",
        "info": {
            "title": TITLE,
            "version": "1.0.0",
            "description": DESCRIPTION,
            "license": {"name": LICENCE["name"], "url": LICENCE["url"]},
        },
        "servers": [{"url": server_url}],
        "paths": merged["paths"],
        "components": merged["components"],
    }
    if merged["tags"]:
        doc["tags"] = merged["tags"]
    return doc
