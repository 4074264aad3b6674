app_name = "phone_orders"

urlpatterns: list = []
