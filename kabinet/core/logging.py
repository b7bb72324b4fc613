import logging
import time


class UTCFormatter(logging.Formatter):
    """Log timestamps in UTC so security events line up across servers."""

    converter = time.gmtime

    def formatTime(self, record, datefmt=None):
        return super().formatTime(record, datefmt or "%Y-%m-%dT%H:%M:%SZ")
