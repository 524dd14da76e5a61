"""The case pages, under /cases/. Each part of the domain keeps its own views module."""

from lantern.cases import views_legal, views_outcomes, views_records, views_sharing, views_work

app_name = "cases"

urlpatterns = [
    *views_records.urlpatterns,
    *views_work.urlpatterns,
    *views_sharing.urlpatterns,
    *views_legal.urlpatterns,
    *views_outcomes.urlpatterns,
]
