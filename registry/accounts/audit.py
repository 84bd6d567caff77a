"""The security audit log: who did what, when (UTC) and from where, in AuditEvent (append-only; on PostgreSQL the
database itself refuses UPDATE and DELETE, migration 0007).

`record()` is the only writer. Sign-ins, sign-outs, failed sign-ins, password, e-mail and MFA changes arrive through
signals (connected by `connect_signals()` from RegistryConfig.ready); denied access through the 403 / 404 / CSRF
handlers (registry/accounts/views/errors.py); workflow moves from the services (`_move`, `_change`), inside their transaction so
that a move and its audit line are committed together or not at all; staff downloads from the download views.

Services know no request: `AuditContextMiddleware` keeps the address and user agent of the request being served in a
context variable, which `record()` reads when it is not given a request. Work without a request (Celery tasks, the
shell) is recorded without an address.
"""

import json
from contextvars import ContextVar

from django.core.serializers.json import DjangoJSONEncoder

from registry.core import client_address

USER_AGENT_MAX = 300  # AuditEvent.user_agent's max_length
LABEL_MAX = 254  # AuditEvent.actor_label's max_length

# (ip, user agent) of the request being served, for records made deeper down (services) without the request.
_request_origin: ContextVar[tuple[str | None, str] | None] = ContextVar("audit_request_origin", default=None)


def client_ip(request) -> str | None:
    """The client's address as every limit reads it (registry/core/client_address.py, TRUSTED_PROXY_COUNT): what the
    audit log records is the address the sign-in limits counted."""
    return client_address.client_ip(request)


def request_origin(request) -> tuple[str | None, str]:
    return client_ip(request), request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_MAX]


class AuditContextMiddleware:
    """Makes the current request's address and user agent available to `record()` calls made without the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request_origin.set(request_origin(request))
        try:
            return self.get_response(request)
        finally:
            _request_origin.reset(token)


def _label(user) -> str:
    if user is None:
        return ""
    return (getattr(user, "email", "") or user.get_username() or str(user.pk))[:LABEL_MAX]


def _json_safe(detail: dict) -> dict:
    # Lazy translations, dates, decimals and UUIDs become strings; anything else unknown, its repr.
    return json.loads(json.dumps(detail, cls=DjangoJSONEncoder, default=repr))


def record(action: str, *, actor=None, request=None, obj=None, **detail):
    """Append one AuditEvent. `actor` defaults to the request's signed-in user; `obj` gives the object's type, primary
    key and, in the detail, its name as people know it (a dossier's reference, a certificate's number)."""
    from registry.accounts.models import AuditEvent

    if actor is None and request is not None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            actor = user
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    if request is not None:
        ip, user_agent = request_origin(request)
    else:
        ip, user_agent = _request_origin.get() or (None, "")
    label = detail.pop("actor_label", None)
    object_type = object_id = ""
    if obj is not None:
        object_type = obj._meta.model_name
        object_id = str(obj.pk)[:64]
        detail.setdefault("object", str(obj)[:200])
    return AuditEvent.objects.create(
        actor=actor,
        actor_label=(label if label is not None else _label(actor))[:LABEL_MAX],
        action=action[:60],
        object_type=object_type,
        object_id=object_id,
        detail=_json_safe(detail),
        ip=ip,
        user_agent=user_agent,
    )


# Signal receivers. Each is a plain function, so that a test can call it as the signal would.


def on_logged_in(sender, request, user, **kwargs):
    record("login", actor=user, request=request)


def on_logged_out(sender, request, user, **kwargs):
    record("logout", actor=user, request=request)


def on_login_failed(sender, credentials, request=None, **kwargs):
    # Django has already replaced the password (and anything that looks like a secret) with stars; only the
    # identifier typed is kept, as the "who" of an attempt that names nobody for sure.
    typed = credentials.get("email") or credentials.get("username") or credentials.get("login") or ""
    record("login.failed", actor=None, request=request, actor_label=str(typed))


def _account_receiver(action):
    def receiver(sender, request=None, user=None, **kwargs):
        detail = {}
        for key in ("email_address", "from_email_address", "to_email_address"):
            value = kwargs.get(key)
            if value is not None:
                detail[key] = getattr(value, "email", str(value))
        record(action, actor=user, request=request, **detail)

    receiver.__name__ = f"on_{action.replace('.', '_')}"
    return receiver


def _mfa_receiver(action):
    def receiver(sender, request=None, user=None, authenticator=None, **kwargs):
        detail = {"type": getattr(authenticator, "type", "")} if authenticator is not None else {}
        record(action, actor=user, request=request, **detail)

    receiver.__name__ = f"on_{action.replace('.', '_')}"
    return receiver


on_password_changed = _account_receiver("password.changed")
on_password_set = _account_receiver("password.set")
on_password_reset = _account_receiver("password.reset")
on_email_changed = _account_receiver("email.changed")
on_email_added = _account_receiver("email.added")
on_email_removed = _account_receiver("email.removed")
on_mfa_added = _mfa_receiver("mfa.added")
on_mfa_removed = _mfa_receiver("mfa.removed")
on_mfa_reset = _mfa_receiver("mfa.reset")
on_mfa_failed = _mfa_receiver("mfa.failed")


def connect_signals():
    """Called once from RegistryConfig.ready. allauth's MFA signals are connected only when allauth.mfa is installed
    (importing its signals module imports its models)."""
    from allauth.account import signals as account
    from django.apps import apps
    from django.contrib.auth import signals as auth

    auth.user_logged_in.connect(on_logged_in, dispatch_uid="audit-login")
    auth.user_logged_out.connect(on_logged_out, dispatch_uid="audit-logout")
    auth.user_login_failed.connect(on_login_failed, dispatch_uid="audit-login-failed")
    account.password_changed.connect(on_password_changed, dispatch_uid="audit-password-changed")
    account.password_set.connect(on_password_set, dispatch_uid="audit-password-set")
    account.password_reset.connect(on_password_reset, dispatch_uid="audit-password-reset")
    account.email_changed.connect(on_email_changed, dispatch_uid="audit-email-changed")
    account.email_added.connect(on_email_added, dispatch_uid="audit-email-added")
    account.email_removed.connect(on_email_removed, dispatch_uid="audit-email-removed")
    if apps.is_installed("allauth.mfa"):
        from allauth.mfa import signals as mfa

        mfa.authenticator_added.connect(on_mfa_added, dispatch_uid="audit-mfa-added")
        mfa.authenticator_removed.connect(on_mfa_removed, dispatch_uid="audit-mfa-removed")
        mfa.authenticator_reset.connect(on_mfa_reset, dispatch_uid="audit-mfa-reset")
        mfa.authentication_failed.connect(on_mfa_failed, dispatch_uid="audit-mfa-failed")
