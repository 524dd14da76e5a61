from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe


@require_safe
def staff_home(request: HttpRequest) -> HttpResponse:
    """Links for staff (the front page `/` is the survivor's find-help flow)."""
    return render(request, "core/staff_home.html")
