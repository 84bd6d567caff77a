"""A URLconf for tests/public/test_public_cache.py: pages at kept addresses (registry:home, registry:list, registry:verify)
that must not be kept: one sets a cookie of its own, one writes the visitor's CSRF token outside a form field too, one
holds a form's token field that get_token() did not write."""

import uuid

from django.http import HttpResponse
from django.template import engines
from django.urls import include, path


def page_with_a_cookie(request):
    response = HttpResponse("<p>Welcome.</p>")
    response.set_cookie("visitor", uuid.uuid4().hex)
    return response


TOKEN_TWICE = engines["django"].from_string(
    '<form method="post">{% csrf_token %}</form><div data-token="{{ csrf_token }}"></div>'
)


def page_with_a_token_in_data(request):
    return HttpResponse(TOKEN_TWICE.render({}, request))


# A form whose token came from elsewhere than get_token() (a fragment kept by another cache, say): the field's name alone
# keeps the page out.
A_COPIED_FORM = (
    '<form method="post"><input type="hidden" name="csrfmiddlewaretoken" value="x"><button>Send</button></form>'
)


def page_with_a_copied_form(request):
    return HttpResponse(A_COPIED_FORM)


pages = [
    path("", page_with_a_cookie, name="home"),
    path("registry/", page_with_a_token_in_data, name="list"),
    path("verify/", page_with_a_copied_form, name="verify"),
]
urlpatterns = [path("", include((pages, "registry")))]
