"""Following the registry by e-mail (namespace "registry"). The links go out in e-mails: keep them stable."""

from django.urls import path

from registry.public.views import subscriptions

urlpatterns = [
    path("subscribe/", subscriptions.subscribe, name="subscribe"),
    path("subscribe/sent/", subscriptions.subscribe_sent, name="subscribe-sent"),
    path("subscriptions/confirm/<str:token>/", subscriptions.confirm, name="subscription-confirm"),
    path("subscriptions/unsubscribe/<str:token>/", subscriptions.unsubscribe, name="subscription-unsubscribe"),
    path("subscriptions/unsubscribed/", subscriptions.unsubscribed, name="subscription-unsubscribed"),
]
