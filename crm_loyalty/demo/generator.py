# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Demo data: a professional-services firm with three years of customers.

Loaded once, at install with demo data (``demo/crm_loyalty_demo.xml``). The
set is deterministic (``random.Random(SEED)``); dates are relative to today so
the pyramid is always populated. The customers behave as the lifetime-value
models expect real ones to (BG/NBD, Gamma-Gamma): each is won on its own day,
buys at its own rate, may leave after any purchase and spends around its own
Pareto-skewed mean, so that:

* about 100 customers bought in the last 12 months -> Top / Big / Medium / Small,
  some of the larger ones silent for months -> at risk;
* those who left -> Inactive, with a low P(alive), and churn in the monthly KPIs;
* never invoiced customers with an open opportunity or a draft quotation
  -> Prospect;
* known companies without any activity -> Suspect.

Three salespeople share the customers, each level has a customer team, the
customers pay on time, a little late, late or hardly (payment grades A to D),
some have a spend estimate, and the salespeople have visits done, cancelled
and planned (``generator_people.py``).

Products carry a cost (``standard_price``) and customers get different price
levels, so gross margins range from comfortable to loss-making; a few credit
notes are included.
"""

import logging
import random
import time

from dateutil.relativedelta import relativedelta

from odoo import Command, fields

from .generator_people import LoyaltyDemoPeople

_logger = logging.getLogger(__name__)

SEED = 20260101
XMLID_PREFIX = "crm_loyalty.demo_"
HISTORY_MONTHS = 13  # the 12 KPI months of the demo each start on a known level
MARKER_XMLID = "crm_loyalty.demo_product_audit"

# code, name, list price, cost (standard_price)
PRODUCTS = [
    ("audit", "Statutory Audit (hour)", 180.0, 95.0),
    ("tax", "Tax Advisory (hour)", 220.0, 105.0),
    ("consulting", "Management Consulting (day)", 1600.0, 880.0),
    ("bookkeeping", "Bookkeeping Package (month)", 800.0, 560.0),
    ("payroll", "Payroll Processing (month)", 300.0, 255.0),
    ("software", "Accounting Software Licence", 1200.0, 1080.0),
]

LIST_PRICES = {code: price for code, _name, price, _cost in PRODUCTS}

# customer profiles: product mix (weights) and price factor range on the list price
PROFILES = {
    "audit": ({"audit": 6, "tax": 3, "consulting": 1}, (0.85, 1.05)),
    "advisory": ({"consulting": 5, "tax": 3, "audit": 1}, (0.80, 1.05)),
    "outsourcing": ({"bookkeeping": 5, "payroll": 4, "tax": 1}, (0.88, 1.05)),
    "reseller": ({"software": 6, "bookkeeping": 1, "payroll": 2}, (0.88, 1.0)),
    # heavy discounts: the loss-making ("junk") customers of the 80/20 analysis
    "discount": ({"payroll": 4, "software": 4, "bookkeeping": 2}, (0.70, 0.85)),
}
PROFILE_WEIGHTS = {"audit": 30, "advisory": 25, "outsourcing": 25, "reseller": 12, "discount": 8}

CITIES_ZH = [
    ("Shanghai", "上海"),
    ("Beijing", "北京"),
    ("Shenzhen", "深圳"),
    ("Guangzhou", "广州"),
    ("Hangzhou", "杭州"),
    ("Suzhou", "苏州"),
    ("Chengdu", "成都"),
    ("Nanjing", "南京"),
    ("Taipei", "台北"),
    ("Xiamen", "厦门"),
]
STEMS_ZH = [
    ("Huaxin", "华信"),
    ("Zhongcheng", "中诚"),
    ("Tianhe", "天和"),
    ("Hengtai", "恒泰"),
    ("Jinqiao", "金桥"),
    ("Dingsheng", "鼎盛"),
    ("Ruifeng", "瑞丰"),
    ("Xinda", "信达"),
    ("Yongan", "永安"),
    ("Hongyuan", "宏远"),
    ("Boya", "博雅"),
    ("Lianhe", "联合"),
    ("Kaiyuan", "开元"),
    ("Mingde", "明德"),
]
KINDS_ZH = [
    ("Certified Public Accountants", "会计师事务所"),
    ("Management Consulting Co., Ltd.", "管理咨询有限公司"),
    ("Tax Advisory Co., Ltd.", "税务师事务所有限公司"),
    ("Trading Co., Ltd.", "贸易有限公司"),
    ("Technology Co., Ltd.", "科技有限公司"),
    ("Manufacturing Co., Ltd.", "制造有限公司"),
    ("Logistics Co., Ltd.", "物流有限公司"),
]
STEMS_EN = [
    "Northwind",
    "Bluestone",
    "Harbor",
    "Redwood",
    "Summit",
    "Silverline",
    "Greenfield",
    "Oakridge",
    "Brightpath",
    "Ironbridge",
    "Lakeside",
    "Crescent",
    "Pioneer",
    "Meridian",
    "Keystone",
    "Riverbend",
    "Westgate",
    "Falcon",
    "Evergreen",
    "Granite",
]
KINDS_EN = [
    "Consulting Group",
    "Accounting Services",
    "Industries",
    "Logistics",
    "Retail Ltd",
    "Engineering",
    "Healthcare",
    "Software",
    "Foods",
    "Holdings",
]
FIRST_NAMES = [
    "Li Wei",
    "Wang Fang",
    "Zhang Min",
    "Liu Yang",
    "Chen Jing",
    "Yang Lei",
    "Zhao Qiang",
    "Huang Li",
    "Emma Clark",
    "Noah Turner",
    "Olivia Baker",
    "Liam Hughes",
    "Sophia Reed",
    "Mason Price",
    "Ava Morgan",
    "Lucas Bennett",
]
OPPORTUNITIES = ["Annual audit", "Tax review", "ERP advisory", "Payroll outsourcing", "Due diligence"]
FUNCTIONS = ["CFO", "Finance Manager", "Chief Accountant", "Purchasing Manager", "CEO", "Office Manager"]

# the customers' segments (base's industries, by xml id, and weights): a professional-services firm's clients
INDUSTRIES = [("C", 5), ("F", 2), ("G", 4), ("J", 3), ("K", 2), ("M", 3), ("Q", 1)]

PHONE_PREFIXES = {"CN": "+86 21", "TW": "+886 2", "US": "+1 555", "GB": "+44 20"}

# segment sizes of the generated set: the customers who bought at some time (active or inactive now, as they
# behaved), prospects and suspects
N_BUYERS = 170
N_PROSPECT = 6
N_SUSPECT = 6

# how the customers buy (the assumptions of BG/NBD and Gamma-Gamma): purchases per year ~ Gamma(shape, rate),
# the chance to leave after each purchase ~ Beta(a, b), a mean spend per purchase ~ Pareto(scale, shape) capped,
# each purchase around that mean ~ Gamma(shape, mean / shape); won over the last YEARS years
PURCHASE_RATE = (2.2, 0.45)
DROPOUT = (1.0, 7.0)
SPEND = (1000.0, 1.8, 120_000.0)
SPEND_SHAPE = 2.0
YEARS = 3


class LoyaltyDemo(LoyaltyDemoPeople):
    """The demo generator: a plain class, not an Odoo model (nothing registered in production databases).
    Called by the module's post-init hook when it is installed with demo data, and by its uninstall hook."""

    def __init__(self, env):
        self.env = env(
            su=True,
            context=dict(
                env.context,
                tracking_disable=True,
                mail_create_nolog=True,
                mail_create_nosubscribe=True,
                mail_notrack=True,
                mail_auto_subscribe_no_notify=True,
            ),
        )

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    def _demo_xmlids(self, records, name):
        """Give ``records`` xml ids ``crm_loyalty.demo_<name>_<n>`` (removed with the module)."""
        self.env["ir.model.data"]._update_xmlids(
            [
                {"xml_id": f"{XMLID_PREFIX}{name}_{index:03d}", "record": record, "noupdate": True}
                for index, record in enumerate(records, start=1)
            ]
        )

    def _demo_ensure_chart(self, company):
        """The company needs a chart of accounts (income account, sale journal)."""
        journal = self.env["account.journal"].search(
            [("type", "=", "sale"), *self.env["account.journal"]._check_company_domain(company)], limit=1
        )
        if company.chart_template and journal and journal.default_account_id:
            return journal
        _logger.info("Loading the generic chart of accounts for the demo company %s", company.name)
        self.env["account.chart.template"].try_loading("generic_coa", company=company, install_demo=False)
        return self.env["account.journal"].search(
            [("type", "=", "sale"), *self.env["account.journal"]._check_company_domain(company)], limit=1
        )

    def _demo_names(self, rng, count):
        """``count`` unique company names, about half Chinese professional-service style."""
        names = []
        seen = set()
        while len(names) < count:
            if rng.random() < 0.5:
                (city, city_zh), (stem, stem_zh), (kind, kind_zh) = (
                    rng.choice(CITIES_ZH),
                    rng.choice(STEMS_ZH),
                    rng.choice(KINDS_ZH),
                )
                name = f"{city} {stem} {kind} ({city_zh}{stem_zh}{kind_zh})"
                key = (city, stem)
            else:
                stem, kind = rng.choice(STEMS_EN), rng.choice(KINDS_EN)
                name = f"{stem} {kind}"
                key = stem, kind
            if key in seen:
                continue
            seen.add(key)
            names.append(name)
        return names

    def _demo_products(self):
        """Services with a cost; ``standard_price`` is stored for the current (demo) company."""
        Product = self.env["product.product"]
        products = Product.create(
            [
                {
                    "name": name,
                    "type": "service",
                    "list_price": price,
                    "standard_price": cost,
                    "sale_ok": True,
                    "purchase_ok": False,
                    "invoice_policy": "order",
                    "company_id": False,
                }
                for _code, name, price, cost in PRODUCTS
            ]
        )
        self.env["ir.model.data"]._update_xmlids(
            [
                {"xml_id": f"{XMLID_PREFIX}product_{code}", "record": product.product_tmpl_id, "noupdate": True}
                for product, (code, *_rest) in zip(products, PRODUCTS, strict=True)
            ]
        )
        return {code: product for product, (code, *_rest) in zip(products, PRODUCTS, strict=True)}

    def _demo_partners(self, rng, company):
        """Create the companies and some child contacts; returns the companies by segment."""
        total = N_BUYERS + N_PROSPECT + N_SUSPECT
        names = self._demo_names(rng, total)
        countries = {code: self.env.ref(f"base.{code}", raise_if_not_found=False) for code in ("cn", "tw", "us", "gb")}
        vals_list = []
        for name in names:
            if "(" in name:
                country = countries["tw"] if name.startswith(("Taipei",)) else countries["cn"]
                city = name.split(" ", 1)[0]
            else:
                country = rng.choice([countries["us"], countries["us"], countries["gb"]])
                city = False
            vals_list.append(
                {
                    "name": name,
                    "is_company": True,
                    "city": city,
                    "country_id": country.id if country else False,
                    "email": "info@{}.example.com".format(
                        "".join(ch for ch in name.split("(")[0].lower() if ch.isalnum())[:24]
                    ),
                    "phone": f"{PHONE_PREFIXES.get(country.code if country else False, '+1 555')} "
                    f"{rng.randint(1000, 9999)} {rng.randint(1000, 9999)}",
                }
            )
        partners = self.env["res.partner"].create(vals_list)
        self._demo_xmlids(partners, "partner")
        self._demo_segments(partners)
        contact_vals = []
        for partner in partners:
            for _index in range(rng.choice([0, 0, 1, 1, 2, 3])):
                contact_vals.append(
                    {
                        "name": rng.choice(FIRST_NAMES),
                        "parent_id": partner.id,
                        "type": "contact",
                        "function": rng.choice(FUNCTIONS),
                    }
                )
        contacts = self.env["res.partner"].create(contact_vals)
        self._demo_xmlids(contacts, "contact")
        order = list(partners)
        rng.shuffle(order)
        segments = {}
        start = 0
        for segment, size in (("buyers", N_BUYERS), ("prospect", N_PROSPECT), ("suspect", N_SUSPECT)):
            segments[segment] = order[start : start + size]
            start += size
        return segments

    def _demo_segments(self, partners):
        """An industry for nine customers in ten and an employee count for two in three (the size band), drawn
        from a generator of their own so that the invoices stay those of the seed."""
        rng = random.Random(SEED + 1)
        industries = [
            (self.env.ref(f"base.res_partner_industry_{code}", raise_if_not_found=False), weight)
            for code, weight in INDUSTRIES
        ]
        industries = [(industry, weight) for industry, weight in industries if industry]
        for partner in partners:
            vals = {}
            if industries and rng.random() < 0.9:
                vals["industry_id"] = rng.choices(
                    [industry.id for industry, _weight in industries], [weight for _industry, weight in industries]
                )[0]
            if rng.random() < 2 / 3:
                vals["loyalty_employee_count"] = round(10 ** rng.uniform(0.7, 3.7))  # 5 to 5,000, log-uniform
            if vals:
                partner.write(vals)

    def _demo_purchases(self, rng, today):
        """One customer's purchases ``[(date, amount)]``: won on a day of the last :data:`YEARS` years (more of
        them long ago), buying at its own rate, leaving after a purchase with its own chance, spending around its
        own mean (the BG/NBD and Gamma-Gamma processes)."""
        start = today - relativedelta(years=YEARS)
        day = start + relativedelta(days=int(rng.random() ** 1.3 * (today - start).days))
        rate = rng.gammavariate(PURCHASE_RATE[0], 1 / PURCHASE_RATE[1])
        dropout = rng.betavariate(*DROPOUT)
        scale, shape, cap = SPEND
        mean = min(scale * rng.paretovariate(shape), cap)
        purchases = []
        while day <= today:
            purchases.append((day, mean * rng.gammavariate(SPEND_SHAPE, 1 / SPEND_SHAPE)))
            if rng.random() < dropout:
                break  # the customer leaves
            day += relativedelta(days=max(1, int(rng.expovariate(rate) * 365)))
        return purchases

    def _demo_invoice_plan(self, rng, segments, today):
        """Invoice specs: (partner, date, move_type, [(product_code, quantity, price_factor)])."""
        profile_names = list(PROFILE_WEIGHTS)
        profile_weights = [PROFILE_WEIGHTS[name] for name in profile_names]
        specs = []

        def invoice_lines(profile, amount):
            mix, (low, high) = PROFILES[profile]
            codes = list(mix)
            weights = [mix[code] for code in codes]
            lines = []
            count = rng.choice([1, 1, 1, 2, 2, 3])
            for _index in range(count):
                code = rng.choices(codes, weights)[0]
                factor = round(rng.uniform(low, high), 2)
                # quantities by half units (hours, days, months)
                quantity = max(1.0, round(amount / count / (LIST_PRICES[code] * factor) * 2) / 2)
                lines.append((code, quantity, factor))
            return lines

        for partner in segments["buyers"]:
            profile = rng.choices(profile_names, profile_weights)[0]
            for date, amount in self._demo_purchases(rng, today):
                specs.append((partner, date, "out_invoice", invoice_lines(profile, amount)))

        # credit notes: a partial refund of about 3% of the invoices
        refunds = []
        for partner, date, _move_type, lines in specs:
            if rng.random() < 0.03:
                code, quantity, factor = lines[0]
                refund_date = min(today, date + relativedelta(days=rng.randint(5, 40)))
                refunds.append(
                    (partner, refund_date, "out_refund", [(code, max(0.5, round(quantity / 4 * 2) / 2), factor)])
                )
        specs.extend(refunds)
        specs.sort(key=lambda spec: (spec[1], spec[0].id))
        return specs

    def _demo_invoices(self, rng, company, journal, products, segments, today):
        specs = self._demo_invoice_plan(rng, segments, today)
        contacts_by_partner = {partner: partner.child_ids for partner in segments["buyers"]}
        term = self.env.ref("account.account_payment_term_30days", raise_if_not_found=False)
        vals_list = []
        for partner, date, move_type, lines in specs:
            children = contacts_by_partner.get(partner)
            # sometimes invoice a contact person: the pyramid rolls it up to the company
            invoice_partner = rng.choice(children) if children and rng.random() < 0.3 else partner
            vals_list.append(
                {
                    "move_type": move_type,
                    "partner_id": invoice_partner.id,
                    "invoice_date": date,
                    "journal_id": journal.id,
                    "company_id": company.id,
                    "invoice_user_id": partner.user_id.id,
                    "invoice_payment_term_id": term.id if term and move_type == "out_invoice" else False,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "product_id": products[code].id,
                                "quantity": quantity,
                                "price_unit": round(products[code].lst_price * factor, 2),
                            }
                        )
                        for code, quantity, factor in lines
                    ],
                }
            )
        Move = self.env["account.move"].with_company(company)
        moves = Move.create(vals_list)
        moves.action_post()
        return moves

    def _demo_pipeline(self, rng, company, products, segments):
        """Open opportunities for the prospects (and some active customers), draft quotations for others."""
        prospects = segments["prospect"]
        with_lead = prospects[: len(prospects) // 2]
        with_quote = prospects[len(prospects) // 2 :]
        lead_partners = with_lead + rng.sample(segments["buyers"], 8)
        leads = self.env["crm.lead"].create(
            [
                {
                    "name": f"{rng.choice(OPPORTUNITIES)} - {partner.name.split('(')[0].strip()}",
                    "type": "opportunity",
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "expected_revenue": rng.choice([5000, 12000, 25000, 60000]),
                    "user_id": partner.user_id.id,
                    "probability": rng.choice([10, 20, 40, 60]),
                }
                for partner in lead_partners
            ]
        )
        self._demo_xmlids(leads, "lead")
        codes = list(products)
        orders = (
            self.env["sale.order"]
            .with_company(company)
            .create(
                [
                    {
                        "partner_id": partner.id,
                        "company_id": company.id,
                        "user_id": partner.user_id.id,
                        "order_line": [
                            Command.create(
                                {"product_id": products[code].id, "product_uom_qty": rng.choice([5, 10, 20, 40])}
                            )
                            for code in rng.sample(codes, 2)
                        ],
                    }
                    for partner in with_quote
                ]
            )
        )
        self._demo_xmlids(orders, "quotation")
        return leads, orders

    # ------------------------------------------------------------------
    # Entry point
    # ------------------------------------------------------------------

    def generate(self):
        """Create the demo customers, invoices and pipeline, then compute the pyramid with its history
        rebuilt from the invoices (the path of a first installation) and the analyses."""
        if self.env.ref(MARKER_XMLID, raise_if_not_found=False):
            _logger.info("Customer loyalty demo data already present, nothing to do")
            return True
        started = time.perf_counter()
        company = self.env.ref("base.main_company")
        self.env = self.env(context=dict(self.env.context, allowed_company_ids=[company.id]))
        rng = random.Random(SEED)
        today = fields.Date.context_today(self.env["res.partner"])
        journal = self._demo_ensure_chart(company)
        products = self._demo_products()
        segments = self._demo_partners(rng, company)
        # the people and their habits draw from generators of their own: the invoices stay those of the seed
        people = random.Random(SEED + 2)
        salespeople = self._demo_salespeople(company)
        self._demo_assign(people, segments, salespeople)
        moves = self._demo_invoices(rng, company, journal, products, segments, today)
        payments = self._demo_payments(people, moves, today)
        leads, orders = self._demo_pipeline(rng, company, products, segments)
        self._demo_teams(company, salespeople)
        self._demo_wallets(people, segments, today)
        _logger.info(
            "Customer loyalty demo: %s customers, %s posted invoices / credit notes, %s payments, %s opportunities, "
            "%s quotations in %.1fs",
            sum(len(partners) for partners in segments.values()),
            len(moves),
            payments,
            len(leads),
            len(orders),
            time.perf_counter() - started,
        )
        # the first computation of an installation, here at once: the pyramid and 13 months of history
        self.env["res.partner"].with_context(loyalty_trigger="install").loyalty_recompute(
            company, history_months=HISTORY_MONTHS
        )
        self._demo_visits(people, company, today)
        self._demo_analysis(company, today)
        return True

    def remove(self):
        """Remove the business data of the demo before its partners and products go with their xml ids
        (at uninstall): the invoices and credit notes (reset to draft, then deleted), quotations and
        opportunities of the demo customers. Without this, the uninstall fails to delete the partners and
        products the invoices still point to, logs the foreign-key errors, and leaves them behind."""
        self._demo_remove_people()
        data = self.env["ir.model.data"].search([("module", "=", "crm_loyalty"), ("name", "=like", "demo\\_%")])
        partner_ids = [row.res_id for row in data if row.model == "res.partner"]
        if not partner_ids:
            return
        env = self.env(context=dict(self.env.context, active_test=False))
        partners = env["res.partner"].browse(partner_ids).exists()
        customers = partners.commercial_partner_id
        moves = env["account.move"].search(
            [("commercial_partner_id", "in", customers.ids), ("move_type", "in", ("out_invoice", "out_refund"))]
        )
        # the payments first: a reconciled invoice cannot return to draft
        payments = moves.line_ids.matched_credit_ids.credit_move_id.move_id.origin_payment_id
        payments.filtered(lambda payment: payment.state != "draft").action_draft()
        payments.unlink()
        moves.filtered(lambda move: move.state == "posted").button_draft()
        moves.unlink()
        orders = env["sale.order"].search([("partner_id", "in", partners.ids)])
        orders.filtered(lambda order: order.state not in ("draft", "cancel"))._action_cancel()
        orders.unlink()
        env["crm.lead"].search([("partner_id", "in", partners.ids)]).unlink()
        _logger.info(
            "Customer loyalty demo data removed: %s invoices / credit notes, %s quotations", len(moves), len(orders)
        )

    def _demo_analysis(self, company, today):
        """Monthly KPIs, annual plans, the economics of the last 12 months with a scenario, a migration."""
        for back in range(12, 0, -1):
            self.env["crm.loyalty.kpi"]._compute_month(today - relativedelta(months=back), company)
        salespeople = self.env["res.partner"].search([("user_id", "!=", False)]).user_id
        self.env["crm.loyalty.target"].create(
            [
                {
                    "year": today.year,
                    "user_id": user.id,
                    "company_id": company.id,
                    "target_new_customers": 6,
                    "target_new_revenue": 60000.0,
                }
                for user in salespeople
            ]
        )
        economics = self.env["crm.loyalty.workbook"]._loyalty_default_economics(company)
        economics.write({"marketing_cost": 20000.0, "sales_cost": 45000.0, "allocation_rule": "revenue"})
        economics.action_compute()
        levels = {line.level_id.code: line for line in economics.line_ids}
        if levels.get("medium") and levels.get("big") and levels["medium"].customers >= 3:
            self.env["crm.loyalty.scenario"].create(
                {
                    "name": self.env._("Develop 3 Medium customers into Big ones"),
                    "economics_id": economics.id,
                    "line_ids": [
                        Command.create(
                            {
                                "from_level_id": levels["medium"].level_id.id,
                                "to_level_id": levels["big"].level_id.id,
                                "count": 3,
                            }
                        )
                    ],
                }
            )
        self.env["crm.loyalty.migration"].create(
            {"company_id": company.id, "date_a": today - relativedelta(years=1), "date_b": today}
        ).action_compute()
