from django.urls import include, path

urlpatterns = [
    path("", include("contactpoint.api.urls")),
    path("", include("contactpoint.web.urls")),
    # Security keys' JSON endpoints, under the namespace django-otp-webauthn reverses.
    path("sign-in/security-key/", include("contactpoint.web.passkeys")),
]

# GOV.UK-styled error pages (see contactpoint.web.errors).
handler400 = "contactpoint.web.errors.bad_request"
handler403 = "contactpoint.web.errors.permission_denied"
handler404 = "contactpoint.web.errors.page_not_found"
handler500 = "contactpoint.web.errors.server_error"
