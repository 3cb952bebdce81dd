"""Per-file report of what the pipeline did with each uploaded file (``viewership-report``).

It replaces the legacy alert e-mails: rows uploaded -> bronze -> gold / unmatched / rejected, the unmatched
rate the data tests check, matched records per bucket, and each metric's total in versus out.
"""

from viewership.report.core import FileReport, MetricTotals, build_reports

__all__ = ["FileReport", "MetricTotals", "build_reports"]
