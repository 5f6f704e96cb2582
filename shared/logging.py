"""Logging: one JSON line per event, with keys, never f-strings and never personal data.

Nameko's and the libraries' own stdlib log records are rendered as the same JSON lines.
"""
import logging
import sys

import structlog

from shared.config import setting

_SHARED = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def configure_logging(service_name, level="INFO", stream=None):
    structlog.configure(
        processors=[*_SHARED, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_SHARED,
        processors=[
            _add_service(service_name),
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            *_renderer(stream or sys.stdout),
        ],
    )
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def _add_service(service_name):
    def add(_logger, _method, event_dict):
        event_dict.setdefault("service", service_name)
        return event_dict
    return add


def _renderer(stream):
    """JSON lines for machines; readable colour at a terminal, unless WARDLINE_LOG_JSON=1."""
    if stream.isatty() and setting("WARDLINE_LOG_JSON") != "1":
        return [structlog.dev.ConsoleRenderer()]
    return [structlog.processors.format_exc_info, structlog.processors.JSONRenderer()]
