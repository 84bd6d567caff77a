"""The agency's workspace as an AdminSite: Django's admin (its sign-in, permissions and model pages) opening on the
person's queues instead of an alphabetical index of tables, which move to a secondary menu on the same page."""

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.core.exceptions import PermissionDenied
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
