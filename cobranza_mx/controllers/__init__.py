from . import whatsapp
from . import portal
from . import portal_document
