from django.urls import path

from lantern.matching import advocate

app_name = "matching"

urlpatterns = [path("search/", advocate.advocate_search, name="advocate-search")]
