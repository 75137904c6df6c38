"""The Vietnamese rules every extractor shares: text normalisation (NFC, entities,
whitespace), article dates ("Ngày cập nhật 24/01/2021", "08:30 SA, Thứ Hai, …") and
bylines ("Tin, ảnh: …", a bare personal name, "Nguồn: …" kept apart as the source)."""
