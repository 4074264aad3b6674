"""The language switch: Django's, and for a logged-in user the choice kept on the account.
Mounted before django.conf.urls.i18n so the name `set_language` and its address stay."""

from django.urls import path

from . import views

urlpatterns = [
    path("setlang/", views.set_language_view, name="set_language"),
]
