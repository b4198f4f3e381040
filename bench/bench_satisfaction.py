# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""What the helpdesk bridge's satisfaction and complaint figures cost on the benchmark data set
(``dataset.py``, installed with crm_loyalty_helpdesk and OCA's helpdesk), each printed beside its floor,
measured in the same run.

The data set has no tickets: this script generates ``--tickets`` helpdesk tickets (default: one per
customer) with set-based SQL, once, and keeps them (``--reuse`` then reuses them too). They belong to
the invoiced customers, are created over the last 24 months, 85% are closed 1 to 200 hours later, a
quarter are in a complaint category, and 60% of the closed ones have a filled rating (40% 5, 25% 4,
15% 3, 10% 2, 10% 1). A tenth of the customers rated their recent tickets lower than their earlier ones.

* the scores' service figures (tickets, complaints, open tickets, resolution time, satisfaction, its
  recent value and trend, the low-satisfaction alert): *floor* the two plain GROUP BYs per customer they
  come from (the tickets; the filled ratings joined with their tickets), counted in the database, and
  *floor 2* those GROUP BYs plus a plain UPDATE of the nine columns of the scores that have figures; the
  statement writes every score (figures cleared first; compared with floor 2), then again with nothing
  changed (compared with floor);
* a whole synchronous recompute, for scale;
* the Satisfaction Analysis pivot (level x rating grade) and the Complaint Analysis pivot (category x
  level, resolution time, rating), over ``crm.loyalty.ticket.report`` (its latest rating per ticket):
  *floor* a GROUP BY level of the tickets joined with their score and their filled ratings;
* the workbook's Satisfaction and Complaint Analysis sheets, to an in-memory workbook: *floor* that GROUP BY
  once per table of the two sheets (five) and a plain read of the low-satisfaction customers they list.

Use a database of its own (the bridge's figures join every recompute of that database)::

    python3 bench/bench_satisfaction.py --db crm_loyalty_bench_hd_100k --customers 100000 --lines 1000000 --reuse
"""

import argparse
import io
import json
import time

import xlsxwriter
from dataset import add_arguments, best, check_arguments, log, peak_rss_mb, prepare

TICKETS_KEY = "crm_loyalty.bench_tickets"

TICKETS_SQL = """
CREATE TEMP TABLE bench_customer ON COMMIT DROP AS
SELECT row_number() OVER (ORDER BY partner_id) AS idx, partner_id
  FROM crm_loyalty_score
 WHERE company_id = %(company)s AND invoice_count > 0;

CREATE TEMP TABLE bench_ticket ON COMMIT DROP AS
SELECT g AS idx,
       customer.partner_id,
       -- the last 24 months, two thirds in the last 12
       now() - make_interval(days => (CASE WHEN random() < 0.67 THEN random() * 365
                                           ELSE 365 + random() * 365 END)::int,
                             secs => (random() * 86400)::int) AS created,
       random() AS r_closed,
       random() AS r_category,
       random() AS r_rated,
       random() AS r_rating,
       1 + random() * 199 AS hours
  FROM generate_series(1, %(tickets)s) g
  JOIN bench_customer customer
    ON customer.idx = 1 + (g * 7919) %% (SELECT COUNT(*) FROM bench_customer);

INSERT INTO helpdesk_ticket
       (number, name, description, stage_id, partner_id, commercial_partner_id, partner_name, company_id,
        category_id, team_id, priority, kanban_state, active, sequence, color, create_date, write_date,
        last_stage_update, closed_date, rating_status, positive_rate_percentage, create_uid, write_uid)
SELECT 'BENCH-' || idx, 'Bench ticket ' || idx, '<p>Bench ticket</p>',
       CASE WHEN r_closed < 0.85 THEN %(closed_stage)s ELSE %(open_stage)s END,
       partner_id, partner_id, 'Bench customer', %(company)s,
       CASE WHEN r_category < 0.25 THEN %(complaint)s
            WHEN r_category < 0.6 THEN %(question)s ELSE %(installation)s END,
       %(team)s, '1', 'normal', TRUE, 10, 0, created, created,
       created, CASE WHEN r_closed < 0.85 THEN created + make_interval(hours => hours::int) END,
       'stage_change', -1, 1, 1
  FROM bench_ticket;

INSERT INTO rating_rating
       (res_model_id, res_model, res_id, partner_id, rating, rating_text, consumed, access_token, is_internal,
        create_date, write_date, create_uid, write_uid)
SELECT %(ticket_model)s, 'helpdesk.ticket', ticket.id, ticket.commercial_partner_id, grade.rating,
       CASE WHEN grade.rating >= 4 THEN 'top' WHEN grade.rating >= 3 THEN 'ok' ELSE 'ko' END,
       TRUE, md5(ticket.id::text || random()::text), FALSE,
       ticket.closed_date, ticket.closed_date, 1, 1
  FROM helpdesk_ticket ticket
  JOIN bench_ticket bench ON ticket.number = 'BENCH-' || bench.idx
 CROSS JOIN LATERAL (
        SELECT CASE
               -- a tenth of the customers: unhappy with their recent tickets
               WHEN ticket.commercial_partner_id %% 10 = 0 AND ticket.create_date > now() - interval '90 days'
                    THEN 1 + (bench.r_rating * 2)::int
               WHEN bench.r_rating < 0.40 THEN 5 WHEN bench.r_rating < 0.65 THEN 4
               WHEN bench.r_rating < 0.80 THEN 3 WHEN bench.r_rating < 0.90 THEN 2 ELSE 1 END::float AS rating
       ) grade
 WHERE bench.r_closed < 0.85 AND bench.r_rated < 0.6;
"""

SERVICE_FLOOR_SQL = """
SELECT (SELECT COUNT(*) FROM (
            SELECT commercial_partner_id, COUNT(*), MAX(create_date), MAX(closed_date)
              FROM helpdesk_ticket
             WHERE company_id = %(company)s AND active
             GROUP BY 1) tickets),
       (SELECT COUNT(*) FROM (
            SELECT ticket.commercial_partner_id, AVG(rating.rating), COUNT(*)
              FROM rating_rating rating
              JOIN helpdesk_ticket ticket ON rating.res_model = 'helpdesk.ticket' AND ticket.id = rating.res_id
             WHERE rating.consumed AND rating.rating > 0 AND ticket.company_id = %(company)s
             GROUP BY 1) ratings)
"""

REPORT_FLOOR_SQL = """
SELECT score.level_id, COUNT(*), AVG(rating.rating)
  FROM helpdesk_ticket ticket
  JOIN crm_loyalty_score score
    ON score.partner_id = ticket.commercial_partner_id AND score.company_id = ticket.company_id
  LEFT JOIN rating_rating rating
    ON rating.res_model = 'helpdesk.ticket' AND rating.res_id = ticket.id AND rating.consumed
 WHERE ticket.company_id = %(company)s AND ticket.active
 GROUP BY 1
"""

# the sheets' five tables (level and month rated; category, level and month created of the complaints), as
# plain GROUP BYs of the tickets joined with their score and ratings, and the list of the alerts
SHEET_GROUPS = (
    "score.level_id",
    "date_trunc('month', rating.write_date)",
    "ticket.category_id",
    "score.level_id",
    "date_trunc('month', ticket.create_date)",
)
ALERTS_FLOOR_SQL = """
SELECT partner.name, level.name, score.profit_class, score.clv, score.satisfaction, score.satisfaction_recent,
       score.satisfaction_trend, score.complaint_count
  FROM crm_loyalty_score score
  JOIN res_partner partner ON partner.id = score.partner_id
  LEFT JOIN crm_loyalty_level level ON level.id = score.level_id
 WHERE score.company_id = %(company)s AND score.satisfaction_alert
 ORDER BY score.clv DESC
"""

SERVICE_COLUMNS = (
    "ticket_count = 0, complaint_count = 0, open_ticket_count = 0, avg_resolution_hours = 0, satisfaction = 0, "
    "satisfaction_count = 0, satisfaction_recent = 0, satisfaction_trend = 0, satisfaction_alert = FALSE"
)


def sheets_floor_run(cr, company):
    """The sheets' floor: a GROUP BY of the tickets per table of the two sheets and a read of the alerts."""
    for group in SHEET_GROUPS:
        cr.execute(REPORT_FLOOR_SQL.replace("score.level_id", group), {"company": company.id})
        cr.fetchall()
    cr.execute(ALERTS_FLOOR_SQL, {"company": company.id})
    return len(cr.fetchall())


def write_floor_run(cr, company):
    """Floor 2: the GROUP BYs of floor 1 and a plain UPDATE of the service columns of the scores that have
    figures (no join, no comparison); returns the rows updated."""
    cr.execute(SERVICE_FLOOR_SQL, {"company": company.id})
    cr.fetchone()
    cr.execute(
        f"UPDATE crm_loyalty_score SET {SERVICE_COLUMNS} WHERE company_id = %s "
        "AND (ticket_count > 0 OR open_ticket_count > 0 OR satisfaction_count > 0)",
        [company.id],
    )
    return cr.rowcount


def service_records(env, company):
    """The helpdesk team, stages and categories of the generated tickets (a handful of ORM records)."""
    team = env["helpdesk.ticket.team"].search([("name", "=", "Bench Support")], limit=1) or env[
        "helpdesk.ticket.team"
    ].create({"name": "Bench Support", "company_id": company.id})
    Category = env["helpdesk.ticket.category"]
    categories = {}
    for key, name, complaint in (
        ("complaint", "Bench Complaint", True),
        ("question", "Bench Question", False),
        ("installation", "Bench Installation", False),
    ):
        categories[key] = Category.search([("name", "=", name)], limit=1) or Category.create(
            {"name": name, "is_complaint": complaint}
        )
    stages = env["helpdesk.ticket.stage"].search([], order="sequence, id")
    env.flush_all()
    return {
        "team": team.id,
        "closed_stage": stages.filtered("closed")[:1].id,
        "open_stage": stages.filtered(lambda stage: not stage.closed)[:1].id,
        "ticket_model": env["ir.model"]._get_id("helpdesk.ticket"),
        **{key: category.id for key, category in categories.items()},
    }


def generate_tickets(env, company, args):
    """The tickets and ratings, once per ``--tickets`` and ``--seed`` (kept in the database)."""
    cr = env.cr
    wanted = json.dumps({"tickets": args.tickets, "seed": args.seed})
    if env["ir.config_parameter"].get_param(TICKETS_KEY) == wanted:
        log("reusing the generated tickets")
        return None
    started = time.perf_counter()
    cr.execute("DELETE FROM rating_rating WHERE res_model = 'helpdesk.ticket'")
    cr.execute("DELETE FROM helpdesk_ticket WHERE number LIKE 'BENCH-%%'")
    params = {"company": company.id, "tickets": args.tickets, **service_records(env, company)}
    cr.execute("SELECT setseed(%s)", [args.seed])
    cr.execute(TICKETS_SQL, params)
    env["ir.config_parameter"].set_param(TICKETS_KEY, wanted)
    cr.commit()
    cr.execute("ANALYZE helpdesk_ticket")
    cr.execute("ANALYZE rating_rating")
    cr.commit()  # the statistics too: the benchmark rolls its transaction back
    seconds = time.perf_counter() - started
    log("tickets and ratings generated in %.1fs", seconds)
    return seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(parser)
    parser.add_argument("--tickets", type=int, help="helpdesk tickets to generate (default: --customers)")
    args = parser.parse_args()
    check_arguments(parser, args)
    args.tickets = args.tickets or args.customers
    registry, counts, _generation = prepare(args, module="crm_loyalty_helpdesk")
    from odoo import SUPERUSER_ID, api, fields

    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        company = env.ref("base.main_company")
        today = fields.Date.context_today(env["res.partner"])
        scores = env["crm.loyalty.score"]
        if not scores.search_count([("company_id", "=", company.id)], limit=1):
            log("no scores yet: a first recompute")
            env["res.partner"].loyalty_recompute(company)
            cr.commit()
        generate_tickets(env, company, args)
        params = {"company": company.id}
        cr.execute("SELECT COUNT(*) FROM helpdesk_ticket WHERE company_id = %s", [company.id])
        tickets = cr.fetchone()[0]
        cr.execute("SELECT COUNT(*) FROM rating_rating WHERE res_model = 'helpdesk.ticket' AND consumed")
        ratings = cr.fetchone()[0]

        service_floor, floor_rows = best(lambda: (cr.execute(SERVICE_FLOOR_SQL, params), cr.fetchone())[1])
        cr.execute(f"UPDATE crm_loyalty_score SET {SERVICE_COLUMNS} WHERE company_id = %s", [company.id])
        scores.invalidate_model()
        first, written = best(lambda: scores._loyalty_update_service_figures(company, today), repeat=1)
        again, rewritten = best(lambda: scores._loyalty_update_service_figures(company, today))
        cr.execute(
            "SELECT COUNT(*) FILTER (WHERE ticket_count > 0), COUNT(*) FILTER (WHERE satisfaction_count > 0), "
            "COUNT(*) FILTER (WHERE satisfaction_alert) FROM crm_loyalty_score WHERE company_id = %s",
            [company.id],
        )
        with_tickets, rated, alerts = cr.fetchone()
        whole, _ = best(lambda: env["res.partner"].loyalty_recompute(company), repeat=1)
        # floor 2: floor 1, then the bulk UPDATE of the nine columns of the scores that have figures (to 0)
        write_floor, floor_written = best(lambda: write_floor_run(cr, company), repeat=1)
        scores.invalidate_model()
        scores._loyalty_update_service_figures(company, today)  # the figures back, for the sheets

        report = env["crm.loyalty.ticket.report"]
        report_floor, _ = best(lambda: (cr.execute(REPORT_FLOOR_SQL, params), cr.fetchall()))
        domain = [("company_id", "=", company.id)]
        satisfaction_pivot, cells = best(
            lambda: report._read_group(domain, ["level_id", "rating_grade"], ["__count", "rating:avg"])
        )
        complaint_pivot, complaint_cells = best(
            lambda: report._read_group(
                domain, ["category_id", "level_id"], ["__count", "resolution_hours:avg", "rating:avg"]
            )
        )
        sheets_floor, alert_rows = best(lambda: sheets_floor_run(cr, company))
        book_file = io.BytesIO()
        workbook = xlsxwriter.Workbook(book_file, {"in_memory": True, "constant_memory": True})
        writer = env["crm.loyalty.workbook"]
        formats = writer._loyalty_formats(workbook, company.currency_id)
        sheets, _ = best(lambda: writer._loyalty_sheet_service(workbook, formats, company), repeat=1)
        workbook.close()
        cr.rollback()

    print()
    print(
        f"== crm_loyalty satisfaction: db {args.db}, {args.customers} customers, {args.lines} lines, "
        f"{tickets} tickets, {ratings} filled ratings"
    )
    print(f"data set                 : {counts}")
    print(f"scores                   : {with_tickets} with tickets, {rated} rated, {alerts} alerts")
    print(f"{'run':<60} {'time':>9} {'ratio':>16}")
    label = f"floor: GROUP BY customer of tickets, ratings ({floor_rows[0]}, {floor_rows[1]} rows)"
    print(f"{label:<60} {service_floor:>8.2f}s")
    label = f"floor 2: floor + UPDATE of the scores' columns ({floor_written})"
    print(f"{label:<60} {write_floor:>8.2f}s")
    label = f"service figures, every score written ({written})"
    print(f"{label:<60} {first:>8.2f}s {first / write_floor:>10.1f}x floor 2")
    label = f"service figures again, nothing changed ({rewritten} written)"
    print(f"{label:<60} {again:>8.2f}s {again / service_floor:>10.1f}x floor")
    print(f"{'whole recompute, a re-run (service figures included)':<60} {whole:>8.2f}s")
    print(f"{'floor: GROUP BY level of tickets, score, ratings':<60} {report_floor:>8.2f}s")
    label = f"Satisfaction Analysis pivot, level x grade ({len(cells)} cells)"
    print(f"{label:<60} {satisfaction_pivot:>8.2f}s {satisfaction_pivot / report_floor:>10.1f}x floor")
    label = f"Complaint Analysis pivot, category x level ({len(complaint_cells)} cells)"
    print(f"{label:<60} {complaint_pivot:>8.2f}s {complaint_pivot / report_floor:>10.1f}x floor")
    label = f"floor: the sheets' 5 GROUP BYs, a read of the {alert_rows} alerts"
    print(f"{label:<60} {sheets_floor:>8.2f}s")
    label = "Satisfaction + Complaint Analysis sheets"
    print(f"{label:<60} {sheets:>8.2f}s {sheets / sheets_floor:>10.1f}x floor")
    print(f"peak RSS                 : {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
