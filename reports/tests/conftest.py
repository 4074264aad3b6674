from phone_orders.tests.conftest import scarce_sku, sku  # noqa: F401  (shared SKU fixtures)
