from . import assignment
from . import stages
