from . import test_install
from . import test_collection_run
from . import test_tours
from . import test_reminders
from . import test_access
from . import test_webhook_hardening
from . import test_run_concurrency
from . import test_visits
