"""The gate's own log lines: structlog to stderr, JSON for CI or a console format for people.

Log lines name files, rules and counts; they never carry scanned content, and every value is
masked like a finding's text (a file name can hold a card number).
"""

from __future__ import annotations

import logging
import sys

import structlog
from structlog.typing import EventDict, WrappedLogger

from compliance_gate.redact import mask_label


def _masked(logger: WrappedLogger, method_name: str, event_dict: EventDict) -> EventDict:
    """Every value of a log line through `mask_label`: a path or an error text may carry a card number."""
    return {k: mask_label(v) if isinstance(v, str) else v for k, v in event_dict.items()}


def configure_logging(fmt: str = "console", verbose: bool = False) -> None:
    level = logging.INFO if verbose else logging.WARNING
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            _masked,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        # Resolve stderr at each call, not at configure time: a redirected or replaced stderr
        # (pytest's capture, a library caller's) must not leave loggers writing to a closed file.
        logger_factory=lambda *_: structlog.PrintLogger(sys.stderr),
        cache_logger_on_first_use=False,
    )
