"""The public REST API (registry/public/api) and its OpenAPI description."""

from django.utils.translation import gettext_lazy as _

from .env import env_str
from .security import TRUSTED_PROXY_COUNT

# Read-only and anonymous (no authentication at all, so every client is throttled by address), JSON by default and
# browsable. The address is the one every limit reads (registry/core/client_address.py, TRUSTED_PROXY_COUNT): DRF's
# own reading, with NUM_PROXIES unset, would trust the whole X-Forwarded-For header a client writes.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_THROTTLE_CLASSES": ["registry.public.api.throttling.AnonymousRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": env_str("API_ANON_RATE", "120/minute")},
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_PAGINATION_CLASS": "registry.public.api.pagination.RegistryPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": _("Trusted Cloud Registry API"),
    "DESCRIPTION": _(
        "The public registry of trusted cloud services, read-only and open to anyone: certified services, their "
        "providers, certificates with their public status history (and their status on any given day), and the "
        "dossiers in process. Anonymous clients are throttled; errors are JSON."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "TAGS": [
        {"name": "certificates", "description": _("Certificates in force, archived ones by number, status history.")},
        {"name": "services", "description": _("Services in the registry.")},
        {"name": "providers", "description": _("Providers of the services in the registry.")},
        {"name": "in-process", "description": _("Dossiers in evaluation or awaiting decision, listed by consent.")},
        {
            "name": "changes",
            "description": _("What changed since a cursor: status changes and accepted changes, in order."),
        },
    ],
    # Documentation assets come from drf-spectacular-sidecar through the static files: no CDN at run time.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # validatorUrl: Swagger UI would otherwise send the schema to validator.swagger.io for its badge.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    # Fields named alike ("status", "kind") carry different choice sets: each set gets a name of its own.
    "ENUM_NAME_OVERRIDES": {
        "CertificateStatusEnum": "registry.certificates.choices.CertificateStatus",
        "LiveCertificateStatusEnum": "registry.certificates.choices.LIVE_CERTIFICATE_STATUSES",
        "ServiceStatusEnum": "registry.public.api.serializers.SERVICE_STATUSES",
        "DossierKindEnum": "registry.qualification.models.Dossier.Kind",
        "ThirdPartyKindEnum": "registry.providers.models.ThirdParty.Kind",
        "ChangeKindEnum": "registry.certificates.choices.ChangeKind",
        "HistoryEntryTypeEnum": "registry.public.api.serializers.HISTORY_ENTRY_TYPES",
    },
}
