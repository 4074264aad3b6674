from django.urls import path

from . import views

app_name = "customers"

urlpatterns = [
    path("", views.customer_list_view, name="list"),
    path("new/", views.customer_create_view, name="create"),
    path("export.xlsx", views.customer_export_view, name="export"),
    path("<int:pk>/", views.customer_detail_view, name="detail"),
    path("<int:pk>/edit/", views.customer_edit_view, name="edit"),
    path("key-accounts/", views.key_accounts_view, name="key_accounts"),
    path("key-accounts/<int:pk>/<str:decision>/", views.key_account_decide_view,
         name="key_account_decide"),
    path("<int:pk>/history/", views.customer_history_view, name="history"),
]
