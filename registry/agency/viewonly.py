"""View-only staff read the admin and write nothing: the two POSTs Django and django-simple-history leave open.

- A change list answers a POST (a bulk action, list_editable) from someone who may only view with the list itself
  (200) and no error: refused here with 403, as the change form already refuses it.
- django-simple-history's page of a past version saves a POST (it "reverts" the object to that version) for anyone
  who may view the history, with no check of the change permission: a reviewer could put back a provider's former
  shareholders without the rules. Refused here unless the user may change the object.
"""

from django.core.exceptions import PermissionDenied


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
