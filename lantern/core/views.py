from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def staff_home(request: HttpRequest) -> HttpResponse:
    """Links for staff (the front page `/` is the survivor's find-help flow)."""
    return render(request, "core/staff_home.html")
