"""The gate's own log lines: structlog to stderr, JSON for CI or a console format for people.

Log lines name files, rules and counts; they never carry scanned content.
"""

from __future__ import annotations

import logging
import sys

import structlog


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
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        # Resolve stderr at each call, not at configure time: a redirected or replaced stderr
        # (pytest's capture, a library caller's) must not leave loggers writing to a closed file.
        logger_factory=lambda *_: structlog.PrintLogger(sys.stderr),
        cache_logger_on_first_use=False,
    )
