using Lb.Core.Stats;

namespace Lb.Engine.Metrics;

/// <summary>
/// The metrics of an engine, in Prometheus text format, built from the same snapshot as the <c>stats</c> command (so
/// the two always agree). Every family carries <c>role</c> and <c>host</c> labels, so one Prometheus can scrape every
/// engine of a deployment without relabelling. Names and labels: engine/README.md.
/// </summary>
public static class EngineMetrics
{
    public static string Render(EngineStats stats)
    {
        var text = new PrometheusText();
        (string, string)[] Engine(params (string, string)[] more) => [("role", stats.Role), ("host", stats.Host), .. more];

        text.Family("lbengine_info", "gauge", "Always 1; labels identify the engine (role, host, address, interface).")
            .Sample(1, Engine(("address", stats.Address), ("interface", stats.Interface)));
        text.Family("lbengine_uptime_seconds", "gauge", "Seconds since the engine started.").Sample(stats.UptimeSeconds, Engine());
        text.Family("lbengine_packets_in_total", "counter", "Packets received (mux: captured frames; agent: IP-in-IP packets).").Sample(stats.PacketsIn, Engine());
        text.Family("lbengine_bytes_in_total", "counter", "Bytes received.").Sample(stats.BytesIn, Engine());
        text.Family("lbengine_packets_out_total", "counter", "Packets sent (mux: encapsulated frames and ICMP replies; agent: inner packets).").Sample(stats.PacketsOut, Engine());
        text.Family("lbengine_bytes_out_total", "counter", "Bytes sent.").Sample(stats.BytesOut, Engine());
        text.Family("lbengine_forwarded_packets_total", "counter", "Packets forwarded (mux: to a DIP; agent: delivered). packets_in = forwarded + drops.").Sample(stats.Forwarded, Engine());
        text.Family("lbengine_drops_total", "counter", "Packets dropped, by reason (every reason always present).");
        foreach (var (reason, count) in stats.Drops.OrderBy(d => d.Key, StringComparer.Ordinal)) text.Sample(count, Engine(("reason", reason)));
        text.Family("lbengine_connections", "gauge", "Flow-table entries that are not idle (mux).").Sample(stats.Connections, Engine());
        text.Family("lbengine_reloads_total", "counter", "Successful config reloads.").Sample(stats.Reloads, Engine());
        if (stats.ControlRequests is { } control)
        {
            text.Family("lbengine_control_requests_total", "counter", "Control socket connections by result (served, or why the request was refused).");
            foreach (var (result, count) in control.OrderBy(c => c.Key, StringComparer.Ordinal)) text.Sample(count, Engine(("result", result)));
        }

        text.Family("lbengine_vip_packets_total", "counter", "Packets forwarded per VIP.");
        foreach (var vip in stats.Vips) text.Sample(vip.Packets, Engine(("vip", vip.Address)));
        text.Family("lbengine_vip_bytes_total", "counter", "IP bytes forwarded per VIP.");
        foreach (var vip in stats.Vips) text.Sample(vip.Bytes, Engine(("vip", vip.Address)));
        text.Family("lbengine_vip_flows_total", "counter", "New flows assigned per VIP (mux).");
        foreach (var vip in stats.Vips) text.Sample(vip.Flows, Engine(("vip", vip.Address)));

        if (stats.Dips is { } dips)
        {
            (string, string)[] Dip(DipStats d) => Engine(("dip", d.Name), ("address", d.Address));
            text.Family("lbengine_dip_packets_total", "counter", "Packets sent to each DIP.");
            foreach (var d in dips) text.Sample(d.Packets, Dip(d));
            text.Family("lbengine_dip_bytes_total", "counter", "Inner IP bytes sent to each DIP.");
            foreach (var d in dips) text.Sample(d.Bytes, Dip(d));
            text.Family("lbengine_dip_flows_total", "counter", "New flows assigned to each DIP.");
            foreach (var d in dips) text.Sample(d.Flows, Dip(d));
            text.Family("lbengine_dip_active_flows", "gauge", "Live flow-table entries pointing at each DIP.");
            foreach (var d in dips) text.Sample(d.ActiveFlows, Dip(d));
            text.Family("lbengine_dip_weight", "gauge", "Configured Maglev weight of each DIP.");
            foreach (var d in dips) text.Sample(d.Weight, Dip(d));
            text.Family("lbengine_dip_drained", "gauge", "1 when the DIP is drained (weight 0 or the drain command).");
            foreach (var d in dips) text.Sample(d.State == "drained" ? 1 : 0, Dip(d));
            text.Family("lbengine_dip_up", "gauge", "1 when health checking reports the DIP up (always 1 when health checking is off).");
            foreach (var d in dips) text.Sample(d.Health == "down" ? 0 : 1, Dip(d));
            if (dips.Any(d => d.LastReportMs is not null))
            {
                text.Family("lbengine_dip_last_report_age_seconds", "gauge", "Age of the last health report of each DIP (DIPs that never reported are left out).");
                foreach (var d in dips.Where(d => d.LastReportMs is not null)) text.Sample(d.LastReportMs!.Value / 1000.0, Dip(d));
            }
        }
        if (stats.DsrViolations is { } dsr) text.Family("lbengine_dsr_violations_total", "counter", "Packets captured whose source is a VIP (must stay 0 with DSR).").Sample(dsr, Engine());
        if (stats.IcmpSent is { } icmp) text.Family("lbengine_icmp_sent_total", "counter", "ICMP fragmentation-needed replies sent to clients.").Sample(icmp, Engine());
        if (stats.KernelDrops is { } lost) text.Family("lbengine_kernel_drops_total", "counter", "Frames the kernel dropped before the mux saw them (capture ring full).").Sample(lost, Engine());
        if (stats.LinkUp is { } linkUp)
        {
            text.Family("lbengine_link_up", "gauge", "1 while the interface's link is up (the engine waits for a link that went down).").Sample(linkUp ? 1 : 0, Engine());
            text.Family("lbengine_link_down_events_total", "counter", "Times the interface's link went down.").Sample(stats.LinkDownEvents ?? 0, Engine());
            text.Family("lbengine_link_down_seconds_total", "counter", "Seconds spent with the link down, the current outage included.").Sample(stats.LinkDownSeconds ?? 0, Engine());
            text.Family("lbengine_packet_io_errors_total", "counter", "Unexpected packet-path errors ridden out (socket error on a link that is up, failed re-open, packet-thread failure).").Sample(stats.PacketIoErrors ?? 0, Engine());
        }
        if (stats.ChecksumsFinished is { } sums) text.Family("lbengine_checksums_finished_total", "counter", "Partial (offloaded) TCP/UDP checksums completed.").Sample(sums, Engine());
        if (stats.ConnectionEvictions is { } evictions) text.Family("lbengine_connection_evictions_total", "counter", "Live flows pushed out of a full flow-table bucket.").Sample(evictions, Engine());
        if (stats.HealthReports is { } accepted)
        {
            text.Family("lbengine_health_reports_received_total", "counter", "Health datagrams received by the mux, by result (accepted, rejected: not from a DIP, malformed).")
                .Sample(accepted, Engine(("result", "accepted")))
                .Sample(stats.HealthReportsRejected ?? 0, Engine(("result", "rejected")))
                .Sample(stats.HealthReportsMalformed ?? 0, Engine(("result", "malformed")));
        }

        if (stats.Muxes is { } muxes)
        {
            text.Family("lbengine_mux_packets_total", "counter", "IP-in-IP packets the agent received from each mux.");
            foreach (var m in muxes) text.Sample(m.Packets, Engine(("mux", m.Name), ("address", m.Address)));
        }
        if (stats.ServerHealthy is { } healthy)
        {
            text.Family("lbengine_server_healthy", "gauge", "1 when the agent reports its server healthy (after rise/fall).").Sample(healthy ? 1 : 0, Engine());
            text.Family("lbengine_health_probes_total", "counter", "Health probe rounds of the agent, by result.")
                .Sample(stats.HealthProbes ?? 0, Engine(("result", "ok")))
                .Sample(stats.HealthProbesFailed ?? 0, Engine(("result", "failed")));
            text.Family("lbengine_health_reports_sent_total", "counter", "Health reports the agent sent, by result.")
                .Sample(stats.HealthReportsSent ?? 0, Engine(("result", "sent")))
                .Sample(stats.HealthReportsFailed ?? 0, Engine(("result", "failed")));
        }
        if (stats.SecondChance is { } chance)
        {
            if (chance.Marked is { } marked)
            {
                text.Family("lbengine_second_chance_marked_total", "counter", "Packets the mux sent with second-chance alternates.").Sample(marked, Engine());
                text.Family("lbengine_second_chance_pool_versions", "gauge", "Retired Maglev tables the mux keeps for the second chance.").Sample(chance.PoolVersions ?? 0, Engine());
            }
            if (chance.Peers is { } peers)
            {
                text.Family("lbengine_second_chance_redirected_out_total", "counter", "Packets the agent passed on to each peer (second chance).");
                foreach (var p in peers) text.Sample(p.RedirectedOut, Engine(("peer", p.Name), ("address", p.Address)));
                text.Family("lbengine_second_chance_redirected_in_total", "counter", "Packets the agent received from each peer (second chance).");
                foreach (var p in peers) text.Sample(p.RedirectedIn, Engine(("peer", p.Name), ("address", p.Address)));
                text.Family("lbengine_sock_diag_lookups_total", "counter", "Kernel socket-table lookups of the agent (second chance).").Sample(chance.SockDiagLookups ?? 0, Engine());
                text.Family("lbengine_sock_diag_seconds_total", "counter", "Time spent in those lookups.").Sample((chance.SockDiagNanoseconds ?? 0) / 1e9, Engine());
            }
        }
        return text.ToString();
    }
}
