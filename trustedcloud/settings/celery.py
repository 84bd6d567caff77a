"""Celery (trustedcloud/celery.py reads every CELERY_* name here) and the one beat schedule.

With REDIS_URL set, tasks go to workers through Redis; without it they run inline, inside the request, so that
`make run` and the tests on SQLite need no broker. Either way a request only writes to the database first (the
outbox), so a Redis or worker outage delays work and never loses it.
"""

from celery.schedules import crontab

from .core import TIME_ZONE
from .database import REDIS_URL
from .env import env_int, env_str
from .publication import SNAPSHOT_CHECK_EVERY

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
# Inline tasks behave like queued ones: a failing task is logged, it does not fail the request that queued it.
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
# Acknowledged once done, one at a time: a worker that dies mid-task leaves it to another worker, not lost.
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1

# A hung or absent Redis must not hang a web request: connecting and publishing give up after two seconds and the
# outbox (DossierEvent.notified_at, the OutgoingEmail rows) lets the periodic sweep send what could not be queued.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_PUBLISH_RETRY = False
# Prepended to every broker key in Redis, so that several deployments (or test runs) can share one Redis database;
# the worker heartbeat's key below carries it too.
_broker_key_prefix = env_str("BROKER_KEY_PREFIX")
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_timeout": 2,
    "socket_connect_timeout": 2,
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
    # Redis hands a task whose worker died before acknowledging it (acks late) to another worker once this many
    # seconds have passed since it was delivered. It must exceed the longest task, retry countdowns included (Redis
    # keeps a task waiting for its countdown unacknowledged), or a slow task runs twice; the outbox's claims still
    # send each e-mail once. The integration tests lower it to see a killed worker's task redelivered.
    "visibility_timeout": env_int("BROKER_VISIBILITY_TIMEOUT", 3600),
    **({"global_keyprefix": _broker_key_prefix} if _broker_key_prefix else {}),
}

# /healthz (registry/core/health.py): the database, Redis and a worker heartbeat. Beat queues the heartbeat every
# minute and whichever worker runs it writes the time in Redis; one not run within its minute is dropped. So the check
# passes only while beat runs and a worker took a heartbeat off a queue less than a minute behind within the last
# HEALTHZ_WORKER_MAX_AGE seconds.
HEALTHZ_WORKER_MAX_AGE = env_int("HEALTHZ_WORKER_MAX_AGE", 180)
HEALTHZ_HEARTBEAT_KEY = _broker_key_prefix + "trustedcloud:worker-heartbeat"
# Seconds /healthz waits for Redis: a hung Redis must make the probe fail, not hang it.
HEALTHZ_REDIS_TIMEOUT = 1.0

# /metrics (registry/metrics.py) answers only a scraper that sends this as a Bearer token; unset, it answers 404.
METRICS_TOKEN = env_str("METRICS_TOKEN")

# Every periodic task, in one place. Each queued task of the outbox has a sweep here that queues again what a Redis
# outage lost, so a lost message delays work by one period at most. Daily runs are in CELERY_TIMEZONE.
CELERY_BEAT_SCHEDULE = {
    # E-mails the queue lost (Redis down at the time, a worker gone): events not yet notified and unsent outbox rows;
    # one still failing NOTIFICATION_GIVE_UP_HOURS after it was written is given up (registry/notifications/tasks.py).
    "sweep-unnotified-events": {"task": "registry.notifications.tasks.sweep_unnotified_events", "schedule": 300.0},
    # Holders 90, 30 and 7 days before expiry, each reminder sent once; reviewers of dossiers waiting longer than
    # REVIEW_REMINDER_DAYS (registry/notifications/reminders.py).
    "remind-expiring-certificates": {
        "task": "registry.notifications.tasks.remind_expiring_certificates",
        "schedule": crontab(hour=7, minute=0),
    },
    "remind-waiting-dossiers": {
        "task": "registry.notifications.tasks.remind_waiting_dossiers",
        "schedule": crontab(hour=7, minute=5),
    },
    # Surveillance audits overdue (then past the scheme's grace) to the holder and the reviewers; open conditions past
    # due to the holder; each reminder sent once (registry/notifications/aftercare_surveillance.py).
    "remind-overdue-surveillance": {
        "task": "registry.notifications.tasks.remind_overdue_surveillance",
        "schedule": crontab(hour=7, minute=10),
    },
    # Certificates past their expiry date become expired, each with its public history entry.
    "expire-certificates": {"task": "registry.certificates.tasks.expire_certificates", "schedule": 3600.0},
    # Each status change queues its PDF; this draws those the queue lost.
    "render-stale-certificate-pdfs": {
        "task": "registry.certificates.tasks.render_stale_certificate_pdfs",
        "schedule": 900.0,
    },
    # Documents pending longer than DOCUMENT_CHECK_GRACE (the check was lost, or clamd was down).
    "check-pending-documents": {"task": "registry.qualification.tasks.check_pending_documents", "schedule": 300.0},
    # Issued on every public change; this keeps the next_issue_at promise when nothing changes.
    "issue-registry-snapshot": {
        "task": "registry.public.tasks.issue_registry_snapshot",
        "schedule": float(SNAPSHOT_CHECK_EVERY),
    },
    # The same for the trusted list's NextUpdate.
    "issue-trusted-list": {"task": "registry.public.tasks.issue_trusted_list", "schedule": float(SNAPSHOT_CHECK_EVERY)},
    # Stored files whose deletion after a commit failed (storage unreachable): tried again until they are gone.
    "delete-pending-files": {"task": "registry.core.tasks.delete_pending_files", "schedule": 900.0},
    # The statistics' month-by-month series ends today: computed for the new day before its first visitor.
    "refresh-public-statistics": {
        "task": "registry.public.tasks.refresh_public_statistics",
        "schedule": crontab(hour=0, minute=5),
    },
    # Subscription requests nobody confirmed within the link's validity (7 days).
    "purge-unconfirmed-subscriptions": {
        "task": "registry.public.tasks.purge_unconfirmed_subscriptions",
        "schedule": 86400.0,
    },
    # Webhook deliveries due: retries as their backoff ends, and whatever the queue lost (registry/public/webhook_delivery.py;
    # registry.public.tasks.WEBHOOK_SWEEP_SECONDS is this period). Registrations nobody confirmed in 7 days, daily.
    "deliver-due-webhooks": {"task": "registry.public.tasks.deliver_due_webhooks", "schedule": 60.0},
    "purge-unconfirmed-webhooks": {"task": "registry.public.tasks.purge_unconfirmed_webhooks", "schedule": 86400.0},
    # The public read model compared with the certificates, rebuilt if anything differs (registry/public/read_model.py).
    "repair-public-read-model": {
        "task": "registry.public.tasks.repair_public_read_model",
        "schedule": crontab(hour=4, minute=15),
    },
    # Expired sessions stay in the database until deleted (the cache's copies expire by themselves).
    "clear-expired-sessions": {
        "task": "registry.accounts.tasks.clear_expired_sessions",
        "schedule": crontab(hour=4, minute=30),
    },
    "worker-heartbeat": {
        "task": "registry.core.tasks.worker_heartbeat",
        "schedule": 60.0,
        # A heartbeat older than its interval says nothing: dropped rather than run late after an outage.
        "options": {"expires": 60},
    },
}
