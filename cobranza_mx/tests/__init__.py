from . import test_install
from . import test_collection_run
from . import test_tours
from . import test_reminders
from . import test_run_concurrency
