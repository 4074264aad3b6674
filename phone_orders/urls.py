from django.urls import path

from . import views

app_name = "phone_orders"

urlpatterns = [
    path("", views.order_list_view, name="list"),
    path("<int:pk>/", views.order_detail_view, name="detail"),
    path("calls/", views.call_list_view, name="calls"),
    path("console/<int:customer_pk>/", views.console_view, name="console"),
    path("console/<int:customer_pk>/line/", views.console_line_view, name="console_line"),
    path("console/<int:customer_pk>/repeat/", views.console_repeat_view,
         name="console_repeat"),
    path("console/<int:customer_pk>/confirm/", views.console_confirm_view,
         name="console_confirm"),
    path("console/<int:customer_pk>/cancel/", views.console_cancel_view,
         name="console_cancel"),
    path("console/<int:customer_pk>/outcome/", views.console_outcome_view,
         name="console_outcome"),
    path("console/<int:customer_pk>/search/", views.console_search_view,
         name="console_search"),
    path("console/<int:customer_pk>/substitutes/<int:product_pk>/",
         views.console_substitutes_view, name="console_substitutes"),
    path("supply/", views.supply_view, name="supply"),
    path("allocations/", views.allocation_view, name="allocations"),
    path("supply/refused.csv", views.supply_refused_view, name="supply_refused"),
    path("figures/", views.figures_view, name="figures"),
    path("briefing/", views.briefing_view, name="briefing"),
    path("imports/", views.import_list_view, name="imports"),
    path("imports/<int:pk>/", views.import_detail_view, name="import_detail"),
    path("imports/<int:pk>/report.csv", views.import_report_view, name="import_report"),
]
