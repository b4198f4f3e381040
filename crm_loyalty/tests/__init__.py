from . import test_pyramid
from . import test_override_history
from . import test_configuration
