from . import test_configuration, test_override_history, test_pyramid
from . import test_lifetime_value, test_live_figures
from . import test_demo
from . import test_visits
from . import test_service
from . import test_kpi
from . import test_access
from . import test_data_edge_cases
from . import test_input
from . import test_engine
from . import test_move_sums
from . import test_ui
from . import test_translations
from . import test_payment_risk
from . import test_wallet
from . import test_backtest
from . import test_segments
from . import test_reports
from . import test_walls
from . import test_attacks
from . import test_finish_since
from . import test_level_margin
from . import test_history_slice
from . import test_one_truth
