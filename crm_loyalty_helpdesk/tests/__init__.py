from . import test_helpdesk
from . import test_access
