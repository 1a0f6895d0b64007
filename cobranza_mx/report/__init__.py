from . import cobranza_visit_report
