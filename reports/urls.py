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
]
