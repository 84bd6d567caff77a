"""The admin as a face: a model admin whose saves and deletes are the domain's services, never the ORM's own.

Each admin using `WritesThroughServices` implements save_model, delete_model and (for its inlines) save_formset by
calling a service with `by=request.user`; the service applies the rules, writes the audit line and publishes. A service
refusing (Refused, or a ValidationError such as the ownership totals') propagates out of the admin's transaction,
which rolls back everything the save had done (the main object, its other inlines, the admin's log entry): nothing is
half-saved. The form is then shown again with what was typed and the refusal's words as its error.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect

from registry.qualification.workflow import Refused

REFUSALS = (Refused, ValidationError)
_REFUSAL = "_service_refusal"


def refusal_messages(exc) -> list[str]:
    return list(exc.messages) if isinstance(exc, ValidationError) else [str(exc)]


def inline_rows(formset, fields) -> list[dict]:
    """The rows an inline formset says the list should now be (dicts of `fields`, "id" for existing ones), as the
    portal's formsets hand them to the services: neither deleted rows nor empty or unauthorised new ones."""
    rows = []
    for form in formset.forms:
        if not hasattr(form, "cleaned_data") or (formset.can_delete and formset._should_delete_form(form)):
            continue
        if form.instance.pk is None and not form.has_changed():
            continue
        rows.append({"id": form.instance.pk, **{name: form.cleaned_data.get(name) for name in fields}})
    return rows


def deleted_instances(formset) -> list:
    return [form.instance for form in formset.initial_forms if formset.can_delete and formset._should_delete_form(form)]


def _note_changes(formset) -> None:
    # What formset.save() would have noted for the admin's change message (its log entry); the services save instead.
    deleted = deleted_instances(formset)
    formset.deleted_objects = deleted
    formset.new_objects, formset.changed_objects = [], []
    for form in formset.forms:
        if not hasattr(form, "cleaned_data") or form.instance in deleted or not form.has_changed():
            continue
        if form.instance.pk is None:
            formset.new_objects.append(form.instance)
        else:
            formset.changed_objects.append((form.instance, form.changed_data))


class WritesThroughServices:
    # The bulk "delete selected" runs delete_queryset after its own confirmation, with no way to answer a refusal
    # other than an error page; admins whose deletes may be refused offer deletion one object at a time.
    bulk_delete = False

    def save_model(self, request, obj, form, change):
        raise NotImplementedError(f"{type(self).__name__} saves through a service")

    def delete_model(self, request, obj):
        raise NotImplementedError(f"{type(self).__name__} deletes through a service")

    def save_formset(self, request, form, formset, change):
        raise NotImplementedError(f"{type(self).__name__} saves {formset.model.__name__} rows through a service")

    def save_related(self, request, form, formsets, change):
        for formset in formsets:
            _note_changes(formset)
        super().save_related(request, form, formsets, change)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                self.delete_model(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not self.bulk_delete:
            actions.pop("delete_selected", None)
        return actions

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except REFUSALS as exc:
            # Rolled back by the admin's transaction; the same POST again, now invalid with the refusal as its error.
            setattr(request, _REFUSAL, exc)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        refusal = getattr(request, _REFUSAL, None)
        if refusal is None:
            return form

        def clean(self):
            cleaned = form.clean(self)
            for message in refusal_messages(refusal):
                self.add_error(None, message)
            return cleaned

        return type(form.__name__, (form,), {"clean": clean})

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except REFUSALS as exc:
            self.message_user(request, " ".join(refusal_messages(exc)), messages.ERROR)
            return redirect(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", object_id)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # django-simple-history's "revert to this version" saves through save_model, outside any transaction.
        try:
            with transaction.atomic():
                return super().history_form_view(request, object_id, version_id, extra_context)
        except REFUSALS as exc:
            self.message_user(request, " ".join(refusal_messages(exc)), messages.ERROR)
            return redirect(f"admin:{self.opts.app_label}_{self.opts.model_name}_simple_history", object_id, version_id)
