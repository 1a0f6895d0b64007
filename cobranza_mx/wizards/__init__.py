from . import cobranza_assign_wizard
from . import cobranza_exclusion_wizard
from . import cobranza_contact_wizard
from . import cobranza_payment_wizard
from . import cobranza_visit_plan_wizard
from . import cobranza_payment_proof_reject_wizard
from . import cobranza_udi_import_wizard
