"""Times in the workspace with the zone they are shown in: Django's admin prints a stored time in the site's zone
without naming it (was 23:47 Paris time or UTC?). Columns and read-only fields of a date and time use these instead."""

from django.contrib import admin

from registry.core.times import with_zone


def zoned(model, name: str):
    """An admin column or read-only field showing `model`'s date-and-time field `name` with its zone
    ("3 Dec 2026 16:59 CET"), labelled and sorted as the field itself."""
    field = model._meta.get_field(name)

    @admin.display(description=field.verbose_name, ordering=name)
    def show(model_admin, obj):
        return with_zone(getattr(obj, name)) or "—"

    show.__name__ = f"{name}_zoned"
    return show
