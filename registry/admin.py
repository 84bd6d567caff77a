# Django's admin module for the registry app: the agency's workspace lives in registry/agency/.
from registry.agency import workspace  # noqa: F401  (registers the workspace's model admins)
