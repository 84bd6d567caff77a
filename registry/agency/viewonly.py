"""View-only staff read the admin and write nothing: the two POSTs Django and django-simple-history leave open.

- A change list answers a POST (a bulk action, list_editable) from someone who may only view with the list itself
  (200) and no error: refused here with 403, as the change form already refuses it.
- django-simple-history's page of a past version saves a POST (it "reverts" the object to that version) for anyone
  who may view the history, with no check of the change permission: a reviewer could put back a provider's former
  shareholders without the rules. Refused here unless the user may change the object.
"""

from django.core.exceptions import PermissionDenied

from registry.accounts.permissions import actor_for


class ViewOnlyGuard:
    def changelist_view(self, request, extra_context=None):
        if request.method == "POST" and not (
            self.has_change_permission(request) or self.has_delete_permission(request)
        ):
            raise PermissionDenied
        return super().changelist_view(request, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            obj = self.get_object(request, object_id)
            if not self.has_change_permission(request, obj):
                raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


def at_the_agency(user) -> bool:
    """Anyone at the agency: staff in one of its groups, or a superuser. The workspace's read-only tables ask this."""
    return user.is_active and user.is_staff and (user.is_superuser or bool(actor_for(user).groups))


class AgencyReadOnly(ViewOnlyGuard):
    """A table the agency reads and nobody writes through the admin: its writes go through the pages' services (the
    models of the certificate's life after the decision, the audit log). The groups themselves say who is at the
    agency: these models need no view permission in the groups' migration."""

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_view_permission(self, request, obj=None):
        return at_the_agency(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
