"""Profiling a run as a user would: what ``fastsom profile`` and :func:`fastsom.profile` measure."""
