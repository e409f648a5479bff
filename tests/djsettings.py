"""Settings for the test suite: production settings over a throwaway data directory.

CONTACTPOINT_TEST_ENGINE=postgres (set by `make test` for its second run) points both
databases at the server in CONTACTPOINT_TEST_POSTGRES_URL: the data in that database,
the key store in a sibling database named `<name>_keys`. The tests run in databases
pytest-django makes from those names: `test_<name>` and `test_<name>_keys`, or with
pytest-xdist one pair per worker process (`test_<name>_gw0`, `test_<name>_keys_gw0`, ...).
"""

import atexit
import os
import shutil
import tempfile
from urllib.parse import urlsplit, urlunsplit

_data_dir = tempfile.mkdtemp(prefix="contactpoint-test-")
atexit.register(shutil.rmtree, _data_dir, ignore_errors=True)
os.environ["CONTACTPOINT_DATA_DIR"] = _data_dir
os.environ.pop("CONTACTPOINT_MASTER_KEY_FILE", None)

if os.environ.get("CONTACTPOINT_TEST_ENGINE") == "postgres":
    _url = os.environ["CONTACTPOINT_TEST_POSTGRES_URL"]
    _parts = urlsplit(_url)
    os.environ["CONTACTPOINT_DATABASE_URL"] = _url
    os.environ["CONTACTPOINT_KEYSTORE_URL"] = urlunsplit(
        _parts._replace(path=_parts.path.rstrip("/") + "_keys")
    )
else:
    os.environ.pop("CONTACTPOINT_DATABASE_URL", None)
    os.environ.pop("CONTACTPOINT_KEYSTORE_URL", None)

from contactpoint.settings import *  # noqa: E402, F403

