from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from contactpoint.routes import public


@public
def start(request: HttpRequest) -> HttpResponse:
    return render(request, "web/start.html")
