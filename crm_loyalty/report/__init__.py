from . import crm_loyalty_sales_report
from . import crm_loyalty_workbook
from . import crm_loyalty_workbook_reports
from . import crm_loyalty_visit_report
