"""The agency's workspace as an AdminSite: Django's admin (its sign-in, permissions and model pages) opening on the
person's queues instead of an alphabetical index of tables, which move to a secondary menu on the same page."""

import functools

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.contrib.admin.exceptions import DisallowedModelAdminToField
from django.contrib.admin.options import TO_FIELD_VAR
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry.accounts.permissions import actor_for
from registry.agency.home import home_context


class AgencySite(admin.AdminSite):
    site_header = gettext_lazy("Trusted Cloud Registry – agency workspace")
    site_title = gettext_lazy("Trusted Cloud Registry")
    index_title = gettext_lazy("My work")
    # The navigation sidebar takes a quarter of a 1280 px screen from every list; the home and the breadcrumbs lead
    # everywhere it did.
    enable_nav_sidebar = False

    def admin_view(self, view, cacheable=False):
        """Every page of the workspace, with two malformed addresses refused once signed in, where Django's or a
        library's code would fail on them with a 500: an object id that is not a number for a model whose key is one
        is a 404 (django-simple-history's history pages look their ids up as they are: the object's, and the version's
        passed by position); an empty ?_to_field=, which the change and delete pages take for a field named "", is the
        400 that any field the admin may not reference gets."""
        model_admin = getattr(view, "__self__", None)
        numeric_key = isinstance(model_admin, admin.ModelAdmin) and isinstance(
            model_admin.model._meta.pk, models.IntegerField
        )

        @functools.wraps(view)
        def checked(request, *args, **kwargs):
            ids = [*args, *([kwargs["object_id"]] if "object_id" in kwargs else [])]
            if numeric_key and not all(str(value).isdigit() for value in ids):
                raise Http404
            if request.GET.get(TO_FIELD_VAR) == "":
                raise DisallowedModelAdminToField("An empty field name cannot be referenced.")
            return view(request, *args, **kwargs)

        return super().admin_view(checked, cacheable)

    def login(self, request, extra_context=None):
        # One door: /admin/login/ sends to allauth's sign-in (password, then second factor, with its rate limits).
        return secure_admin_login(super().login)(request, extra_context)

    def index(self, request, extra_context=None):
        """The workspace's home: the queues of the person's groups, what certificates wait on them, and the reference
        data and administration tables behind a disclosure (open when there is no queue to show)."""
        actor = actor_for(request.user)
        if not actor.groups and not request.user.is_superuser:
            raise PermissionDenied(_("The workspace is for the agency's reviewers, committee and administrators."))
        context = self.each_context(request)
        context.update(
            title=self.index_title,
            subtitle=None,
            app_list=context["available_apps"],
            **home_context(actor),
            **(extra_context or {}),
        )
        request.current_app = self.name
        return TemplateResponse(request, self.index_template or "admin/index.html", context)
