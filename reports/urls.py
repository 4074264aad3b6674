from django.urls import path

from . import views
from .evaluation import views as evaluation_views

app_name = "reports"

urlpatterns = [
    path("", views.home, name="home"),
    path("reports/morning/export-<slug:table>.xlsx", views.morning_export_view,
         name="morning-export"),
    path("reports/sales/", views.sales_view, name="sales"),
    path("reports/sales/export.xlsx", views.sales_export_view, name="sales-export"),
    path("reports/grades/", views.grades_view, name="grades"),
    path("reports/grades/export-<slug:table>.xlsx", views.grades_export_view,
         name="grades-export"),
    path("reports/targets/", evaluation_views.targets_view, name="targets"),
    path("reports/scorecard/", evaluation_views.scorecard_view, name="scorecard"),
    path("reports/scorecard/export.xlsx", evaluation_views.scorecard_export_view,
         name="scorecard-export"),
    path("reports/scorecard/ranking/", evaluation_views.ranking_view, name="ranking"),
    path("reports/scorecard/ranking/export.xlsx", evaluation_views.ranking_export_view,
         name="ranking-export"),
    path("reports/scorecard/rules/", evaluation_views.rules_view, name="scorecard-rules"),
]
