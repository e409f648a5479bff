from django.apps import AppConfig


class CryptoConfig(AppConfig):
    name = "contactpoint.crypto"
    label = "crypto"
    verbose_name = "Key store"
