"""Pages of grading and churn warnings."""

from django.urls import path, re_path

from . import grading_views

app_name = "grading"

urlpatterns = [
    path("warnings/", grading_views.warning_inbox_view, name="inbox"),
    re_path(r"^warnings/(?P<pk>\d+)/(?P<action>acknowledge|resolve|dismiss)/$",
            grading_views.warning_action_view, name="warning-action"),
    path("runs/", grading_views.job_runs_view, name="runs"),
    path("settings/", grading_views.settings_view, name="settings"),
]
