"""The published registry: the public page cache and the signed snapshots (registry/public)."""

from .core import DEBUG
from .env import env_bool, env_int, env_str

# Public pages kept for anonymous visitors (registry/public/cache.py): dropped on every public change, and after this
# many seconds whatever happens (a safety net); 0 turns the page cache off.
PUBLIC_CACHE_SECONDS = env_int("PUBLIC_CACHE_SECONDS", 300)
# At most this many pages kept per PUBLIC_CACHE_SECONDS, so at most twice as many in the cache at once: README
# "Deploying" sizes the cache's memory from it.
PUBLIC_CACHE_MAX_ENTRIES = env_int("PUBLIC_CACHE_MAX_ENTRIES", 5000)

# Signed registry snapshots (/registry/snapshot.json). The Ed25519 private key: a PEM (PKCS#8, unencrypted; literal
# "\n" accepted for one-line environments) or the base64 of the raw 32 bytes (registry/public/signing.py). Unset: a
# development key is generated once in private storage and a warning is logged, where SNAPSHOT_DEVELOPMENT_KEY allows
# it. Production must set it, the same in every web and worker process (trustedcloud/checks.py): a generated key would
# sit beside the evidence files, and relying parties would have to trust whatever key a new installation made.
SNAPSHOT_SIGNING_KEY = env_str("SNAPSHOT_SIGNING_KEY")
# Whether that development key may be made: with DEBUG on by default. Off, signing without SNAPSHOT_SIGNING_KEY is
# refused at run time (an error logged, the snapshot task failing), not only by the checks. Read here once, not from
# DEBUG at run time, which the test runner turns off.
SNAPSHOT_DEVELOPMENT_KEY = env_bool("SNAPSHOT_DEVELOPMENT_KEY", DEBUG)
# A snapshot is issued on every public change and at least this often (seconds): its next_issue_at promise.
SNAPSHOT_INTERVAL = env_int("SNAPSHOT_INTERVAL", 24 * 3600)
# How often the scheduler looks (settings/celery.py); a snapshot falling due before the next look is issued ahead of
# time.
SNAPSHOT_CHECK_EVERY = env_int("SNAPSHOT_CHECK_EVERY", 900)
