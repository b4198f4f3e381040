# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The benchmarks' synthetic data set (imported by bench_recompute.py and bench_background.py).

1. creates the database and installs crm_loyalty without demo data when needed
   (subprocess ``python3 -m odoo ... -i crm_loyalty --without-demo=all --stop-after-init``);
2. generates ``--customers`` customer companies and ``--lines`` posted invoice
   product lines (about 3 per move, ~5% credit notes, three years up to today,
   Pareto-skewed amounts, products with a cost) with set-based SQL
   (``INSERT ... SELECT generate_series``), plus the receivable line of every
   move, open opportunities and draft quotations for the prospects;
   ``--reuse`` keeps the data already generated with the same parameters.

Segments: 75% active (an invoice in the last 12 months), 15% inactive (invoices
only 13 to 36 months ago), 3% prospects (open opportunity or draft quotation,
never invoiced), 7% suspects (nothing).

Generating data for an existing database whose data has other parameters drops
and recreates that database: only use a database dedicated to the benchmark.
"""

import json
import os
import resource
import subprocess
import sys
import time

REPO_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PARAM_KEY = "crm_loyalty.bench_dataset"

# name, list price, cost (standard_price)
PRODUCTS = [
    ("Bench Audit (hour)", 180.0, 95.0),
    ("Bench Tax Advisory (hour)", 220.0, 105.0),
    ("Bench Consulting (day)", 1600.0, 880.0),
    ("Bench Bookkeeping (month)", 800.0, 560.0),
    ("Bench Payroll (month)", 300.0, 255.0),
    ("Bench Software Licence", 1200.0, 1080.0),
]
SEGMENTS = (("active", 0.75), ("inactive", 0.15), ("prospect", 0.03), ("suspect", 0.07))
LINES_PER_MOVE_MAX = 5  # 1..5 product lines per move, 3 on average
REFUND_SHARE = 0.05


def log(message, *args):
    print(f"[bench] {message % args if args else message}", flush=True)


def best(function, repeat=3):
    """The best of ``repeat`` timings of ``function()`` and its last result."""
    timings, result = [], None
    for _repeat in range(repeat):
        started = time.perf_counter()
        result = function()
        timings.append(time.perf_counter() - started)
    return min(timings), result


def peak_rss_mb():
    # Linux: ru_maxrss is in kilobytes
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def odoo_args(args):
    """Command line options given both to the install subprocess and to parse_config."""
    import odoo

    options = []
    if args.config:
        options += ["-c", args.config]
    addons_path = args.addons_path
    if not addons_path and not args.config:
        source_addons = os.path.join(os.path.dirname(os.path.dirname(odoo.__file__)), "addons")
        addons_path = ",".join(p for p in (source_addons, REPO_DIR) if os.path.isdir(p))
    if addons_path:
        options += ["--addons-path", addons_path]
    return options


# ----------------------------------------------------------------------
# Database
# ----------------------------------------------------------------------


def db_state(db, module="crm_loyalty"):
    """(exists, ``module`` installed, dataset parameters or None)."""
    import odoo.sql_db

    with odoo.sql_db.db_connect("postgres").cursor() as cr:
        cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db])
        if not cr.fetchone():
            return False, False, None
    with odoo.sql_db.db_connect(db).cursor() as cr:
        cr.execute("SELECT to_regclass('ir_module_module') IS NOT NULL")
        if not cr.fetchone()[0]:
            return True, False, None
        cr.execute("SELECT state FROM ir_module_module WHERE name = %s", [module])
        row = cr.fetchone()
        installed = bool(row and row[0] == "installed")
        cr.execute("SELECT value FROM ir_config_parameter WHERE key = %s", [PARAM_KEY])
        row = cr.fetchone()
        return True, installed, json.loads(row[0]) if row else None


def drop_db(db):
    import psycopg2
    from psycopg2 import sql

    import odoo.sql_db

    odoo.sql_db.close_db(db)
    _name, info = odoo.sql_db.connection_info_for("postgres")
    connection = psycopg2.connect(**info)
    try:
        connection.autocommit = True
        with connection.cursor() as cr:
            cr.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(db)))
    finally:
        connection.close()


def install(args, update=False, module="crm_loyalty"):
    command = [
        sys.executable,
        "-m",
        "odoo",
        *odoo_args(args),
        "-d",
        args.db,
        "-u" if update else "-i",
        module,
        "--without-demo=all",
        "--stop-after-init",
        "--log-level=warn",
    ]
    log("%s %s without demo data in %s", "updating" if update else "installing", module, args.db)
    started = time.perf_counter()
    result = subprocess.run(command, cwd=REPO_DIR, capture_output=True, text=True)
    if result.returncode:
        sys.stderr.write(result.stdout[-5000:] + result.stderr[-5000:])
        sys.exit(f"installing {module} into {args.db} failed")
    log("installed in %.1fs", time.perf_counter() - started)


# ----------------------------------------------------------------------
# Data generation
# ----------------------------------------------------------------------


def setup_records(env):
    """ORM part: company, journal, accounts, products (a handful of records)."""
    company = env.ref("base.main_company")
    Journal = env["account.journal"].with_company(company)
    journal = Journal.search([("code", "=", "BNCH"), ("company_id", "=", company.id)], limit=1)
    if not journal:
        journal = Journal.create(
            {
                "name": "Benchmark Invoices",
                "code": "BNCH",
                "type": "sale",
                "company_id": company.id,
                "refund_sequence": True,
            }
        )
    income = journal.default_account_id or env["account.account"].search(
        [("account_type", "=", "income"), *env["account.account"]._check_company_domain(company)], limit=1
    )
    receivable = env["account.account"].search(
        [("account_type", "=", "asset_receivable"), *env["account.account"]._check_company_domain(company)],
        limit=1,
    )
    if not (income and receivable):
        sys.exit("the main company has no chart of accounts (no income or receivable account)")
    Product = env["product.product"].with_company(company)
    products = Product.search([("default_code", "=like", "BENCH-%")], order="default_code")
    if len(products) != len(PRODUCTS):
        products = Product.create(
            [
                {
                    "name": name,
                    "default_code": f"BENCH-{index}",
                    "type": "service",
                    "list_price": price,
                    "standard_price": cost,
                    "taxes_id": [(5, 0, 0)],
                }
                for index, (name, price, cost) in enumerate(PRODUCTS, start=1)
            ]
        )
    stage = env["crm.stage"].search([], order="sequence, id", limit=1)
    env.flush_all()
    return {
        "company": company,
        "journal": journal,
        "income": income,
        "receivable": receivable,
        "products": products,
        "stage": stage,
    }


GENERATION_SQL = [
    (
        "customers",
        """
        CREATE TEMP TABLE bench_p ON COMMIT DROP AS
        SELECT g AS idx,
               nextval('res_partner_id_seq')::int AS partner_id,
               CASE WHEN g <= %(n_active)s THEN 'active'
                    WHEN g <= %(n_invoiced)s THEN 'inactive'
                    WHEN g <= %(n_invoiced)s + %(n_prospect)s THEN 'prospect'
                    ELSE 'suspect' END AS segment,
               -- Pareto (alpha 1.16, the 80/20 rule) size of the customer
               LEAST(power(1.0 - random(), -1.0 / 1.16), 2000.0) AS scale,
               -- price level on the list price: most normal, some discounted, a few loss-making
               CASE WHEN r < 0.80 THEN 0.90 + 0.25 * random()
                    WHEN r < 0.92 THEN 0.75 + 0.15 * random()
                    ELSE 0.55 + 0.20 * random() END AS price_factor
          FROM (SELECT g, random() AS r FROM generate_series(1, %(customers)s) g) s
      ORDER BY g;

        INSERT INTO res_partner (id, commercial_partner_id, name, complete_name, commercial_company_name, ref,
                                 is_company, active, type, lang, email, partner_share, customer_rank,
                                 supplier_rank, autopost_bills, color, create_uid, create_date, write_uid,
                                 write_date)
        SELECT p.partner_id, p.partner_id, n.name, n.name, n.name, 'BENCH-' || p.idx,
               true, true, 'contact', 'en_US', 'customer' || p.idx || '@bench.example.com', true,
               CASE WHEN p.segment IN ('active', 'inactive') THEN 1 ELSE 0 END,
               0, 'ask', 0, 1, %(now)s, 1, %(now)s
          FROM bench_p p,
               LATERAL (SELECT 'Bench Customer ' || lpad(p.idx::text, 7, '0') AS name) n;
        """,
    ),
    (
        "moves plan",
        """
        CREATE TEMP TABLE bench_m ON COMMIT DROP AS
        WITH base AS (
            SELECT k,
                   -- one move for each invoiced customer, the others skewed towards the first customers
                   CASE WHEN k <= %(n_invoiced)s THEN k
                        ELSE 1 + floor(%(n_invoiced)s * power(random(), 2.0))::int END AS pidx,
                   random() AS r_date,
                   random() AS r_type,
                   1 + floor(random() * %(max_lines)s)::int AS n_lines
              FROM generate_series(1, %(n_moves)s) k
        )
        SELECT base.k, p.idx AS pidx, p.partner_id, p.scale, p.price_factor,
               CASE WHEN base.k > %(n_invoiced)s AND base.r_type < %(refund_share)s
                    THEN 'out_refund' ELSE 'out_invoice' END AS move_type,
               CASE WHEN p.segment = 'inactive'  -- 13 to 36 months ago
                        THEN %(today)s::date - (400 + floor(base.r_date * 695))::int
                    WHEN base.k <= %(n_invoiced)s  -- the last 12 months
                        THEN %(today)s::date - floor(base.r_date * 360)::int
                    ELSE %(today)s::date - floor(base.r_date * 1095)::int END AS invoice_date,
               base.n_lines,
               sum(base.n_lines) OVER (ORDER BY base.k) AS cum_lines
          FROM base
          JOIN bench_p p ON p.idx = base.pidx;

        -- exactly %(lines)s product lines
        DELETE FROM bench_m WHERE cum_lines - n_lines >= %(lines)s;
        UPDATE bench_m SET n_lines = %(lines)s - (cum_lines - n_lines) WHERE cum_lines > %(lines)s;

        ALTER TABLE bench_m ADD COLUMN move_id integer, ADD COLUMN seq integer;
        UPDATE bench_m m
           SET move_id = nextval('account_move_id_seq'),
               seq = s.seq
          FROM (SELECT k, row_number() OVER (PARTITION BY move_type, extract(year FROM invoice_date)
                                                 ORDER BY invoice_date, k) AS seq
                  FROM bench_m) s
         WHERE s.k = m.k;
        """,
    ),
    (
        "lines plan",
        """
        CREATE TEMP TABLE bench_l ON COMMIT DROP AS
        SELECT l.move_id, l.n, l.product_id, l.uom_id, l.product_name, l.quantity, l.price_unit,
               round(l.quantity * l.price_unit, 2) AS subtotal
          FROM (
            SELECT m.move_id, s.n, pr.product_id, pr.uom_id, pr.product_name,
                   -- a line is worth about 400 x the customer's size, refunds a quarter of that
                   GREATEST(1.0, round((m.scale * (0.3 + 1.4 * random()) * 400.0
                                        / pr.list_price
                                        * CASE WHEN m.move_type = 'out_refund' THEN 0.25 ELSE 1 END
                                       )::numeric, 1)) AS quantity,
                   round((pr.list_price * m.price_factor * (0.95 + 0.1 * random()))::numeric, 2) AS price_unit
              FROM bench_m m
             CROSS JOIN LATERAL generate_series(1, m.n_lines) s(n)
              -- product of the line: a hash of (move, line number), stable for a given move
              JOIN bench_products pr
                ON pr.i = 1 + ((hashint4(m.move_id * 8 + s.n)::bigint %% %(n_products)s) + %(n_products)s)
                              %% %(n_products)s
          ) l;

        CREATE TEMP TABLE bench_mt ON COMMIT DROP AS
        SELECT move_id, sum(subtotal) AS total FROM bench_l GROUP BY move_id;
        CREATE UNIQUE INDEX ON bench_mt (move_id);
        ANALYZE bench_m;
        ANALYZE bench_mt;
        """,
    ),
    (
        "account_move",
        """
        INSERT INTO account_move (
            id, journal_id, company_id, currency_id, state, move_type, auto_post, date, invoice_date,
            invoice_date_due, partner_id, commercial_partner_id, name, sequence_prefix, sequence_number,
            payment_state, amount_untaxed, amount_tax, amount_total, amount_residual,
            amount_untaxed_signed, amount_untaxed_in_currency_signed, amount_tax_signed,
            amount_total_signed, amount_total_in_currency_signed, amount_residual_signed,
            invoice_currency_rate, invoice_partner_display_name, payment_reference, posted_before, checked,
            made_sequence_gap, is_storno, always_tax_exigible, is_move_sent, is_manually_modified,
            create_uid, create_date, write_uid, write_date)
        SELECT m.move_id, %(journal)s, %(company)s, %(currency)s, 'posted', m.move_type, 'no',
               m.invoice_date, m.invoice_date, m.invoice_date + 30, m.partner_id, m.partner_id,
               x.prefix || lpad(m.seq::text, greatest(6, length(m.seq::text)), '0'), x.prefix, m.seq,
               'not_paid', t.total, 0, t.total, t.total,
               x.sign * t.total, x.sign * t.total, 0, x.sign * t.total, x.sign * t.total, x.sign * t.total,
               1.0, 'Bench Customer ' || lpad(m.pidx::text, 7, '0'),
               x.prefix || lpad(m.seq::text, greatest(6, length(m.seq::text)), '0'), true, true,
               false, false, false, false, false,
               1, %(now)s, 1, %(now)s
          FROM bench_m m
          JOIN bench_mt t ON t.move_id = m.move_id
         CROSS JOIN LATERAL (
               SELECT CASE WHEN m.move_type = 'out_refund' THEN 'R' ELSE '' END
                      || %(code)s || '/' || extract(year FROM m.invoice_date)::int || '/' AS prefix,
                      CASE WHEN m.move_type = 'out_refund' THEN -1 ELSE 1 END AS sign
         ) x;
        """,
    ),
    (
        "account_move_line",
        """
        -- product lines: credit for invoices, debit for credit notes
        INSERT INTO account_move_line (
            move_id, journal_id, company_id, company_currency_id, currency_id, sequence, account_id,
            partner_id, product_id, product_uom_id, move_name, parent_state, name, display_type, date,
            invoice_date, debit, credit, balance, amount_currency, quantity, price_unit, price_subtotal,
            price_total, discount, tax_base_amount, amount_residual, amount_residual_currency,
            discount_amount_currency, discount_balance, reconciled, is_imported, tax_tag_invert,
            is_downpayment, create_uid, create_date, write_uid, write_date)
        SELECT l.move_id, %(journal)s, %(company)s, %(currency)s, %(currency)s, 9 + l.n, %(income)s,
               mv.partner_id, l.product_id, l.uom_id, mv.name, 'posted', l.product_name, 'product', mv.date,
               mv.invoice_date,
               CASE WHEN x.sign < 0 THEN l.subtotal ELSE 0 END,
               CASE WHEN x.sign > 0 THEN l.subtotal ELSE 0 END,
               -x.sign * l.subtotal, -x.sign * l.subtotal, l.quantity, l.price_unit, l.subtotal,
               l.subtotal, 0, 0, 0, 0,
               0, 0, false, false, x.sign > 0,
               false, 1, %(now)s, 1, %(now)s
          FROM bench_l l
          JOIN account_move mv ON mv.id = l.move_id
         CROSS JOIN LATERAL (SELECT CASE WHEN mv.move_type = 'out_refund' THEN -1 ELSE 1 END AS sign) x;

        -- receivable (payment term) line of every move
        INSERT INTO account_move_line (
            move_id, journal_id, company_id, company_currency_id, currency_id, sequence, account_id,
            partner_id, move_name, parent_state, name, display_type, date, invoice_date, date_maturity,
            debit, credit, balance, amount_currency, quantity, price_unit, price_subtotal, price_total,
            discount, tax_base_amount, amount_residual, amount_residual_currency, discount_amount_currency,
            discount_balance, reconciled, is_imported, tax_tag_invert, is_downpayment,
            create_uid, create_date, write_uid, write_date)
        SELECT mv.id, %(journal)s, %(company)s, %(currency)s, %(currency)s, 10000, %(receivable)s,
               mv.partner_id, mv.name, 'posted', mv.name, 'payment_term', mv.date, mv.invoice_date,
               mv.invoice_date_due,
               CASE WHEN mv.move_type = 'out_invoice' THEN mv.amount_total ELSE 0 END,
               CASE WHEN mv.move_type = 'out_refund' THEN mv.amount_total ELSE 0 END,
               mv.amount_total_signed, mv.amount_total_signed, 0, 0, 0, 0,
               0, 0, mv.amount_total_signed, mv.amount_total_signed, 0,
               0, false, false, false, false,
               1, %(now)s, 1, %(now)s
          FROM account_move mv
         WHERE mv.journal_id = %(journal)s;
        """,
    ),
    (
        "pipeline",
        """
        -- open opportunities: every prospect with an odd index and 5%% of the active customers
        INSERT INTO crm_lead (name, type, active, partner_id, company_id, stage_id, probability,
                              expected_revenue, priority, date_open, create_uid, create_date,
                              write_uid, write_date)
        SELECT 'Bench opportunity ' || p.idx, 'opportunity', true, p.partner_id, %(company)s, %(stage)s,
               10 + (p.idx %% 7) * 10, round((1000 * p.scale)::numeric, 2), '1', %(now)s,
               1, %(now)s, 1, %(now)s
          FROM bench_p p
         WHERE (p.segment = 'prospect' AND p.idx %% 2 = 1)
            OR (p.segment = 'active' AND p.idx %% 20 = 0);

        -- draft quotations: the prospects with an even index
        INSERT INTO sale_order (name, state, partner_id, partner_invoice_id, partner_shipping_id, company_id,
                                currency_id, date_order, amount_untaxed, amount_tax, amount_total,
                                create_uid, create_date, write_uid, write_date)
        SELECT 'BENCH-SO' || lpad(p.idx::text, 7, '0'), 'draft', p.partner_id, p.partner_id, p.partner_id,
               %(company)s, %(currency)s, %(now)s, 0, 0, 0, 1, %(now)s, 1, %(now)s
          FROM bench_p p
         WHERE p.segment = 'prospect' AND p.idx %% 2 = 0;
        """,
    ),
    (
        "analyze",
        """
        ANALYZE crm_lead;
        ANALYZE sale_order;
        """,
    ),
]


def vacuum(db, tables=("res_partner", "account_move", "account_move_line")):
    """VACUUM ANALYZE the bulk-loaded tables (outside a transaction), so that the
    timed recomputes neither set hint bits nor race autovacuum on fresh data."""
    import psycopg2

    import odoo.sql_db

    _name, info = odoo.sql_db.connection_info_for(db)
    connection = psycopg2.connect(**info)
    try:
        connection.autocommit = True
        with connection.cursor() as cr:
            for table in tables:
                cr.execute(f"VACUUM (ANALYZE) {table}")
    finally:
        connection.close()


def generate(env, args):
    """Generate the data set with set-based SQL; returns a dict of counts."""
    from odoo import fields

    records = setup_records(env)
    company = records["company"]
    cr = env.cr
    customers = args.customers
    n_active = round(customers * SEGMENTS[0][1])
    n_inactive = round(customers * SEGMENTS[1][1])
    n_prospect = max(1, round(customers * SEGMENTS[2][1]))
    cr.execute("SET LOCAL max_parallel_workers_per_gather = 0")  # random() in one process: reproducible
    if args.no_fk_checks:
        # skips the foreign key triggers during the inserts (PostgreSQL superuser only)
        cr.execute("SET LOCAL session_replication_role = replica")
    cr.execute("SELECT setseed(%s)", [args.seed])
    cr.execute(
        "CREATE TEMP TABLE bench_products (i int, product_id int, uom_id int, product_name varchar, "
        "list_price numeric) ON COMMIT DROP"
    )
    for index, product in enumerate(records["products"], start=1):
        cr.execute(
            "INSERT INTO bench_products VALUES (%s, %s, %s, %s, %s)",
            [index, product.id, product.uom_id.id, product.name, product.list_price],
        )
    params = {
        "customers": customers,
        "lines": args.lines,
        "n_active": n_active,
        "n_invoiced": n_active + n_inactive,
        "n_prospect": n_prospect,
        # enough moves for the lines (3 per move on average); trimmed to exactly --lines
        "n_moves": max(n_active + n_inactive, round(args.lines / 3 * 1.15) + 10),
        "max_lines": LINES_PER_MOVE_MAX,
        "refund_share": REFUND_SHARE,
        "today": fields.Date.context_today(env["res.partner"]),
        "now": fields.Datetime.now(),
        "company": company.id,
        "currency": company.currency_id.id,
        "journal": records["journal"].id,
        "code": records["journal"].code,
        "income": records["income"].id,
        "receivable": records["receivable"].id,
        "stage": records["stage"].id or None,
        "n_products": len(records["products"]),
    }
    for step, sql in GENERATION_SQL:
        started = time.perf_counter()
        cr.execute(sql, params)
        log("  %-18s %6.1fs", step, time.perf_counter() - started)
    env["ir.config_parameter"].set_param(
        PARAM_KEY, json.dumps({"customers": customers, "lines": args.lines, "seed": args.seed})
    )
    env.invalidate_all()
    return dataset_counts(env, records["journal"].id)


def dataset_counts(env, journal_id=None):
    cr = env.cr
    if journal_id is None:
        cr.execute("SELECT id FROM account_journal WHERE code = 'BNCH' LIMIT 1")
        journal_id = cr.fetchone()[0]
    cr.execute("SELECT count(*) FROM res_partner WHERE ref LIKE 'BENCH-%%'")
    partners = cr.fetchone()[0]
    cr.execute(
        "SELECT move_type, count(*) FROM account_move WHERE journal_id = %s GROUP BY move_type ORDER BY 1",
        [journal_id],
    )
    moves = dict(cr.fetchall())
    cr.execute(
        "SELECT display_type, count(*) FROM account_move_line WHERE journal_id = %s GROUP BY 1 ORDER BY 1",
        [journal_id],
    )
    lines = dict(cr.fetchall())
    return {"partners": partners, "moves": moves, "lines": lines}


def add_arguments(parser):
    """The data set's command line options."""
    parser.add_argument("--db", required=True, help="benchmark database (created when missing)")
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--lines", type=int, default=100_000, help="posted invoice product lines")
    parser.add_argument("--config", help="Odoo configuration file")
    parser.add_argument("--addons-path", help="Odoo addons path (default: this checkout + Odoo's addons)")
    parser.add_argument("--reuse", action="store_true", help="skip generation when the db has this data set")
    parser.add_argument(
        "--update", action="store_true", help="with --reuse: update crm_loyalty first (the code changed since)"
    )
    parser.add_argument("--seed", type=float, default=0.42, help="PostgreSQL setseed() value, in [-1, 1]")
    parser.add_argument(
        "--no-fk-checks",
        action="store_true",
        help="generate with session_replication_role=replica (no foreign key checks, about 2x faster "
        "inserts; needs a PostgreSQL superuser)",
    )


def check_arguments(parser, args):
    if args.customers < 10 or args.lines < 1:
        parser.error("--customers must be at least 10 and --lines at least 1")


def prepare(args, module="crm_loyalty"):
    """Install ``module`` (crm_loyalty or a module depending on it) and generate (or reuse) the data set;
    returns ``(registry, counts, generation seconds or None when reused)``. The runs the installation queued
    are deleted: the benchmarks start their own."""
    from odoo import SUPERUSER_ID, api
    from odoo.modules.registry import Registry
    from odoo.tools import config

    config.parse_config([*odoo_args(args), "-d", args.db, "--log-level=warn"])
    wanted = {"customers": args.customers, "lines": args.lines, "seed": args.seed}
    exists, installed, dataset = db_state(args.db, module)
    if exists and dataset and dataset != wanted:
        log("database %s holds another data set (%s): recreating it", args.db, dataset)
        drop_db(args.db)
        exists, installed, dataset = False, False, None
    elif exists and dataset and not args.reuse:
        log("database %s already holds this data set: recreating it (use --reuse to keep it)", args.db)
        drop_db(args.db)
        exists, installed, dataset = False, False, None
    if not installed:
        if exists:
            drop_db(args.db)
        install(args, module=module)
    elif args.update:
        install(args, update=True, module=module)

    registry = Registry(args.db)
    generation_time = None
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        env["crm.loyalty.run"].search([("state", "in", ("queued", "running"))]).unlink()
        if dataset:
            log("reusing the data set in %s: %s", args.db, dataset)
            counts = dataset_counts(env)
        else:
            log("generating %s customers and %s invoice lines", args.customers, args.lines)
            started = time.perf_counter()
            counts = generate(env, args)
            cr.commit()
            step_started = time.perf_counter()
            vacuum(args.db)
            log("  %-18s %6.1fs", "vacuum analyze", time.perf_counter() - step_started)
            generation_time = time.perf_counter() - started
            log("data generated in %.1fs", generation_time)
        cr.commit()
    log("data set: %s", counts)
    return registry, counts, generation_time
