# Two commands: `make run` (the app with demo data on http://127.0.0.1:5000) and `make test`
# (the whole suite on SQLite, then on PostgreSQL). Every target can be run again safely.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000
WORKERS ?= 2
# QR codes and email links point at the address being served, unless PUBLIC_BASE_URL is set.
PUBLIC_BASE_URL ?= http://$(HOST):$(PORT)
# Without Redis the rate-limit counters live in process memory: one process (with threads) keeps every
# limit exact; with REDIS_URL the counters are shared and WORKERS processes may serve.
ifeq ($(strip $(REDIS_URL)),)
GUNICORN_WORKERS := --workers 1 --threads 4
else
GUNICORN_WORKERS := --workers $(WORKERS) --threads 4
endif
# pip runs again only when pyproject.toml is newer than these stamps.
STAMP_APP := $(VENV)/.stamp-app
STAMP_TEST := $(VENV)/.stamp-test
# Chart.js for the statistics page, fetched from npm at the version pinned in the script (sha512 checked).
CHARTJS := static/vendor/chartjs/VERSION

.PHONY: help run test bench bench-dashboard bench-registry bench-votes bench-certificates bench-soak install install-test system-packages postgres db clean

help:
	@echo "make run    - cài đặt (lần đầu), nâng cấp CSDL, nạp dữ liệu mẫu, chạy http://$(HOST):$(PORT)"
	@echo "make test   - chạy toàn bộ kiểm thử trên SQLite rồi trên PostgreSQL"
	@echo "make bench-votes - số phiếu bình chọn mỗi giây dưới tải (gunicorn, PostgreSQL) so với nền chèn một dòng"
	@echo "make bench-certificates - thời gian in mỗi giấy khen theo lô (500, 2.000) so với nền WeasyPrint một tài liệu và nền LibreOffice trộn thư, và bộ nhớ đỉnh"
	@echo "make bench-soak - chạy bền 20 phút tải hỗn hợp qua nginx tới hai máy chủ ứng dụng: bộ nhớ từng tiến trình, số lỗi, chuỗi phiếu"
	@echo "make bench-registry - sổ mô hình với 100.000 mô hình trên PostgreSQL: trung vị trang danh sách, tìm kiếm, lọc và trang mô hình so với /healthz"
	@echo "make bench-dashboard - trang Thống kê với 34 tỉnh, 3.321 xã, 200.000 hồ sơ trên PostgreSQL: trung vị toàn quốc và một tỉnh, khi chưa có và khi đã có bộ nhớ đệm, so với /healthz"
	@echo "make bench  - đo thời gian trang danh sách hồ sơ (1.000 và 10.000 hồ sơ) và các trang của Hội đồng (5.000 hồ sơ, 50 thành viên)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP_APP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --disable-pip-version-check -q -e .
	@touch $@

$(STAMP_TEST): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --disable-pip-version-check -q -e '.[test]'
	@touch $@ $(STAMP_APP)

$(CHARTJS): scripts/vendor_chartjs.sh
	@bash scripts/vendor_chartjs.sh

install: $(STAMP_APP) $(CHARTJS)
install-test: $(STAMP_TEST) $(CHARTJS)

db: $(STAMP_APP) $(CHARTJS)
	@bash scripts/ensure_system_packages.sh app
	$(FLASK) db upgrade
	PUBLIC_BASE_URL='$(PUBLIC_BASE_URL)' $(FLASK) seed-demo

run: db
	@echo "Mở http://$(HOST):$(PORT) (Ctrl+C để dừng)"
	PUBLIC_BASE_URL='$(PUBLIC_BASE_URL)' $(BIN)/gunicorn $(GUNICORN_WORKERS) --bind $(HOST):$(PORT) --access-logfile - --logger-class dvkheo.core.access_log.RedactingLogger wsgi:app

system-packages:
	@bash scripts/ensure_system_packages.sh

postgres:
	@bash scripts/ensure_postgres.sh

test: system-packages $(STAMP_TEST) $(CHARTJS) postgres
	@bash scripts/run_tests.sh

bench: $(STAMP_APP)
	$(BIN)/python bench/list_page.py
	$(BIN)/python bench/review_pages.py
	$(MAKE) bench-votes
	$(MAKE) bench-certificates

bench-registry: $(STAMP_APP) postgres
	$(BIN)/python bench/registry.py

# The statistics page at national scale (34 provinces, 3,321 communes, 200,000 dossiers) on PostgreSQL, cold and warm.
bench-dashboard: $(STAMP_APP) postgres
	$(BIN)/python bench/dashboard.py

bench-certificates: $(STAMP_APP)
	@bash scripts/ensure_system_packages.sh app
	$(BIN)/python bench/certificates.py

# Votes per second under gunicorn on PostgreSQL, beside a bare-insert floor (needs wrk, PostgreSQL).
bench-votes: $(STAMP_APP)
	@bash scripts/ensure_system_packages.sh
	$(BIN)/python bench/votes.py

# Twenty minutes of mixed load on two instances behind nginx (needs PostgreSQL, Redis, nginx): memory and errors.
bench-soak: system-packages $(STAMP_TEST) postgres
	$(BIN)/python bench/soak.py

clean:
	rm -rf $(VENV) dvkheo.egg-info .pytest_cache test-artifacts bench/results static/vendor
