"""Fixtures of the public registry's tests shared by several files."""

from tests.public.webhook_receiver import receiver  # noqa: F401 — a real webhook receiver on 127.0.0.1
