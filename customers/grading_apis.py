"""API of grade snapshots, grade changes and churn warnings (filled in by the grading work)."""

urlpatterns: list = []
