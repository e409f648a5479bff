"""WSGI entry point for `contactpoint serve` and any other WSGI server.

Each process that loads it also runs the audit trail's sequencer (audit/background.py)
and the misuse rules (oversight/background.py).
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contactpoint.settings")
application = get_wsgi_application()

from contactpoint.audit import background  # noqa: E402  (needs Django set up above)
from contactpoint.oversight import background as misuse_rules  # noqa: E402

background.start()
misuse_rules.start()
