from . import cobranza_assign_wizard
from . import cobranza_exclusion_wizard
from . import cobranza_visit_plan_wizard
