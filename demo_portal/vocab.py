"""Vietnamese word material for generated articles (modelled on a real Sở LĐ-TB&XH page)."""

from __future__ import annotations

SURNAMES = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
]
MIDDLES = [
    "Văn",
    "Thị",
    "Hữu",
    "Đức",
    "Thanh",
    "Minh",
    "Ngọc",
    "Quang",
    "Thu",
    "Nguyệt",
    "Kim",
    "Xuân",
]
GIVENS = [
    "Ánh",
    "Hùng",
    "Lan",
    "Hà",
    "Tuấn",
    "Dũng",
    "Hương",
    "Nam",
    "Phương",
    "Long",
    "Trang",
    "Hải",
    "Thảo",
    "Bình",
    "Yến",
    "Khoa",
]
SOURCES = ["Báo Hòa An", "Đài Phát thanh và Truyền hình Hòa An", "Cổng TTĐT tỉnh Hòa An"]
DISTRICTS = ["Tân Phú", "Bình Sơn", "Hòa Lạc", "Phú Mỹ", "An Khê", "Đông Hưng", "Yên Thành"]
PERIODS = ["Sáng", "Chiều", "Sáng ngày", "Chiều ngày", "Ngày"]

TOPICS = {
    "demo-liferay": [
        "Hội nghị tập huấn kỹ năng bảo đảm an toàn thông tin",
        "triển khai Đề án chuyển đổi số",
        "hưởng ứng Ngày Chuyển đổi số quốc gia",
        "kỷ niệm Ngày Báo chí cách mạng Việt Nam",
        "nâng cao tỷ lệ hồ sơ dịch vụ công trực tuyến toàn trình",
        "phát triển hạ tầng viễn thông và mạng 5G",
        "kiện toàn hệ thống thông tin cơ sở",
        "tổng kết Giải Báo chí tỉnh Hòa An",
        "diễn tập ứng cứu sự cố an toàn thông tin mạng",
        "hướng dẫn sử dụng chữ ký số cho cán bộ, công chức",
        "triển khai nền tảng họp trực tuyến đến cấp xã",
        "bồi dưỡng kỹ năng số cho Tổ công nghệ số cộng đồng",
    ],
    "demo-aspnet": [
        "Hội nghị tổng kết công tác xây dựng Đảng",
        "tặng quà gia đình chính sách nhân dịp Tết Nguyên đán",
        "tập huấn công tác bảo trợ xã hội",
        "phiên giao dịch việc làm lưu động",
        "kiểm tra công tác chăm sóc người có công",
        "hỗ trợ người lao động bị ảnh hưởng bởi dịch Covid-19",
        "tuyên truyền phòng, chống tệ nạn xã hội",
        "phát động Tháng hành động vì trẻ em",
        "đào tạo nghề cho lao động nông thôn",
        "đưa người lao động đi làm việc ở nước ngoài theo hợp đồng",
        "triển khai công tác bình đẳng giới và vì sự tiến bộ của phụ nữ",
        "rà soát hộ nghèo, hộ cận nghèo",
    ],
}
ACTORS = {
    "demo-liferay": [
        "Sở Thông tin và Truyền thông",
        "Lãnh đạo Sở Thông tin và Truyền thông",
        "Đảng ủy Sở",
        "Trung tâm Công nghệ thông tin và Truyền thông tỉnh",
        "UBND tỉnh Hòa An",
    ],
    "demo-aspnet": [
        "Sở Lao động - Thương binh và Xã hội",
        "Đảng ủy Sở Lao động - Thương binh và Xã hội",
        "Lãnh đạo Sở",
        "Trung tâm Dịch vụ việc làm tỉnh",
        "Công đoàn Sở",
    ],
}
VERBS = ["tổ chức", "triển khai", "chủ trì", "tham dự", "kiểm tra việc", "phối hợp"]

SENTENCES = [
    "Năm {y}, Đảng ủy Sở đã tập trung lãnh đạo, chỉ đạo thực hiện công tác xây dựng Đảng và "
    "hoàn thành cơ bản các chỉ tiêu, nhiệm vụ trên các lĩnh vực chuyên môn.",
    "Sở đã kịp thời tham mưu UBND tỉnh ban hành các kế hoạch, quyết định, văn bản chỉ đạo thuộc "
    "lĩnh vực của ngành và tích cực tổ chức thực hiện.",
    "Các chỉ tiêu chính của ngành cơ bản đạt và vượt kế hoạch, cụ thể: giải quyết việc làm mới "
    "cho {big} người, tỷ lệ lao động qua đào tạo {pct}%.",
    "Tỷ lệ hộ nghèo giảm {small}% (vượt kế hoạch năm {y} giảm 0,5%).",
    "Toàn tỉnh đã được phê duyệt kinh phí {money} đồng để thực hiện hỗ trợ cho {big} người, "
    "{int} hộ kinh doanh.",
    "Các hoạt động thăm hỏi, tặng quà, trợ cấp, cứu trợ cho hộ khó khăn, hộ nghèo, cận nghèo được "
    "thực hiện kịp thời.",
    "Công tác chăm sóc người có công, bảo trợ xã hội, bảo vệ, chăm sóc trẻ em luôn được quan tâm "
    "chỉ đạo kịp thời, hiệu quả, góp phần đảm bảo an sinh xã hội trên địa bàn.",
    "Trên {pct}% hộ gia đình chính sách có mức sống bằng và cao hơn mức sống trung bình hộ dân nơi "
    "cư trú.",
    "Hội nghị đã trao giấy khen cho {int} tổ chức và {int} cá nhân hoàn thành xuất sắc nhiệm vụ.",
    "Đến nay, {pct}% thủ tục hành chính đã được cung cấp dưới dạng dịch vụ công trực tuyến "
    "toàn trình trên Cổng dịch vụ công của tỉnh.",
    "Huyện {d} đã thành lập {int} Tổ công nghệ số cộng đồng với {big} thành viên tham gia.",
    "Hệ thống hội nghị truyền hình đã được kết nối tới {int} xã, phường, thị trấn trên địa bàn.",
    "Trong năm, Sở đã tiếp nhận và xử lý {int} văn bản điện tử có ký số, đạt tỷ lệ {pct}%.",
    "Phát biểu tại buổi làm việc, đồng chí Giám đốc Sở đề nghị các đơn vị tiếp tục đẩy mạnh công "
    "tác tuyên truyền, nâng cao nhận thức của người dân.",
    "Các đại biểu đã thảo luận, làm rõ những khó khăn, vướng mắc và đề xuất giải pháp trong thời "
    "gian tới.",
    "Năm {y2}, ngành tiếp tục phấn đấu giải quyết việc làm cho {big} lao động, trong đó đưa từ "
    "1.800 - 2.000 người lao động đi làm việc ở nước ngoài theo hợp đồng.",
    "Tỷ lệ thất nghiệp thành thị dưới mức 2,3%; tỷ lệ lao động qua đào tạo đạt {pct}%.",
    "Hiện nay, đang tiếp tục hỗ trợ theo Nghị quyết số {int}/NQ-CP và Quyết định số "
    "{int}/{y}/QĐ-TTg.",
    "Đoàn công tác đã đến thăm, tặng {int} suất quà, mỗi suất trị giá {money2} đồng tại huyện {d}.",
    "Kết quả, {int} đảng viên hoàn thành tốt nhiệm vụ trở lên; kết nạp {small_int} đảng viên mới.",
    "Lớp tập huấn thu hút {int} học viên là cán bộ, công chức, viên chức các sở, ngành và UBND các "
    "huyện, thành phố.",
    "Thông qua chương trình, các doanh nghiệp đã tuyển dụng {int} lao động với mức lương từ "
    "{money2} đồng/tháng.",
]
EDIT_SENTENCES = [
    "Cập nhật: Ban tổ chức cho biết đã có thêm {int} đơn vị đăng ký tham gia sau hội nghị.",
    "Bổ sung: UBND tỉnh đã phê duyệt kinh phí {money} đồng để tiếp tục triển khai kế hoạch.",
    "Thông tin bổ sung: kết quả rà soát đến ngày {dd} cho thấy {pct}% chỉ tiêu đã hoàn thành.",
]
ATTACH_KINDS = [
    ("Kế hoạch số {n}/KH-{org}", "ke-hoach-{n}", "pdf"),
    ("Quyết định số {n}/QĐ-{org}", "quyet-dinh-{n}", "doc"),
    ("Biểu mẫu báo cáo số {n}", "bieu-mau-{n}", "xlsx"),
    ("Hướng dẫn số {n}/HD-{org}", "huong-dan-{n}", "docx"),
    ("Danh sách kèm theo Thông báo số {n}", "danh-sach-{n}", "xls"),
]

# ---------------------------------------------------------------- opt-in families
# demo-wp: a WordPress site of the health department; demo-php: an old PHP portal of the home
# affairs department (demo_portal/families.py).
TOPICS["demo-wp"] = [
    "chiến dịch tiêm chủng mở rộng",
    "Hội nghị triển khai công tác y tế",
    "kiểm tra an toàn thực phẩm dịp Tết Nguyên đán",
    "tập huấn phòng, chống sốt xuất huyết",
    "khám sức khỏe miễn phí cho người cao tuổi",
    "triển khai bệnh án điện tử tại các bệnh viện",
    "hưởng ứng Ngày Sức khỏe thế giới",
    "giám sát dịch bệnh tay chân miệng",
    "tuyên truyền bảo hiểm y tế toàn dân",
    "vận động hiến máu tình nguyện",
    "nâng cao chất lượng khám, chữa bệnh",
    "tổng kết công tác dân số - kế hoạch hóa gia đình",
]
ACTORS["demo-wp"] = [
    "Sở Y tế",
    "Lãnh đạo Sở Y tế",
    "Trung tâm Kiểm soát bệnh tật tỉnh",
    "Bệnh viện Đa khoa tỉnh Hòa An",
    "Chi cục An toàn vệ sinh thực phẩm",
]
TOPICS["demo-php"] = [
    "kiểm tra công tác cải cách hành chính",
    "Hội nghị tổng kết công tác thi đua, khen thưởng",
    "kỳ tuyển dụng công chức",
    "thẩm định chỉ số cải cách hành chính",
    "bồi dưỡng kiến thức quản lý nhà nước",
    "sắp xếp đơn vị hành chính cấp xã",
    "kiểm tra công tác văn thư, lưu trữ",
    "xây dựng chính quyền điện tử",
    "đánh giá, xếp loại cán bộ, công chức",
    "công tác quản lý nhà nước về tôn giáo",
    "tập huấn nghiệp vụ cho cán bộ cấp xã",
    "thực hiện chính sách tinh giản biên chế",
]
ACTORS["demo-php"] = [
    "Sở Nội vụ",
    "Lãnh đạo Sở Nội vụ",
    "Ban Thi đua - Khen thưởng tỉnh",
    "Chi cục Văn thư - Lưu trữ",
    "Ban Tôn giáo tỉnh",
]
SITE_SENTENCES = {
    "demo-wp": [
        "Tỷ lệ trẻ em dưới 1 tuổi được tiêm chủng đầy đủ các loại vắc xin đạt {pct}%.",
        "Trong đợt kiểm tra, đoàn đã kiểm tra {int} cơ sở sản xuất, kinh doanh thực phẩm, "
        "phát hiện {small_int} cơ sở vi phạm.",
        "Toàn tỉnh ghi nhận {int} ca mắc sốt xuất huyết, giảm so với cùng kỳ năm trước.",
        "Các bệnh viện đã khám, điều trị cho {big} lượt người bệnh, công suất sử dụng giường "
        "bệnh đạt {pct}%.",
        "Tỷ lệ người dân tham gia bảo hiểm y tế trên địa bàn huyện {d} đạt {pct}%.",
        "Chương trình đã khám và cấp thuốc miễn phí cho {int} người cao tuổi có hoàn cảnh "
        "khó khăn.",
    ],
    "demo-php": [
        "Chỉ số cải cách hành chính của tỉnh năm {y} đạt {pct} điểm, tăng {small_int} bậc so "
        "với năm trước.",
        "Kỳ tuyển dụng có {int} thí sinh đăng ký dự tuyển vào {int} chỉ tiêu công chức.",
        "Đến nay, {pct}% hồ sơ, tài liệu tại các cơ quan, tổ chức đã được chỉnh lý, sắp xếp "
        "khoa học.",
        "Hội đồng đã xét, đề nghị khen thưởng cho {int} tập thể và {int} cá nhân có thành tích "
        "xuất sắc.",
        "Huyện {d} đã hoàn thành việc sắp xếp {small_int} đơn vị hành chính cấp xã theo kế hoạch.",
        "Lớp bồi dưỡng có {int} học viên là công chức cấp xã tham gia.",
    ],
}
PEN_NAMES = [
    "Thanh Thúy",
    "Minh Anh",
    "Hoài Thu",
    "Ngọc Lan",
    "Quang Huy",
    "Thu Hà",
    "Bảo Ngọc",
    "Mai Hương",
]
CAPTIONS = [
    "Quang cảnh hội nghị.",
    "Lãnh đạo Sở Y tế phát biểu tại buổi làm việc.",
    "Các đại biểu tham dự chương trình.",
    "Cán bộ y tế hướng dẫn người dân tại điểm tiêm.",
    "Đoàn công tác kiểm tra thực tế tại cơ sở.",
]
TABLE_HEADS = [
    ("Đơn vị", "Số lượt", "Tỷ lệ"),
    ("Huyện, thành phố", "Kế hoạch", "Thực hiện"),
]
