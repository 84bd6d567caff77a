"""People's second factors in the agency workspace: superusers look them up and reset them, nobody edits one.

allauth registers its own page for them, with Django's add, change and delete (which would show the encrypted secrets
and remove a factor without an audit line). This one replaces it: the list says who has which factor since when, and
the one action removes every factor of the selected people through registry.accounts.auth.second_factors_reset, so
that a person whose secret became unreadable, or who lost their phone, sets one up again at their next sign-in.
"""

from allauth.mfa.models import Authenticator
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy, ngettext

from registry.accounts.auth import second_factors_reset
from registry.core.times import with_zone


class SecondFactorAdmin(admin.ModelAdmin):
    list_display = ("user", "type", "created", "last_used")
    list_filter = ("type",)
    search_fields = ("user__email",)
    list_select_related = ("user",)
    fields = ("user", "type", "created", "last_used")
    readonly_fields = fields
    actions = ["reset_second_factors"]

    @admin.display(description=gettext_lazy("set up"), ordering="created_at")
    def created(self, obj):
        return with_zone(obj.created_at)

    @admin.display(description=gettext_lazy("last used"), ordering="last_used_at")
    def last_used(self, obj):
        return with_zone(obj.last_used_at) if obj.last_used_at else "–"

    # Seen and reset by superusers only: the agency's groups hold no permission on accounts.
    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_reset_permission(self, request):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # a factor goes only with the audited reset below

    @admin.action(
        description=gettext_lazy("Reset the second factors of the selected people (they set one up at next sign-in)"),
        permissions=["reset"],
    )
    def reset_second_factors(self, request, queryset):
        users = {authenticator.user for authenticator in queryset.select_related("user")}
        for user in users:
            second_factors_reset(user=user, by=request.user)
        self.message_user(
            request,
            ngettext(
                "The second factors of %(count)d person were removed: they set one up again at their next sign-in.",
                "The second factors of %(count)d people were removed: they set one up again at their next sign-in.",
                len(users),
            )
            % {"count": len(users)},
            messages.SUCCESS,
        )


if admin.site.is_registered(Authenticator):
    admin.site.unregister(Authenticator)
admin.site.register(Authenticator, SecondFactorAdmin)
