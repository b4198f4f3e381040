from . import crm_loyalty_override_wizard
