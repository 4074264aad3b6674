"""Pages of grading and churn warnings."""

from django.urls import path, re_path

from . import views

app_name = "grading"

urlpatterns = [
    path("warnings/", views.warning_inbox_view, name="inbox"),
    re_path(r"^warnings/(?P<pk>\d+)/(?P<action>acknowledge|resolve|dismiss)/$",
            views.warning_action_view, name="warning-action"),
    path("runs/", views.job_runs_view, name="runs"),
    path("runs/<int:pk>/restart/", views.job_run_restart_view, name="run-restart"),
    path("model/", views.churn_model_view, name="model"),
    path("settings/", views.settings_view, name="settings"),
]
