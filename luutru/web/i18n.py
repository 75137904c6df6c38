"""A tiny dict-based translation table: Vietnamese first, English fallback.

The language is ``?lang=vi|en`` when given, else the first supported language of the
``Accept-Language`` header, else Vietnamese. A key missing from a language falls back to
Vietnamese, then to the key itself, so a forgotten string is visible but never an error.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request

from luutru.web.messages_operators import MESSAGES as OPERATOR_MESSAGES
from luutru.web.messages_research import MESSAGES as RESEARCH_MESSAGES

LANGUAGES = ("vi", "en")
DEFAULT = "vi"

MESSAGES: dict[str, dict[str, str]] = {
    "vi": {
        "app.title": "Lưu trữ tin bài cổng thông tin",
        "feed.title": "luutru: bài mới và bài thay đổi",
        "feed.site": "trang {site}",
        "feed.query": "tìm “{q}”",
        "feed.new": "Bài mới.",
        "feed.updated": "Phiên bản {n}, thay đổi: {fields}.",
        "feed.diff": "So sánh với phiên bản trước",
        "feed.link": "Bài mới và bài thay đổi (Atom)",
        "nav.search": "Tìm kiếm",
        "nav.runs": "Lượt thu thập",
        "nav.schedules": "Lịch chạy",
        "nav.api": "API",
        "search.title": "Tìm kiếm trong kho lưu trữ",
        "search.placeholder": "Nhập từ khóa, ví dụ: bảo hiểm xã hội",
        "search.submit": "Tìm",
        "search.site": "Trang",
        "search.all_sites": "Tất cả các trang",
        "search.province": "Tỉnh/thành",
        "search.department": "Sở/ngành",
        "search.date_from": "Từ ngày",
        "search.date_to": "Đến ngày",
        "search.author": "Tác giả",
        "search.category": "Chuyên mục",
        "search.status": "Trạng thái",
        "search.any": "Bất kỳ",
        "search.exact": "Khớp chính xác (có dấu)",
        "search.all_versions": "Tìm cả các phiên bản cũ",
        "search.sort": "Sắp xếp",
        "sort.relevance": "Liên quan nhất",
        "sort.date": "Mới nhất",
        "search.results": "{total} kết quả",
        "search.none": "Không có kết quả.",
        "search.ranking_window": (
            "Hơn {window} kết quả khớp: độ liên quan được xếp trong {window} bản lưu mới nhất "
            "trước, các bản cũ hơn xếp sau. Thêm từ khóa hoặc bộ lọc, hoặc sắp xếp theo ngày."
        ),
        "search.export": "Xuất kết quả",
        "search.unavailable": "Chức năng tìm kiếm chưa sẵn sàng: {error}",
        "search.error": "Truy vấn không hợp lệ: {error}",
        "page.prev": "« Trang trước",
        "page.next": "Trang sau »",
        "page.of": "Trang {page}/{pages}",
        "status.live": "đang có",
        "status.removed": "đã gỡ",
        "article.version": "Phiên bản {n}",
        "article.current": "hiện tại",
        "article.metadata": "Thông tin",
        "article.date": "Ngày đăng",
        "article.author": "Tác giả",
        "article.source": "Nguồn",
        "article.category": "Chuyên mục",
        "article.status": "Trạng thái",
        "article.removed_at": "Gỡ lúc",
        "article.url": "Địa chỉ",
        "article.first_seen": "Thấy lần đầu",
        "article.last_seen": "Thấy lần cuối",
        "article.attachments": "Tệp đính kèm",
        "files.versions": "phiên bản",
        "files.not_stored": "chưa lưu",
        "files.original": "bản gốc",
        "files.in_file": "trong tệp",
        "article.body": "Nội dung",
        "article.versions": "Các phiên bản",
        "article.captured": "thu thập lúc",
        "article.cite": "Trích dẫn",
        "article.diff": "So sánh phiên bản",
        "article.diff_submit": "So sánh",
        "article.diff_none": "Bài viết chỉ có một phiên bản.",
        "article.unchanged": "Không đổi",
        "article.aliases": "Các địa chỉ khác",
        "article.neardups": "Bài gần trùng (đăng lại ở nơi khác)",
        "article.similarity": "độ tương đồng",
        "article.warc": "Bản lưu WARC",
        "article.capture": "Trang gốc đã lưu",
        "article.capture_note": "Trang gốc hiển thị trong khung cách ly: không chạy mã của trang.",
        "article.viewing": "Đang xem phiên bản {n} (thu thập lúc {at}).",
        "article.see_current": "Xem phiên bản hiện tại",
        "field.title": "Tiêu đề",
        "field.date": "Ngày",
        "field.datetime": "Thời điểm",
        "field.author": "Tác giả",
        "field.source": "Nguồn",
        "field.summary": "Tóm tắt",
        "field.category": "Chuyên mục",
        "field.attachments": "Đính kèm",
        "field.body": "Nội dung",
        "runs.title": "Các lượt thu thập",
        "runs.site": "Trang",
        "runs.last": "Lượt gần nhất",
        "runs.status": "Trạng thái",
        "runs.reasons": "Lý do",
        "runs.items": "Số bài mỗi lượt",
        "runs.started": "Bắt đầu",
        "runs.finished": "Kết thúc",
        "runs.trigger": "Kích hoạt",
        "runs.mode": "Kiểu quét",
        "runs.counts": "Mới / cập nhật / không đổi",
        "runs.never": "chưa chạy",
        "runs.now": "Chạy ngay",
        "runs.token": "Mã vận hành",
        "runs.readonly": "Chế độ chỉ đọc: chưa cấu hình mã vận hành ([server] operator_token).",
        "run.title": "Lượt thu thập {id} của {site}",
        "run.log": "Nhật ký",
        "run.level": "Mức",
        "run.no_log": "Lượt này không có tệp nhật ký (có thể đã bị xóa).",
        "run.stats": "Số liệu",
        "schedules.title": "Lịch chạy",
        "schedules.none": "Không có bộ lập lịch nào đang chạy (không thấy {path}).",
        "schedules.job": "Công việc",
        "schedules.next": "Lần chạy tới",
        "schedules.cron": "Lịch (cron, giờ Việt Nam)",
        "schedules.paused": "tạm dừng",
        "error.not_found": "Không tìm thấy",
        "error.title": "Lỗi",
        "lang.switch": "English",
    },
    "en": {
        "app.title": "Government portal news archive",
        "feed.title": "luutru: new and changed articles",
        "feed.site": "site {site}",
        "feed.query": "search “{q}”",
        "feed.new": "New article.",
        "feed.updated": "Version {n}, changed: {fields}.",
        "feed.diff": "Compare with the previous version",
        "feed.link": "New and changed articles (Atom)",
        "nav.search": "Search",
        "nav.runs": "Runs",
        "nav.schedules": "Schedules",
        "nav.api": "API",
        "search.title": "Search the archive",
        "search.placeholder": "Keywords, e.g. bảo hiểm xã hội",
        "search.submit": "Search",
        "search.site": "Site",
        "search.all_sites": "All sites",
        "search.province": "Province",
        "search.department": "Department",
        "search.date_from": "From",
        "search.date_to": "To",
        "search.author": "Author",
        "search.category": "Category",
        "search.status": "Status",
        "search.any": "Any",
        "search.exact": "Exact match (with diacritics)",
        "search.all_versions": "Search old versions too",
        "search.sort": "Sort",
        "sort.relevance": "Relevance",
        "sort.date": "Newest first",
        "search.results": "{total} results",
        "search.none": "No results.",
        "search.ranking_window": (
            "More than {window} matches: relevance ranks the {window} most recently archived "
            "first, older ones after them. Add words or filters, or sort by date."
        ),
        "search.export": "Export results",
        "search.unavailable": "Search is not available: {error}",
        "search.error": "Invalid query: {error}",
        "page.prev": "« Previous",
        "page.next": "Next »",
        "page.of": "Page {page} of {pages}",
        "status.live": "live",
        "status.removed": "removed",
        "article.version": "Version {n}",
        "article.current": "current",
        "article.metadata": "Metadata",
        "article.date": "Published",
        "article.author": "Author",
        "article.source": "Source",
        "article.category": "Category",
        "article.status": "Status",
        "article.removed_at": "Removed at",
        "article.url": "URL",
        "article.first_seen": "First seen",
        "article.last_seen": "Last seen",
        "article.attachments": "Attachments",
        "files.versions": "versions",
        "files.not_stored": "not stored",
        "files.original": "original",
        "files.in_file": "in the file",
        "article.body": "Body",
        "article.versions": "Versions",
        "article.captured": "captured",
        "article.cite": "Cite",
        "article.diff": "Compare versions",
        "article.diff_submit": "Compare",
        "article.diff_none": "This article has a single version.",
        "article.unchanged": "Unchanged",
        "article.aliases": "Other URLs",
        "article.neardups": "Near-duplicates (republished elsewhere)",
        "article.similarity": "similarity",
        "article.warc": "WARC record",
        "article.capture": "Archived page",
        "article.capture_note": "Shown in an isolated frame: the page's scripts never run.",
        "article.viewing": "Viewing version {n} (captured {at}).",
        "article.see_current": "See the current version",
        "field.title": "Title",
        "field.date": "Date",
        "field.datetime": "Date and time",
        "field.author": "Author",
        "field.source": "Source",
        "field.summary": "Summary",
        "field.category": "Category",
        "field.attachments": "Attachments",
        "field.body": "Body",
        "runs.title": "Crawl runs",
        "runs.site": "Site",
        "runs.last": "Last run",
        "runs.status": "Status",
        "runs.reasons": "Reasons",
        "runs.items": "Items per run",
        "runs.started": "Started",
        "runs.finished": "Finished",
        "runs.trigger": "Trigger",
        "runs.mode": "Walk",
        "runs.counts": "New / updated / unchanged",
        "runs.never": "never run",
        "runs.now": "Run now",
        "runs.token": "Operator token",
        "runs.readonly": "Read-only: no operator token is configured ([server] operator_token).",
        "run.title": "Run {id} of {site}",
        "run.log": "Log",
        "run.level": "Level",
        "run.no_log": "This run has no log file (it may have been pruned).",
        "run.stats": "Stats",
        "schedules.title": "Schedules",
        "schedules.none": "No scheduler running ({path} not found).",
        "schedules.job": "Job",
        "schedules.next": "Next run",
        "schedules.cron": "Cron (Vietnam time)",
        "schedules.paused": "paused",
        "error.not_found": "Not found",
        "error.title": "Error",
        "lang.switch": "Tiếng Việt",
    },
}

for _extra_table in (RESEARCH_MESSAGES, OPERATOR_MESSAGES):  # research views, operators' views
    for _lang, _extra in _extra_table.items():
        MESSAGES[_lang].update(_extra)


def pick_language(request: Request) -> str:
    """``?lang=`` first, then Accept-Language (in its order, q-values ignored), else vi."""
    asked = request.query_params.get("lang", "").lower()
    if asked in LANGUAGES:
        return asked
    return accepted_language(request.headers.get("accept-language", ""))


def accepted_language(header: str) -> str:
    """The first of our languages an Accept-Language header names (q-values ignored), else
    vi."""
    for part in header.split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return DEFAULT


def translator(lang: str) -> Callable[..., str]:
    table = MESSAGES.get(lang, MESSAGES[DEFAULT])

    def t(key: str, **values: object) -> str:
        text = table.get(key) or MESSAGES[DEFAULT].get(key) or key
        return text.format(**values) if values else text

    return t
