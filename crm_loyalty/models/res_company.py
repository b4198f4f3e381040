# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..loyalty_analytics import RANKED_CODES
from .crm_loyalty_level import DEFAULT_LEVELS, DEFAULT_POLICIES
from .crm_loyalty_number_mixin import check_number_vals
from .loyalty_access import LOYALTY_USER

MAX_MONTHS = 240  # windows and horizons: twenty years


class ResCompany(models.Model):
    _inherit = "res.company"

    loyalty_level_ids = fields.One2many("crm.loyalty.level", "company_id", string="Pyramid Levels", groups=LOYALTY_USER)
    loyalty_ranking_months = fields.Integer(
        string="Ranking Window (months)",
        default=12,
        help="Customers are ranked by their revenue over this many months up to the computation date.",
        groups=LOYALTY_USER,
    )
    loyalty_activity_months = fields.Integer(
        string="Activity Window (months)",
        default=12,
        help="A customer is active when it has a posted invoice in this many months up to the computation date.",
        groups=LOYALTY_USER,
    )
    loyalty_level_margin = fields.Float(
        string="Margin of the Cuts (%)",
        default=5.0,
        help="No flip-flop: a customer keeps its level while its rank passes a cut of the pyramid by no more than "
        "this share of the smaller of the two levels the cut separates (5% of 30 Medium customers: 2 ranks). "
        "0 gives the plain cuts; each level then holds its share within the margins of its cuts.",
        groups=LOYALTY_USER,
    )
    loyalty_profit_band_low = fields.Float(
        string="Break-even Band From (%)",
        default=0.0,
        help="Customers whose gross margin % in the ranking window is below this are loss-making.",
        groups=LOYALTY_USER,
    )
    loyalty_profit_band_high = fields.Float(
        string="Break-even Band To (%)",
        default=10.0,
        help="Customers whose gross margin % in the ranking window reaches this are key customers; "
        "between the two bounds they are general (break-even) customers.",
        groups=LOYALTY_USER,
    )

    loyalty_clv_months = fields.Integer(
        string="Lifetime Value Horizon (months)",
        default=12,
        help="Customer lifetime value is the discounted gross margin expected over this many months.",
        groups=LOYALTY_USER,
    )
    loyalty_backtest_months = fields.Integer(
        string="Backtest Holdout (months)",
        default=6,
        help="Every week a run proves the lifetime-value model on the company's own invoices: calibrated on the "
        "invoices up to this many months ago, its prediction of these months is compared with what happened.",
        groups=LOYALTY_USER,
    )
    loyalty_clv_discount_rate = fields.Float(
        string="Annual Discount Rate (%)",
        default=10.0,
        help="Future margin is discounted at this annual rate (converted to a monthly rate).",
        groups=LOYALTY_USER,
    )
    loyalty_alive_threshold = fields.Float(
        string="At-Risk Threshold (P(alive))",
        default=0.5,
        digits=(3, 2),
        help="Active customers whose probability of still being a customer falls under this value are at risk.",
        groups=LOYALTY_USER,
    )
    loyalty_at_risk_mode = fields.Selection(
        [("flag", "Flag only"), ("inactive", "Treat as inactive")],
        string="At-Risk Customers",
        default="flag",
        required=True,
        help="Flag only: at-risk customers keep their level. Treat as inactive: they move to the Inactive level, "
        "and the level history says why.",
        groups=LOYALTY_USER,
    )
    loyalty_phase_period_months = fields.Integer(
        string="Value Phase Period (months)",
        default=3,
        help="The value phase compares the revenue of the last periods of this length.",
        groups=LOYALTY_USER,
    )
    loyalty_phase_periods = fields.Integer(
        string="Value Phase Periods",
        default=4,
        help="Number of periods the revenue trend is measured on.",
        groups=LOYALTY_USER,
    )
    loyalty_phase_threshold = fields.Float(
        string="Value Phase Threshold (%)",
        default=10.0,
        help="A revenue trend above this percent of the average revenue per period is rising, below minus this "
        "percent declining, in between peak.",
        groups=LOYALTY_USER,
    )
    loyalty_discount_threshold = fields.Float(
        string="Price-Insensitive Discount (%)",
        default=5.0,
        help="Break-even customers whose average discount on their invoice lines is under this percent are "
        "price-insensitive.",
        groups=LOYALTY_USER,
    )

    loyalty_history_months = fields.Integer(
        string="History Rebuilt (months)",
        default=24,
        help="When the module is installed, and when a manager rebuilds it, the level history is computed from "
        "the invoices as of each month-end of this many months.",
        groups=LOYALTY_USER,
    )
    loyalty_key_account_threshold = fields.Float(
        string="Key Account Volume",
        default=200000.0,
        help="Customers whose revenue in the ranking window reaches this amount (company currency) are key accounts.",
        groups=LOYALTY_USER,
    )
    loyalty_customer_manager_id = fields.Many2one(
        "res.users",
        string="Customer Manager",
        help="Default key account manager: owns the data of key accounts and is told when a customer becomes or "
        "ceases to be one.",
        groups=LOYALTY_USER,
    )

    loyalty_payment_b_days = fields.Integer(
        string="Payment Risk B from (days late)",
        default=15,
        help="A customer whose payment delay (average days late, or days its oldest overdue invoice is overdue) "
        "reaches this many days is graded B.",
        groups=LOYALTY_USER,
    )
    loyalty_payment_c_days = fields.Integer(
        string="Payment Risk C from (days late)",
        default=30,
        help="A payment delay of this many days or more grades the customer C.",
        groups=LOYALTY_USER,
    )
    loyalty_payment_d_days = fields.Integer(
        string="Payment Risk D from (days late)",
        default=60,
        help="A payment delay of this many days or more grades the customer D (high risk): quotations warn.",
        groups=LOYALTY_USER,
    )

    @api.constrains("loyalty_payment_b_days", "loyalty_payment_c_days", "loyalty_payment_d_days")
    def _check_loyalty_payment_grades(self):
        for company in self:
            b_days, c_days, d_days = (
                company.loyalty_payment_b_days,
                company.loyalty_payment_c_days,
                company.loyalty_payment_d_days,
            )
            if not 1 <= b_days < c_days < d_days <= 3650:
                raise ValidationError(
                    self.env._(
                        "The payment risk thresholds of %(company)s must grow from B to C to D, in days late "
                        "between 1 and 3650 (e.g. 15, 30 and 60).",
                        company=company.display_name,
                    )
                )

    @api.constrains("loyalty_key_account_threshold")
    def _check_loyalty_key_account_threshold(self):
        for company in self:
            if company.loyalty_key_account_threshold <= 0:
                raise ValidationError(self.env._("The key account volume must be a positive amount."))
            if company.loyalty_key_account_threshold > 10**12:
                raise ValidationError(
                    self.env._("The key account volume must be an amount of at most 1,000,000,000,000.")
                )

    @api.constrains(
        "loyalty_clv_months",
        "loyalty_clv_discount_rate",
        "loyalty_backtest_months",
        "loyalty_alive_threshold",
        "loyalty_phase_period_months",
        "loyalty_phase_periods",
        "loyalty_phase_threshold",
        "loyalty_discount_threshold",
    )
    def _check_loyalty_lifetime_settings(self):
        for company in self:
            if not 1 <= company.loyalty_clv_months <= MAX_MONTHS:
                raise ValidationError(
                    self.env._(
                        "The lifetime value horizon must be at least one month and at most %(max)s months.",
                        max=MAX_MONTHS,
                    )
                )
            if not 1 <= company.loyalty_backtest_months <= 60:
                raise ValidationError(
                    self.env._("The backtest holdout must be at least one month and at most 60 months (e.g. 6).")
                )
            if not -100.0 < company.loyalty_clv_discount_rate <= 1000.0:
                raise ValidationError(
                    self.env._("The annual discount rate must be above -100% and at most 1000% (e.g. 10).")
                )
            if not 0.0 <= company.loyalty_alive_threshold <= 1.0:
                raise ValidationError(self.env._("The at-risk threshold is a probability: between 0 and 1 (e.g. 0.5)."))
            if not (1 <= company.loyalty_phase_period_months <= 60 and 2 <= company.loyalty_phase_periods <= 60):
                raise ValidationError(
                    self.env._(
                        "The value phase needs periods of at least one month, and at least two of them "
                        "(at most 60 of each; e.g. 4 periods of 3 months)."
                    )
                )
            if not 0 <= company.loyalty_phase_threshold <= 1000:
                raise ValidationError(
                    self.env._("The value-phase threshold cannot be negative, nor above 1000% (e.g. 10).")
                )
            if not 0 <= company.loyalty_discount_threshold <= 100:
                raise ValidationError(
                    self.env._("The price-insensitive discount threshold cannot be negative, nor above 100% (e.g. 5).")
                )

    @api.constrains("loyalty_history_months")
    def _check_loyalty_history_months(self):
        for company in self:
            if not 1 <= company.loyalty_history_months <= MAX_MONTHS:
                raise ValidationError(
                    self.env._("The level history is rebuilt over 1 to %(max)s months.", max=MAX_MONTHS)
                )

    @api.constrains("loyalty_level_margin")
    def _check_loyalty_level_margin(self):
        for company in self:
            if not 0.0 <= company.loyalty_level_margin <= 50.0:
                raise ValidationError(
                    self.env._("The margin of the level cuts must be between 0% and 50% of a level (e.g. 5).")
                )

    @api.constrains("loyalty_ranking_months", "loyalty_activity_months")
    def _check_loyalty_windows(self):
        for company in self:
            for months in (company.loyalty_ranking_months, company.loyalty_activity_months):
                if not 1 <= months <= MAX_MONTHS:
                    raise ValidationError(
                        self.env._(
                            "The ranking and activity windows of %(company)s must be at least one month and at most "
                            "%(max)s months.",
                            company=company.display_name,
                            max=MAX_MONTHS,
                        )
                    )

    @api.constrains("loyalty_profit_band_low", "loyalty_profit_band_high")
    def _check_loyalty_profit_band(self):
        for company in self:
            if not -1000 <= company.loyalty_profit_band_low < company.loyalty_profit_band_high <= 100:
                raise ValidationError(
                    self.env._(
                        "The break-even band of %(company)s must start below where it ends, between -1000%% and "
                        "100%% of margin (from %(low)s%% to %(high)s%%).",
                        company=company.display_name,
                        low=company.loyalty_profit_band_low,
                        high=company.loyalty_profit_band_high,
                    )
                )

    def _loyalty_check_shares(self):
        """The ranked shares of each company must add up to exactly 100%."""
        for company in self:
            levels = self.env["crm.loyalty.level"].search(
                [("company_id", "=", company.id), ("code", "in", RANKED_CODES)]
            )
            if not levels:
                continue
            total_hundredths = sum(round(level.share * 100) for level in levels)
            if total_hundredths != 100_00:
                raise ValidationError(
                    self.env._(
                        "The shares of the Top, Big, Medium and Small levels of %(company)s must add "
                        "up to 100%% (they add up to %(total)s%%). Change them together in "
                        "Settings > CRM > Customer Pyramid.",
                        company=company.display_name,
                        total=total_hundredths / 100,
                    )
                )

    def _loyalty_level_names(self):
        """Default level names in the language of the environment."""
        return {
            "top": self.env._("Top"),
            "big": self.env._("Big"),
            "medium": self.env._("Medium"),
            "small": self.env._("Small"),
            "inactive": self.env._("Inactive"),
            "prospect": self.env._("Prospect"),
            "suspect": self.env._("Suspect"),
        }

    def _loyalty_create_levels(self):
        """Create the default pyramid levels where a company has none of a code."""
        # every company gets its levels, whoever may create companies (no loyalty right needed)
        Level = self.env["crm.loyalty.level"].sudo().with_context(loyalty_defer_share_check=True)
        vals_list = []
        for company in self:
            existing = set(Level.search([("company_id", "=", company.id)]).mapped("code"))
            for sequence, (code, (name, color, share)) in enumerate(DEFAULT_LEVELS.items()):
                if code in existing:
                    continue
                vals_list.append(
                    {
                        "name": name,
                        "code": code,
                        "sequence": (sequence + 1) * 10,
                        "color": color,
                        "share": share,
                        "company_id": company.id,
                        "visit_interval_months": DEFAULT_POLICIES[code][0],
                        "winback_visit": DEFAULT_POLICIES[code][1],
                    }
                )
        levels = Level.create(vals_list)
        # translated names for every installed language
        for lang, _name in self.env["res.lang"].get_installed():
            if lang == "en_US":
                continue
            names = self.with_context(lang=lang)._loyalty_level_names()
            for level in levels.with_context(lang=lang):
                level.name = names[level.code]
        self._loyalty_check_shares()

    @api.model
    def _loyalty_allowed_company(self, company=None):
        """``company`` (a record, an id, or None for the current company), refused unless the user
        may work in it (crons and other superuser code may use any company)."""
        if company is None or company is False:
            return self.env.company
        if isinstance(company, int) and not isinstance(company, bool):
            company = self.browse(company)
        if not isinstance(company, models.BaseModel) or company._name != self._name or len(company) != 1:
            raise UserError(self.env._("Give one company: a company record or its id."))
        # whether the id exists at all (a company outside the user's is refused just below)
        if not company.sudo().exists():
            raise UserError(self.env._("There is no company with id %(id)s.", id=company.id))
        if not self.env.su and company not in self.env.user.company_ids:
            raise AccessError(
                self.env._(
                    "You are not allowed to work in the company with id %(id)s: ask an administrator to add it "
                    "to your allowed companies.",
                    id=company.id,
                )
            )
        return company

    @api.model
    def _loyalty_install_levels(self):
        self.search([])._loyalty_create_levels()

    def write(self, vals):
        check_number_vals(self, [vals])
        return super().write(vals)

    @api.model_create_multi
    def create(self, vals_list):
        check_number_vals(self, vals_list)
        companies = super().create(vals_list)
        companies._loyalty_create_levels()
        return companies
