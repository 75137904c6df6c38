"""Telling operators: a webhook POST (JSON) and/or an e-mail per failed or unhealthy run.

Notification failures are logged, never raised: a chat server being down must not fail
a crawl that succeeded.
"""

from __future__ import annotations

import json
import logging
import smtplib
import urllib.request
from email.message import EmailMessage
from typing import Any

from luutru.config import NotifyConfig

log = logging.getLogger(__name__)
TIMEOUT = 10  # seconds


def message(run: dict[str, Any]) -> dict[str, Any]:
    reasons = run.get("reasons") or []
    text = f"luutru: run {run['id']} of {run['site']} is {run['status']}"
    if reasons:
        text += ": " + "; ".join(reasons)
    return {
        "text": text,
        "run": run["id"],
        "site": run["site"],
        "status": run["status"],
        "reasons": reasons,
        "log": run.get("log_path"),
    }


def notify(config: NotifyConfig, run: dict[str, Any]) -> list[str]:
    """Send the run's message through every configured channel; returns the channels used."""
    if run.get("status") not in ("failed", "unhealthy"):
        return []
    body = message(run)
    sent: list[str] = []
    if config.webhook_url:
        try:
            request = urllib.request.Request(
                config.webhook_url,
                data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
                headers={"Content-Type": "application/json; charset=utf-8"},
                method="POST",
            )
            with urllib.request.urlopen(request, timeout=TIMEOUT):
                pass
            sent.append("webhook")
        except OSError as exc:
            log.error("webhook %s failed: %s", config.webhook_url, exc)
    if config.smtp_host and config.smtp_to:
        mail = EmailMessage()
        mail["Subject"] = body["text"][:150]
        mail["From"] = config.smtp_from or "luutru@localhost"
        mail["To"] = ", ".join(config.smtp_to)
        mail.set_content(json.dumps(body, ensure_ascii=False, indent=2))
        try:
            with smtplib.SMTP(config.smtp_host, config.smtp_port, timeout=TIMEOUT) as smtp:
                smtp.send_message(mail)
            sent.append("smtp")
        except (OSError, smtplib.SMTPException) as exc:
            log.error("mail to %s failed: %s", config.smtp_to, exc)
    return sent
