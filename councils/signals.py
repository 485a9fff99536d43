"""Signals other apps listen to, so councils/ never imports them (data flows one way)."""

from django.dispatch import Signal

# Sent by `seed_demo` after it wrote demo data; kwargs: years (ReportingYears), progress (a
# line of text), count (done, total).
demo_data_seeded = Signal()
# Sent before demo rows are deleted, so dependants (demo letters) can go first.
demo_data_clearing = Signal()
