"""Housekeeping of sign-in sessions."""

from celery import shared_task
from django.core.management import call_command


@shared_task
def clear_expired_sessions() -> None:
    """Daily: sessions past their expiry are deleted from the database (Redis forgets its copies by itself)."""
    call_command("clearsessions")
