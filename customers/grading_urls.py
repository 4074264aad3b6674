"""Pages of grading and churn warnings (filled in by the grading work)."""

app_name = "grading"

urlpatterns: list = []
