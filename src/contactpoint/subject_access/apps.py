from django.apps import AppConfig


class SubjectAccessConfig(AppConfig):
    name = "contactpoint.subject_access"
    label = "subject_access"
    verbose_name = "Subject access requests"
