from . import crm_loyalty_score
from . import helpdesk_ticket
from . import helpdesk_ticket_category
from . import crm_loyalty_visit
from . import crm_loyalty_kpi
from . import res_company
from . import res_config_settings
from . import crm_loyalty_dashboard
