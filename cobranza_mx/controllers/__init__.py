from . import whatsapp
from . import portal
