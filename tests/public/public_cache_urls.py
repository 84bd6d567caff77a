"""A URLconf for tests/public/test_public_cache.py: pages at kept addresses (registry:home, registry:list) that must not be
kept: one sets a cookie of its own, the other writes the visitor's CSRF token outside a form field too."""

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


pages = [path("", page_with_a_cookie, name="home"), path("registry/", page_with_a_token_in_data, name="list")]
urlpatterns = [path("", include((pages, "registry")))]
