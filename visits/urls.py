from django.urls import path

from . import views

app_name = "visits"

urlpatterns = [
    path("", views.day_view, name="today"),
    path("sw.js", views.service_worker_view, name="service-worker"),
    path("day/<str:day>/", views.day_view, name="day"),
    path("day/<str:day>/add/", views.stop_add_view, name="stop-add"),
    path("stop/<int:pk>/move/<str:direction>/", views.stop_move_view, name="stop-move"),
    path("plan/", views.plan_view, name="plan"),
    path("start/", views.visit_start_view, name="start"),
    path("unplanned/", views.unplanned_view, name="unplanned"),
    path("visit/<int:pk>/", views.visit_view, name="visit"),
    path("visit/<int:pk>/draft/", views.visit_draft_view, name="visit-draft"),
    path("visit/<int:pk>/photos/", views.visit_photo_add_view, name="visit-photo-add"),
    path("visit/<int:pk>/photos/<int:photo_pk>/", views.visit_photo_view, name="visit-photo"),
    path("stats/", views.stats_view, name="stats"),
    path("samples/", views.samples_view, name="samples"),
    path("key-accounts/", views.key_accounts_view, name="key-accounts"),
    path("key-accounts/<int:customer_pk>/visit/", views.supervisor_visit_view,
         name="supervisor-visit"),
]
