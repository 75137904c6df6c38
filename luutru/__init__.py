"""luutru (lưu trữ, "to archive"): command line and orchestration around crawler/ and archive/."""

__version__ = "0.1.0"
