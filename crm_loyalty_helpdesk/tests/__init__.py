from . import test_helpdesk
from . import test_access
from . import test_ui
from . import test_satisfaction
from . import test_translations
