#!/usr/bin/env python3
"""Kiểm tra sổ cái bình chọn Dân vận khéo (vote ledger verifier), Python standard library only.

This one file is both the app's definition of the ledger's hashes and the verifier anyone can
download from a campaign's ledger page ("Sổ cái bình chọn") and run on the ledger file saved from
the same page, with any Python 3.9+ and nothing else installed:

    python3 kiem_tra_so_cai.py so-cai-dot-3.json
    python3 kiem_tra_so_cai.py so-cai-dot-3.json --head 12:9f2c…   (a head printed on the minutes)
    python3 kiem_tra_so_cai.py so-cai-dot-3.json --receipt BC-7KQ4-M9TZ-2HWX

The file ("dvkheo-so-cai/1") holds the sealed batches of one campaign, oldest first. Each batch:

    seq                 1, 2, 3, … without gaps
    sealed_at           UTC time, "YYYY-MM-DDTHH:MM:SS.ffffffZ"
    final               true for a batch sealed after voting closed
    prev_hash           the previous batch's hash (64 zeros for batch 1)
    cast_receipts       sorted SHA-256 digests of the receipt codes of the votes cast in it
    withdrawal_receipts sorted digests of the receipt codes of the withdrawals in it
    counts              {nominee id: votes cast minus votes withdrawn in this batch}; absent
                        while the campaign keeps its count hidden, then only `counts_digest`
    counts_salt         random text the sealer mixed into `counts_digest`, published with the
                        counts: without it nobody can find hidden counts by trying the few ways a
                        batch's receipts split among the nominees
    cast_digest, withdrawal_digest, counts_digest
                        SHA-256 of each list (see `list_digest`, `counts_digest`)
    entries_commitment  SHA-256 of the batch's private entries (kind, receipt digest, nominee,
                        time, one per line, sorted); the app's `flask votes verify` recomputes it
                        from the database, so a nominee swapped in the database no longer matches
                        what was published, while the file itself never links a receipt to a nominee
    hash                SHA-256 of "dvkheo-lo-phieu/1|campaign|seq|prev_hash|sealed_at|final|
                        cast_digest|withdrawal_digest|counts_digest|entries_commitment"

A receipt digest is SHA-256 of "dvkheo-bien-nhan|" followed by the receipt code in capitals.
The verifier recomputes every list digest, every batch hash and link, the chain head and the
tallies (sum of counts), and compares them with the head and tallies the file states (those of
the results page). `--head SEQ:HASH` checks that a head saved or printed earlier is still in the
chain: a rewrite, a truncation or a reordering after it fails even when every hash was
recomputed. Exit status 0 when everything holds, 1 otherwise.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys

FORMAT = "dvkheo-so-cai/1"
GENESIS_HASH = "0" * 64
_BATCH_TAG = "dvkheo-lo-phieu/1"
_RECEIPT_TAG = "dvkheo-bien-nhan|"
_HEX = frozenset("0123456789abcdef")


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_RECEIPT_SYMBOLS = frozenset("ABCDEFGHJKLMNPQRSTUVWXYZ23456789")
_DASHES = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2015\u2212")
_TYPED = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}  # full-width letters, digits, "－"


def normalise_receipt(code: str) -> str:
    """A receipt code as issued ("BC-7KQ4-M9TZ-2HWX") from the way a person types it back: any case,
    spaces, no or other dashes, full-width characters. Anything else is only trimmed and capitalised."""
    code = (code or "").translate(_TYPED).strip().upper()
    bare = "".join(char for char in code if not (char.isspace() or char in _DASHES))
    if len(bare) == 14 and bare.startswith("BC") and set(bare[2:]) <= _RECEIPT_SYMBOLS:
        return f"BC-{bare[2:6]}-{bare[6:10]}-{bare[10:]}"
    return code


def receipt_digest(code: str) -> str:
    """The published form of a receipt code: it proves a receipt is in a batch, and nothing else."""
    return _sha256(_RECEIPT_TAG + normalise_receipt(code))


def list_digest(digests) -> str:
    return _sha256("\n".join(sorted(digests)))


def counts_digest(counts, salt: str = "") -> str:
    """SHA-256 of the counts as canonical JSON, after `salt` and "|" when the batch has a salt."""
    canonical = {str(int(key)): int(value) for key, value in counts.items() if int(value) != 0}
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"))
    return _sha256(f"{salt}|{text}" if salt else text)


def entry_line(kind: str, digest: str, nomination_id: int, moment_text: str) -> str:
    return f"{kind}|{digest}|{int(nomination_id)}|{moment_text}"


def entries_commitment(lines) -> str:
    return _sha256("\n".join(sorted(lines)))


def batch_hash(campaign_id: int, seq: int, prev_hash: str, sealed_at: str, final: bool, cast: str,
               withdrawal: str, counts: str, commitment: str) -> str:
    fields = [_BATCH_TAG, str(int(campaign_id)), str(int(seq)), prev_hash, sealed_at, "final" if final else "open",
              cast, withdrawal, counts, commitment]
    return _sha256("|".join(fields))


def parse_head(text: str):
    """"SEQ:HASH" or "HASH" -> (seq or None, hash); ValueError when malformed."""
    seq, _, digest = text.strip().rpartition(":")
    digest = digest.strip().lower()
    if seq and not seq.strip().isdigit():
        raise ValueError(f"“{text}” không phải “số lô:mã băm”.")
    if len(digest) != 64 or not set(digest) <= _HEX:
        raise ValueError(f"“{text}” không phải mã băm SHA-256 (64 ký tự 0-9, a-f).")
    return (int(seq) if seq.strip() else None), digest


class Result:
    def __init__(self):
        self.problems: list[str] = []
        self.batches = 0
        self.head_seq = 0
        self.head_hash = GENESIS_HASH
        self.tallies: dict[int, int] | None = {}
        self.hashes: dict[int, str] = {}
        self.receipts: dict[str, tuple[str, int]] = {}

    @property
    def ok(self) -> bool:
        return not self.problems


def _is_digest(value) -> bool:
    return isinstance(value, str) and len(value) == 64 and set(value) <= _HEX


def verify_document(document: dict, heads=()) -> Result:
    """Recompute the chain of a ledger document; every problem is named in Vietnamese."""
    result = Result()
    problems = result.problems
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        problems.append(f"Tệp không phải sổ cái bình chọn định dạng {FORMAT}.")
        return result
    campaign = document.get("campaign")
    campaign_id = campaign.get("id") if isinstance(campaign, dict) else None
    batches = document.get("batches")
    if not isinstance(campaign_id, int) or not isinstance(batches, list):
        problems.append("Tệp thiếu số đợt bình xét hoặc danh sách lô phiếu.")
        return result
    previous, expected = GENESIS_HASH, 1
    tallies: dict[int, int] | None = {}
    for position, batch in enumerate(batches, start=1):
        if not isinstance(batch, dict):
            problems.append(f"Mục thứ {position} trong danh sách lô không phải một lô phiếu.")
            continue
        seq = batch.get("seq")
        label = f"Lô số {seq}"
        if seq != expected:
            problems.append(f"{label}: số thứ tự không liền mạch (chờ lô số {expected}): có lô bị xóa, chèn hoặc đảo thứ tự.")
        if batch.get("prev_hash") != previous:
            problems.append(f"{label}: không nối với lô trước (mã băm lô trước không khớp).")
        digests = {}
        for key, list_key in (("cast_digest", "cast_receipts"), ("withdrawal_digest", "withdrawal_receipts")):
            items = batch.get(list_key)
            if not isinstance(items, list) or not all(_is_digest(item) for item in items):
                problems.append(f"{label}: danh sách {list_key} không hợp lệ.")
                items = []
            if items != sorted(set(items)):
                problems.append(f"{label}: danh sách {list_key} chưa sắp xếp hoặc có mã trùng.")
            digests[key] = list_digest(items)
            if batch.get(key) != digests[key]:
                problems.append(f"{label}: danh sách {list_key} không khớp mã băm của nó (đã bị sửa).")
            kind = "cast" if list_key == "cast_receipts" else "withdraw"
            for item in items:
                # A receipt is published once: the same digest in two batches (or as a vote and a
                # withdrawal) is a vote counted twice, though every hash may have been recomputed.
                if item in result.receipts:
                    problems.append(
                        f"{label}: biên nhận có mã băm {item} đã có trong lô số {result.receipts[item][1]}: "
                        "một biên nhận được công bố hai lần (phiếu bị tính hai lần)."
                    )
                result.receipts[item] = (kind, seq if isinstance(seq, int) else -1)
        counts = batch.get("counts")
        if counts is None and campaign.get("voting_closed") is True:
            # Once voting is over every batch publishes its counts: a file without them checks nothing.
            problems.append(f"{label}: đã kết thúc bình chọn nhưng lô không công bố số phiếu theo hồ sơ (tệp thiếu số phiếu).")
        if counts is None:
            tallies = None  # the count is still hidden: the chain checks, the tallies wait for the close
        elif not isinstance(counts, dict):
            problems.append(f"{label}: số phiếu theo hồ sơ không hợp lệ.")
        else:
            try:
                clean = {int(key): int(value) for key, value in counts.items()}
            except (TypeError, ValueError, OverflowError):
                problems.append(f"{label}: số phiếu theo hồ sơ không hợp lệ.")
                clean = {}
            salt = batch.get("counts_salt") or ""
            if not isinstance(salt, str) or counts_digest(clean, salt) != batch.get("counts_digest"):
                problems.append(f"{label}: số phiếu theo hồ sơ không khớp mã băm của nó (đã bị sửa).")
            expected_net = len(batch.get("cast_receipts") or []) - len(batch.get("withdrawal_receipts") or [])
            if sum(clean.values()) != expected_net:
                problems.append(
                    f"{label}: tổng số phiếu theo hồ sơ ({sum(clean.values())}) khác số biên nhận bỏ phiếu trừ rút phiếu ({expected_net})."
                )
            if tallies is not None:
                for nomination_id, delta in clean.items():
                    tallies[nomination_id] = tallies.get(nomination_id, 0) + delta
        recomputed = batch_hash(
            campaign_id, seq if isinstance(seq, int) else -1, str(batch.get("prev_hash")), str(batch.get("sealed_at")),
            bool(batch.get("final")), digests["cast_digest"], digests["withdrawal_digest"],
            str(batch.get("counts_digest")), str(batch.get("entries_commitment")),
        )
        if recomputed != batch.get("hash"):
            problems.append(f"{label}: nội dung không khớp mã băm của lô (lô đã bị sửa).")
        previous = str(batch.get("hash"))
        if isinstance(seq, int):
            result.hashes[seq] = previous
            expected = max(expected, seq) + 1
    result.batches = len(batches)
    result.head_seq = batches[-1].get("seq", 0) if batches and isinstance(batches[-1], dict) else 0
    result.head_hash = previous
    stated = document.get("head")
    if not isinstance(stated, dict):
        stated = {}
    if stated.get("seq") != result.head_seq or stated.get("hash") != result.head_hash:
        problems.append(
            f"Đầu chuỗi ghi trong tệp (lô số {stated.get('seq')}, {stated.get('hash')}) khác đầu chuỗi tính lại "
            f"(lô số {result.head_seq}, {result.head_hash})."
        )
    if tallies is not None:
        tallies = {key: value for key, value in tallies.items() if value}
        listed = document.get("nominees")
        known = {item.get("id") for item in listed if isinstance(item, dict)} if isinstance(listed, list) else None
        for nomination_id, value in tallies.items():
            if value < 0:
                problems.append(f"Hồ sơ số {nomination_id}: số phiếu âm ({value}).")
            if known is not None and nomination_id not in known:
                problems.append(f"Hồ sơ số {nomination_id} có {value} phiếu nhưng không có trong danh sách mô hình, điển hình được công khai của tệp.")
        stated_tallies = document.get("tallies")
        if stated_tallies is not None:
            try:
                stated_clean = {int(key): int(value) for key, value in stated_tallies.items() if int(value)}
            except (AttributeError, TypeError, ValueError, OverflowError):
                stated_clean = None
            if stated_clean != tallies:
                problems.append("Kết quả bình chọn ghi trong tệp (trang kết quả) khác tổng số phiếu tính lại từ các lô.")
    result.tallies = tallies
    problems.extend(anchor_problems(result.hashes, heads))
    return result


def anchor_problems(hashes: dict[int, str], heads) -> list[str]:
    """Heads saved or printed earlier, (seq or None, hash): each must still be in the chain, at its number."""
    problems = []
    positions = {digest: seq for seq, digest in hashes.items()}
    for seq, digest in heads:
        if digest == GENESIS_HASH:
            continue
        where = f"lô số {seq}, " if seq is not None else ""
        if digest not in positions:
            problems.append(
                f"Đầu chuỗi đã lưu trước đây ({where}mã băm {digest}) không còn trong chuỗi: "
                "sổ cái đã bị viết lại hoặc cắt bớt từ sau mốc đó."
            )
        elif seq is not None and positions[digest] != seq:
            problems.append(f"Đầu chuỗi đã lưu trước đây (mã băm {digest}) ghi lô số {seq}, nay nằm ở lô số {positions[digest]}.")
    return problems


class _VietnameseParser(argparse.ArgumentParser):
    """argparse's own words are English: the help headings and the errors are said in Vietnamese here."""

    def format_help(self) -> str:
        text = super().format_help()
        for english, vietnamese in (("usage:", "Cách dùng:"), ("positional arguments:", "Tham số:"),
                                    ("optional arguments:", "Tùy chọn:"), ("options:", "Tùy chọn:")):
            text = text.replace(english, vietnamese, 1)
        return text

    def format_usage(self) -> str:
        return super().format_usage().replace("usage:", "Cách dùng:", 1)

    def error(self, message: str):
        self.print_usage(sys.stderr)
        if "required" in message:
            message = "thiếu tên tệp sổ cái (.json)."
        elif "expected one argument" in message:
            message = "tùy chọn " + message.split(":")[0].split()[-1].split("/")[-1] + " cần một giá trị."
        elif "unrecognized arguments" in message:
            message = "không hiểu các tham số: " + message.split(":", 1)[1].strip()
        self.exit(2, f"Lỗi: {message}\n")


def main(argv=None, out=None) -> int:
    out = out or sys.stdout
    parser = _VietnameseParser(
        prog="kiem_tra_so_cai.py", add_help=False,
        usage="python3 kiem_tra_so_cai.py TỆP.json [--head SỐ_LÔ:MÃ_BĂM] [--receipt MÃ_BIÊN_NHẬN]",
        description="Kiểm tra sổ cái bình chọn Dân vận khéo: tính lại mã băm từng lô, đầu chuỗi và kết quả.",
    )
    parser.add_argument("-h", "--help", action="help", help="in hướng dẫn này rồi thoát")
    parser.add_argument("file", metavar="TỆP.json", help="tệp sổ cái (.json) tải từ trang Sổ cái bình chọn")
    parser.add_argument("--head", action="append", default=[], metavar="SỐ_LÔ:MÃ_BĂM",
                        help="đầu chuỗi in trên biên bản, phụ lục quyết định hoặc đã lưu trước đây (có thể lặp lại)")
    parser.add_argument("--receipt", action="append", default=[], metavar="MÃ_BIÊN_NHẬN",
                        help="mã biên nhận của bạn: cho biết nằm trong lô nào (không cho biết đã bình chọn cho ai)")
    args = parser.parse_args(argv)
    try:
        heads = [parse_head(text) for text in args.head]
    except ValueError as error:
        print(f"Lỗi: {error}", file=out)
        return 2
    try:
        with open(args.file, encoding="utf-8") as handle:
            document = json.load(handle)
    except (OSError, ValueError, RecursionError) as error:
        print(f"Lỗi: không đọc được tệp sổ cái: {error}", file=out)
        return 2
    result = verify_document(document, heads)
    described = document if isinstance(document, dict) else {}
    campaign = described.get("campaign") if isinstance(described.get("campaign"), dict) else {}
    print(f"Đợt bình xét số {campaign.get('id')}: {campaign.get('title', '')}", file=out)
    print(f"Số lô phiếu: {result.batches}", file=out)
    print(f"Đầu chuỗi tính lại: lô số {result.head_seq}, mã băm {result.head_hash}", file=out)
    if heads:
        print(f"Số mốc đầu chuỗi đối chiếu: {len(heads)}", file=out)
    nominees = described.get("nominees") if isinstance(described.get("nominees"), list) else []
    titles = {item.get("id"): item.get("title", "") for item in nominees if isinstance(item, dict)}
    if result.tallies is None:
        print("Số phiếu: chưa công bố (đợt bình xét giữ kín kết quả đến khi kết thúc bình chọn).", file=out)
    else:
        print("Số phiếu còn hiệu lực tính lại từ các lô:", file=out)
        if not result.tallies:
            print("  (chưa có phiếu)", file=out)
        for nomination_id, total in sorted(result.tallies.items(), key=lambda item: (-item[1], item[0])):
            print(f"  Hồ sơ số {nomination_id} · {titles.get(nomination_id, '')}: {total} phiếu", file=out)
    for typed in args.receipt:
        code = normalise_receipt(typed)
        found = result.receipts.get(receipt_digest(code))
        if found is None:
            print(f"Biên nhận {code}: không có trong các lô đã niêm phong.", file=out)
        elif found[0] == "cast":
            print(f"Biên nhận {code}: phiếu bình chọn nằm trong lô số {found[1]} (nếu bạn đã rút lại phiếu này, "
                  "mã xác nhận rút phiếu cho biết lô của việc rút; sổ cái không nối hai mã với nhau).", file=out)
        else:
            print(f"Biên nhận {code}: việc rút phiếu nằm trong lô số {found[1]}.", file=out)
    if result.ok:
        print("Kết quả: sổ cái nguyên vẹn, mã băm mọi lô, đầu chuỗi và kết quả đều khớp.", file=out)
        return 0
    print(f"Kết quả: phát hiện {len(result.problems)} vấn đề:", file=out)
    for problem in result.problems:
        print(f"  - {problem}", file=out)
    return 1


if __name__ == "__main__":
    sys.exit(main())
