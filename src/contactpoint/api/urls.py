from django.http import HttpRequest, HttpResponse
from django.urls import path, re_path
from django.views.decorators.csrf import csrf_exempt

from contactpoint.api.problems import problem_response
from contactpoint.api.v1 import api
from contactpoint.web.access import public


@public  # an answer saying "nothing here", for anyone
@csrf_exempt  # an unknown address is 404 whatever the method, never a CSRF 403
def unknown_api_path(request: HttpRequest) -> HttpResponse:
    """Anything under /api/ that no operation answers: 404 as problem+json, not a page."""
    return problem_response(404)


urlpatterns = [
    path("api/v1/", api.urls),
    re_path(r"^api/", unknown_api_path),
]
