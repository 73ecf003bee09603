"""JSON log lines, each carrying the id of the request it belongs to."""

from __future__ import annotations

import contextvars
import json
import logging
import re
import secrets
from datetime import UTC, datetime
from typing import Any

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
# A client's X-Request-ID is kept when it is a plain token (it ends up in logs and the audit trail).
_ACCEPTABLE = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def current_request_id() -> str | None:
    """The id of the request being served (None outside a request)."""
    return _request_id.get()


def bind_request_id(given: str | None) -> tuple[str, contextvars.Token[str | None]]:
    """Use the client's id when it is acceptable, else a new one; returns (id, token to reset)."""
    value = given if given and _ACCEPTABLE.fullmatch(given) else secrets.token_hex(8)
    return value, _request_id.set(value)


def reset_request_id(token: contextvars.Token[str | None]) -> None:
    """Leave the request's context."""
    _request_id.reset(token)


_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "color_message"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id and any `extra` fields."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON."""
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or current_request_id()
        if request_id:
            line["request_id"] = request_id
        for key, value in record.__dict__.items():
            if key not in _STANDARD and key not in line:
                line[key] = value
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


def logging_config(fmt: str, level: str = "INFO") -> dict[str, Any]:
    """A dictConfig for the service and uvicorn: JSON lines (or plain text) on standard error."""
    formatter = {"()": JsonFormatter} if fmt == "json" else {"format": "%(levelname)s %(name)s: %(message)s"}
    handler = {"class": "logging.StreamHandler", "formatter": "main", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"main": formatter},
        "handlers": {"main": handler},
        "root": {"handlers": ["main"], "level": level},
        "loggers": {
            "uvicorn": {"handlers": [], "propagate": True},
            "uvicorn.error": {"handlers": [], "propagate": True},
            "uvicorn.access": {"handlers": [], "propagate": False},
        },
    }
