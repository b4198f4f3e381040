from . import crm_loyalty_ticket_report
from . import crm_loyalty_workbook
