from django.core.paginator import InvalidPage
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination

from registry.public.selectors import kept_count

# Beyond any page a registry will have: a longer number needs no exact value (and Python refuses to parse very long ones).
HUGE = 10**18


def whole_number(request, name):
    """?name= as a whole number from 1; None when absent. Anything else, empty included, is a 400 naming it."""
    value = request.query_params.get(name)
    if value is None:
        return None
    digits = value.lstrip("0")
    if not (value.isascii() and value.isdigit() and digits):
        raise ValidationError({name: [_("Enter a whole number from 1, without sign or spaces.")]})
    return HUGE if len(digits) > 18 else int(digits)


class RegistryPagination(PageNumberPagination):
    """?page= and ?page_size=, the same parameter names as the registry page.

    Both are checked, as the schema declares them: a value that is not a whole number from 1 answers 400 rather than
    the first page (DRF's default), so a client's mistake cannot pass for an answer. A page_size above the maximum gives
    the maximum, as it always did, and a page after the last answers 404.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request):
        asked = whole_number(request, self.page_size_query_param)
        return self.page_size if asked is None else min(asked, self.max_page_size)

    def get_page_number(self, request, paginator):
        return whole_number(request, self.page_query_param) or 1

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        paginator = self.django_paginator_class(queryset, self.get_page_size(request))
        # A list whose length changes only with the read model says so (`count_key`): its count is kept per version.
        key = view.count_key(request) if hasattr(view, "count_key") else None
        if key is not None:
            paginator.count = kept_count(queryset, key)  # Paginator.count is a cached property: this is its value
        number = self.get_page_number(request, paginator)
        try:
            self.page = paginator.page(number)
        except InvalidPage:
            raise NotFound(
                _("There is no page %(page)s: the last page is %(last)s.")
                % {"page": number, "last": paginator.num_pages}
            ) from None
        self.display_page_controls = paginator.num_pages > 1
        return list(self.page)

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": force_str(_("A page number, from 1. After the last page the answer is 404.")),
                "schema": {"type": "integer", "minimum": 1},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": force_str(
                    _("Results per page, from 1 (default %(default)s); more than %(max)s gives %(max)s.")
                    % {"default": self.page_size, "max": self.max_page_size}
                ),
                "schema": {"type": "integer", "minimum": 1},
            },
        ]
