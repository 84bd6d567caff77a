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

# Signed webhooks (registry/public/webhook_delivery.py). Whether an endpoint may be on a loopback, private or link-local
# address, and on loopback over plain http: on with DEBUG, so that a receiver on 127.0.0.1 works in development and the
# tests; off in production (trustedcloud/checks.py warns), where it would let anyone make the server call its own network.
WEBHOOKS_ALLOW_PRIVATE_TARGETS = env_bool("WEBHOOKS_ALLOW_PRIVATE_TARGETS", DEBUG)
# Seconds a receiver has to answer one delivery (connecting, then reading), after which the attempt failed.
WEBHOOKS_TIMEOUT = env_int("WEBHOOKS_TIMEOUT", 10)

# The signed trusted list (/registry/trusted-list.xml, registry/public/trusted_lists.py), after ETSI TS 119 612. Its
# ECDSA P-256 private key: a PEM (PKCS#8 or SEC1, unencrypted; literal "\n" accepted) or the base64 of the 32-byte
# private scalar. Unset: a development key in private storage where SNAPSHOT_DEVELOPMENT_KEY allows it; production
# must set it (trustedcloud/checks.py). It is issued with the snapshots (on every public change, and at least every
# SNAPSHOT_INTERVAL: its NextUpdate).
TRUSTED_LIST_SIGNING_KEY = env_str("TRUSTED_LIST_SIGNING_KEY")
# The X.509 certificate of that key, when the agency had one issued (PEM); unset, a self-signed certificate derived from
# the key (registry/public/trusted_list_key.py), published at /registry/trusted-list-signing.pem either way.
TRUSTED_LIST_SIGNING_CERTIFICATE = env_str("TRUSTED_LIST_SIGNING_CERTIFICATE")
# The scheme's territory (ISO 3166-1 alpha-2): SchemeTerritory, and the derived certificate's country.
TRUSTED_LIST_TERRITORY = env_str("TRUSTED_LIST_TERRITORY", "FR")
