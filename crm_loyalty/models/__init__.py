from . import (
    crm_loyalty_demo,
    crm_loyalty_history,
    crm_loyalty_level,
    crm_loyalty_run,
    crm_loyalty_score,
    res_company,
    res_config_settings,
    res_partner,
)
