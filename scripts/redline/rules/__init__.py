"""Checks, grouped by theme; importing this package registers them all."""

import redline.rules.environment
import redline.rules.environment_scan
import redline.rules.grants
import redline.rules.joins
import redline.rules.markers
import redline.rules.matching
import redline.rules.meaning
import redline.rules.move_filter
import redline.rules.phases
import redline.rules.scope
import redline.rules.union_guard  # noqa: F401
