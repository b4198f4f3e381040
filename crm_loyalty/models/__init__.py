from . import crm_loyalty_level
from . import crm_loyalty_score
from . import crm_loyalty_history
from . import crm_loyalty_run
from . import res_company
from . import res_config_settings
from . import res_partner
from . import crm_loyalty_demo
