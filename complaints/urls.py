from django.urls import path

from . import views

app_name = "complaints"

urlpatterns = [
    path("", views.complaint_list_view, name="list"),
    path("new/", views.complaint_create_view, name="create"),
    path("export.xlsx", views.complaint_export_view, name="export"),
    path("figures/", views.complaint_figures_view, name="figures"),
    path("<int:pk>/", views.complaint_detail_view, name="detail"),
    path("<int:pk>/step/<slug:action>/", views.complaint_step_view, name="step"),
    path("surveys/", views.survey_list_view, name="surveys"),
    path("surveys/<int:pk>/", views.survey_detail_view, name="survey"),
    path("surveys/answer/", views.survey_answer_view, name="survey_answer"),
    path("callbacks/", views.callback_list_view, name="callbacks"),
    path("callbacks/<int:pk>/answer/", views.callback_answer_view, name="callback_answer"),
    path("<int:pk>/files/<int:attachment_pk>/", views.attachment_download_view,
         name="attachment"),
]
