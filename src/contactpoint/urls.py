from django.urls import include, path

urlpatterns = [
    path("", include("contactpoint.web.urls")),
]
