from . import crm_loyalty_workbook
