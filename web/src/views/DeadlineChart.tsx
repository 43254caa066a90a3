import { useTranslation } from "react-i18next";
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

export interface LaneCompliance {
  lane: string;
  onTime: number;
  late: number;
  /** Still open and not yet late. */
  open?: number;
}

/** Deadlines met and missed per lane, stacked; a table beside it carries the same figures for screen readers. */
export default function DeadlineChart({ data }: { data: LaneCompliance[] }) {
  const { t } = useTranslation();
  const rows = data.map((d) => ({ ...d, name: t(`lane.${d.lane}`, d.lane) }));
  return (
    <figure className="chart" aria-label={t("dashboard.complianceChart")}>
      <div aria-hidden="true" style={{ width: "100%", height: 240 }}>
        <ResponsiveContainer>
          <BarChart data={rows} margin={{ top: 8, right: 8, bottom: 8, left: 0 }} accessibilityLayer={false}>
            <CartesianGrid strokeDasharray="3 3" stroke="#e3e6ea" vertical={false} />
            <XAxis dataKey="name" tick={{ fontSize: 12, fill: "#3d4650" }} interval={0} />
            <YAxis allowDecimals={false} tick={{ fontSize: 12, fill: "#3d4650" }} />
            <Tooltip />
            <Legend />
            <Bar dataKey="onTime" name={t("dashboard.onTime")} stackId="a" fill="#2f6f62" isAnimationActive={false} />
            <Bar dataKey="late" name={t("dashboard.late")} stackId="a" fill="#b4553c" isAnimationActive={false} />
            <Bar dataKey="open" name={t("dashboard.open")} stackId="a" fill="#a9b4bf" isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </div>
      <table className="visually-hidden">
        <caption>{t("dashboard.complianceChart")}</caption>
        <thead>
          <tr>
            <th scope="col">{t("common.lane")}</th>
            <th scope="col">{t("dashboard.onTime")}</th>
            <th scope="col">{t("dashboard.late")}</th>
            <th scope="col">{t("dashboard.open")}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.lane}>
              <th scope="row">{r.name}</th>
              <td>{r.onTime}</td>
              <td>{r.late}</td>
              <td>{r.open ?? 0}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
