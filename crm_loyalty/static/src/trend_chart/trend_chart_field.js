/** @odoo-module */
// The dashboard's trend: retention and churn rates (left axis, %) and active customers (right axis) per month,
// drawn with the Chart.js that Odoo ships, from the JSON the dashboard computes.
import { loadBundle } from "@web/core/assets";
import { registry } from "@web/core/registry";
import { standardFieldProps } from "@web/views/fields/standard_field_props";
import { Component, onWillStart, useEffect, useRef } from "@odoo/owl";

export class LoyaltyTrendChartField extends Component {
    static template = "crm_loyalty.TrendChartField";
    static props = { ...standardFieldProps };

    setup() {
        this.chart = null;
        this.canvasRef = useRef("canvas");
        onWillStart(async () => await loadBundle("web.chartjs_lib"));
        useEffect(
            () => {
                this.renderChart();
                return () => this.chart?.destroy();
            },
            () => [this.props.record.data[this.props.name]]
        );
    }

    get data() {
        return this.props.record.data[this.props.name] || { labels: [] };
    }

    renderChart() {
        this.chart?.destroy();
        if (!this.data.labels.length) {
            this.chart = null;
            return;
        }
        const { labels, series } = this.data;
        const dataset = (key, colour, axis, extra = {}) => ({
            label: series[key].label,
            data: series[key].values,
            borderColor: colour,
            backgroundColor: colour,
            borderWidth: 2,
            tension: 0.2,
            yAxisID: axis,
            ...extra,
        });
        this.chart = new Chart(this.canvasRef.el, {
            type: "line",
            data: {
                labels,
                datasets: [
                    dataset("retention", "#28a745", "rate"),
                    dataset("churn", "#dc3545", "rate"),
                    dataset("active", "#71639e", "count", {
                        type: "bar",
                        borderWidth: 0,
                        backgroundColor: "#71639e40",
                        order: 2,
                    }),
                ],
            },
            options: {
                maintainAspectRatio: false,
                interaction: { mode: "index", intersect: false },
                scales: {
                    rate: { type: "linear", position: "left", min: 0, max: 100, title: { display: true, text: series.retention.axis } },
                    count: { type: "linear", position: "right", beginAtZero: true, grid: { drawOnChartArea: false }, title: { display: true, text: series.active.axis } },
                },
                plugins: { legend: { position: "bottom" } },
            },
        });
    }
}

export const loyaltyTrendChartField = {
    component: LoyaltyTrendChartField,
    supportedTypes: ["json"],
};

registry.category("fields").add("loyalty_trend_chart", loyaltyTrendChartField);
