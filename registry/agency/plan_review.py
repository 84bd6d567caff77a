"""What the agency's two plan reviews share, a dossier's evaluation plan (evaluation_plan.py) and a surveillance
audit's (surveillance_work.py): the two POST-only URLs of a plan's version, and the answer written by a service with
its outcome said as a message (a refusal of the moment comes back on the page, not as an error page)."""

from collections.abc import Callable

from django.contrib import messages
from django.urls import path
from django.views.decorators.http import require_POST

from registry.qualification.workflow import Refused


def urls(wrap, *, validate_view, changes_view, name_prefix: str) -> list:
    """`<pk>/plan/<plan_pk>/validate/` and `.../changes/`, named `<name_prefix>_plan_validate` and `_plan_changes`."""
    return [
        path("<int:pk>/plan/<int:plan_pk>/validate/", wrap(validate_view), name=f"{name_prefix}_plan_validate"),
        path("<int:pk>/plan/<int:plan_pk>/changes/", wrap(changes_view), name=f"{name_prefix}_plan_changes"),
    ]


def post_only(view: Callable, request, pk, plan_pk):
    return require_POST(view)(request, pk, plan_pk)


def answer(request, write: Callable, plan, success: str) -> None:
    """Run `write(plan=, by=, comment=)` (validate or ask for changes) with the comment posted; say how it went."""
    try:
        write(plan=plan, by=request.user, comment=request.POST.get("comment", ""))
    except Refused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, success)
