"""OpenAPI 3.1 fragment of the staff API, merged by the public document (/api/v1/openapi.json).

`FRAGMENT` = {"paths": …, "components": {"schemas": …, "securitySchemes": {"bearerAuth": …}}}.
Paths are absolute (/api/v1/staff/…). tests/staffapi/test_spec.py validates real answers against
these schemas, so a change of shape in views.py without a change here fails.
"""
from __future__ import annotations

from dvkheo.nominations.operations import CHOICE_FIELDS
from dvkheo.nominations.states import NominationState
from dvkheo.staffapi.views import DATE_FIELDS, NUMBER_FIELDS, TEXT_FIELDS

REF = "#/components/schemas/"


def _ref(name: str) -> dict:
    return {"$ref": REF + name}


_ID = {"type": "integer", "minimum": 1, "maximum": 2147483647}
_NAMED = {
    "type": "object", "required": ["id", "name"], "additionalProperties": False,
    "properties": {"id": _ID, "name": {"type": "string"}},
}
_NULLABLE_NAMED = {"oneOf": [_ref("StaffNamedItem"), {"type": "null"}]}
_DATETIME = {"type": ["string", "null"], "format": "date-time"}
_STATUS = {"type": "string", "enum": [s.value for s in NominationState]}
_KIND = {"type": "string", "enum": ["collective", "individual"]}

_SUMMARY_PROPERTIES = {
    "id": _ID,
    "campaign": {
        "type": "object", "required": ["id", "title", "year"], "additionalProperties": False,
        "properties": {"id": _ID, "title": {"type": "string"}, "year": {"type": "integer"}},
    },
    "unit": _ref("StaffNamedItem"),
    "kind": _KIND,
    "status": _STATUS,
    "status_label": {"type": "string", "description": "Tên trạng thái bằng tiếng Việt, như trên trang."},
    "title": {"type": "string"},
    "nominee_name": {"type": "string"},
    "field": _NULLABLE_NAMED,
    "created_at": {"type": "string", "format": "date-time"},
    "updated_at": {"type": "string", "format": "date-time"},
    "submitted_at": _DATETIME,
    "url": {"type": "string", "description": "Địa chỉ của hồ sơ trong API."},
    "page_url": {"type": "string", "description": "Trang của hồ sơ trong ứng dụng."},
}

_REPORT_PROPERTIES = {
    **{name: {"type": "string"} for name in TEXT_FIELDS},
    **{name: {"type": ["integer", "null"]} for name in NUMBER_FIELDS},
    **{name: {"type": ["string", "null"], "format": "date"} for name in DATE_FIELDS},
}

_DETAIL_PROPERTIES = {
    **_SUMMARY_PROPERTIES,
    **_REPORT_PROPERTIES,
    "collective_type": _NULLABLE_NAMED,
    "individual_category": _NULLABLE_NAMED,
    "nominee_consent": {"type": "boolean"},
    "editable": {"type": "boolean", "description": "Chủ khóa sửa được hồ sơ này trên trang."},
    "attachments": {"type": "array", "items": _ref("StaffAttachment")},
}

_INPUT_PROPERTIES = {
    "campaign_id": {**_ID, "description": "Đợt đang nhận hồ sơ của đơn vị (GET /api/v1/staff/campaigns)."},
    "kind": _KIND,
    "nominee_consent": {"type": "boolean", "description": "Cá nhân được đề nghị đã đồng ý cho chuyển thông tin cá nhân."},
    **{name: {"type": ["string", "null"], "maxLength": 20000} for name in TEXT_FIELDS},
    **{name: {"type": ["integer", "string", "null"], "description": "Số nguyên; chuỗi như “1.250.000” cũng được."}
       for name in NUMBER_FIELDS},
    **{name: {"type": ["string", "null"], "description": "dd/mm/yyyy hoặc yyyy-mm-dd."} for name in DATE_FIELDS},
    **{name: {"type": ["integer", "null"], "minimum": 0, "maximum": 2147483647} for name in CHOICE_FIELDS},
}

SCHEMAS = {
    "StaffNamedItem": _NAMED,
    "StaffAttachment": {
        "type": "object", "additionalProperties": False,
        "required": ["id", "name", "purpose", "content_type", "size_bytes", "criterion_id"],
        "properties": {
            "id": _ID, "name": {"type": "string"}, "purpose": {"type": "string", "enum": ["evidence", "review_minutes"]},
            "content_type": {"type": "string"}, "size_bytes": {"type": "integer", "minimum": 0},
            "criterion_id": {"type": ["integer", "null"]},
        },
    },
    "StaffNominationSummary": {
        "type": "object", "additionalProperties": False, "required": sorted(_SUMMARY_PROPERTIES),
        "properties": _SUMMARY_PROPERTIES,
    },
    "StaffNomination": {
        "type": "object", "additionalProperties": False, "required": sorted(_DETAIL_PROPERTIES),
        "properties": _DETAIL_PROPERTIES,
    },
    "StaffNominationList": {
        "type": "object", "additionalProperties": False, "required": ["items", "next_cursor"],
        "properties": {
            "items": {"type": "array", "items": _ref("StaffNominationSummary")},
            "next_cursor": {"type": ["string", "null"], "description": "Gửi lại trong `cursor` để lấy trang sau; null: hết."},
            "next": {"type": "string", "description": "Địa chỉ trang sau (có khi next_cursor khác null)."},
        },
    },
    "StaffNominationInput": {
        "type": "object", "additionalProperties": False, "required": ["campaign_id", "kind"],
        "properties": _INPUT_PROPERTIES,
    },
    "StaffCampaignList": {
        "type": "object", "additionalProperties": False, "required": ["items", "collective_types", "individual_categories"],
        "properties": {
            "items": {"type": "array", "items": {
                "type": "object", "additionalProperties": False,
                "required": ["id", "title", "year", "organising_unit", "nominations_open_on", "nominations_close_on", "kinds", "fields"],
                "properties": {
                    "id": _ID, "title": {"type": "string"}, "year": {"type": "integer"},
                    "organising_unit": _ref("StaffNamedItem"),
                    "nominations_open_on": {"type": ["string", "null"], "format": "date"},
                    "nominations_close_on": {"type": ["string", "null"], "format": "date"},
                    "kinds": {"type": "array", "items": _KIND},
                    "fields": {"type": "array", "items": _ref("StaffNamedItem")},
                },
            }},
            "collective_types": {"type": "array", "items": _ref("StaffNamedItem")},
            "individual_categories": {"type": "array", "items": _ref("StaffNamedItem")},
        },
    },
    "StaffError": {
        "type": "object", "required": ["error", "message"], "additionalProperties": False,
        "properties": {
            "error": {"type": "string", "enum": [
                "unauthorized", "insufficient_scope", "forbidden", "not_found", "bad_request", "invalid",
                "method_not_allowed", "rate_limited", "too_large", "unavailable", "error",
            ]},
            "message": {"type": "string", "description": "Lời giải thích bằng tiếng Việt."},
            "errors": {
                "type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}},
                "description": "Lỗi theo từng trường (422, 400).",
            },
        },
    },
}


def _error(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ref("StaffError")}}}


def _json(description: str, schema: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}


_COMMON_ERRORS = {
    "401": {**_error("Thiếu khóa, khóa sai, hết hạn, bị thu hồi, hoặc tài khoản bị khóa, đổi vai trò, đơn vị."),
            "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}}},
    "429": _error("Quá số yêu cầu cho phép của khóa (mặc định 300 mỗi phút)."),
}
_SECURITY = [{"bearerAuth": []}]
_TAG = ["Cán bộ (khóa truy cập)"]

PATHS = {
    "/api/v1/staff/nominations": {
        "get": {
            "tags": _TAG, "operationId": "staffListNominations", "security": _SECURITY,
            "summary": "Hồ sơ đề nghị chủ khóa được xem (như trang “Hồ sơ đề nghị”), mới nhất trước",
            "parameters": [
                {"name": "status", "in": "query", "schema": _STATUS},
                {"name": "campaign", "in": "query", "schema": _ID, "description": "Số hiệu đợt bình xét."},
                {"name": "cursor", "in": "query", "schema": {"type": "string", "pattern": "^[0-9]{1,10}$"},
                 "description": "`next_cursor` của trang trước."},
                {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 2147483647},
                 "description": "Số hồ sơ mỗi trang: mặc định 50, tối đa 100 (lớn hơn thì lấy 100)."},
            ],
            "responses": {
                "200": _json("Một trang hồ sơ.", "StaffNominationList"),
                "400": _error("Tham số lọc hoặc phân trang không hợp lệ."),
                **_COMMON_ERRORS,
            },
        },
        "post": {
            "tags": _TAG, "operationId": "staffCreateNomination", "security": _SECURITY,
            "summary": "Tạo bản nháp hồ sơ đề nghị cho đơn vị của chủ khóa (cần quyền “draft”)",
            "description": "Kiểm tra như biểu mẫu “Tạo hồ sơ đề nghị”; tệp minh chứng và việc nộp hồ sơ làm trên trang.",
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("StaffNominationInput")}}},
            "responses": {
                "201": {**_json("Đã tạo bản nháp.", "StaffNomination"),
                        "headers": {"Location": {"schema": {"type": "string"}}}},
                "400": _error("Nội dung không phải một đối tượng JSON."),
                "403": _error("Khóa thiếu quyền “draft”, hoặc tài khoản không phải cán bộ đơn vị cơ sở."),
                "422": _error("Dữ liệu chưa hợp lệ; `errors` nêu từng trường."),
                **_COMMON_ERRORS,
            },
        },
    },
    "/api/v1/staff/nominations/{nomination_id}": {
        "get": {
            "tags": _TAG, "operationId": "staffGetNomination", "security": _SECURITY,
            "summary": "Một hồ sơ đề nghị (404 khi trang cũng trả 404, ví dụ hồ sơ của đơn vị khác)",
            "parameters": [{"name": "nomination_id", "in": "path", "required": True, "schema": _ID}],
            "responses": {
                "200": _json("Hồ sơ.", "StaffNomination"),
                "404": _error("Không có hồ sơ này, hoặc chủ khóa không được xem."),
                **_COMMON_ERRORS,
            },
        },
    },
    "/api/v1/staff/campaigns": {
        "get": {
            "tags": _TAG, "operationId": "staffListOpenCampaigns", "security": _SECURITY,
            "summary": "Đợt bình xét đang nhận hồ sơ từ đơn vị của chủ khóa, kèm danh mục để điền hồ sơ",
            "responses": {"200": _json("Các đợt.", "StaffCampaignList"), **_COMMON_ERRORS},
        },
    },
}

FRAGMENT = {
    "paths": PATHS,
    "components": {
        "schemas": SCHEMAS,
        "securitySchemes": {
            "bearerAuth": {
                "type": "http", "scheme": "bearer", "bearerFormat": "dvk_…",
                "description": "Khóa truy cập cá nhân, tạo ở trang “Khóa truy cập API” (/account/api-tokens). "
                               "Chỉ dùng cho /api/v1/staff; cookie đăng nhập không có tác dụng ở đây.",
            },
        },
    },
}
