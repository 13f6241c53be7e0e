using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Lb.Core.Stats;
using Lb.Engine.Metrics;
using Lb.Engine.Runtime;

namespace Lb.Engine.Tests.Metrics;

public partial class PrometheusTextTests
{
    internal static EngineStats MuxStats() => new()
    {
        Role = "mux", Host = "h1", Pid = 42, UptimeSeconds = 12.5, Interface = "h1-eth0", Address = "10.13.1.2",
        PacketsIn = 10, BytesIn = 1000, PacketsOut = 9, BytesOut = 1080, Forwarded = 9, Connections = 3,
        Drops = new Dictionary<string, long> { ["not_vip"] = 1, ["bad_ip_checksum"] = 0 },
        Vips = [new VipStats("20.0.0.1", 9, 900, 3)],
        Dips =
        [
            new DipStats("h13", "10.19.13.2", 1, "active", 6, 600, 2, 2, "up", 120),
            new DipStats("h14", "10.19.14.2", 2, "drained", 3, 300, 1, 1, "down", null),
        ],
        DsrViolations = 0, IcmpSent = 0, ChecksumsFinished = 0, ConnectionEvictions = 0,
        HealthReports = 7, HealthReportsRejected = 1, HealthReportsMalformed = 2,
        ControlRequests = new Dictionary<string, long> { ["served"] = 5, ["too_large"] = 1 },
    };

    // One sample line: name, optional {label="value",...}, a value.
    [GeneratedRegex("""^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\["\\n])*")(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\["\\n])*")*\})? -?[0-9.eE+]+$""")]
    private static partial Regex SampleLine();

    /// <summary>Checks the exposition format 0.0.4 structurally: HELP then TYPE once per family, samples of that family only.</summary>
    internal static void AssertWellFormed(string text)
    {
        Assert.EndsWith("\n", text);
        string? family = null;
        var seen = new HashSet<string>();
        var lines = text.TrimEnd('\n').Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                family = line.Split(' ')[2];
                Assert.True(seen.Add(family), $"family {family} appears twice");
                Assert.StartsWith($"# TYPE {family} ", lines[i + 1]);
                Assert.Contains(lines[i + 1].Split(' ')[3], new[] { "counter", "gauge" });
                i++;
                continue;
            }
            Assert.Matches(SampleLine(), line);
            Assert.NotNull(family);
            Assert.True(line.StartsWith(family + "{", StringComparison.Ordinal) || line.StartsWith(family + " ", StringComparison.Ordinal),
                $"sample '{line}' is not of family {family}");
        }
    }

    [Fact]
    public void Writes_help_type_and_escaped_labels()
    {
        var text = new PrometheusText()
            .Family("demo_total", "counter", "Help with a \\ backslash\nand a newline.")
            .Sample(3, ("path", "C:\\dir"), ("quote", "say \"hi\"\nbye"))
            .Sample(0.5)
            .Single("demo_gauge", "gauge", "A gauge.", double.NaN)
            .ToString();
        Assert.Equal("""
            # HELP demo_total Help with a \\ backslash\nand a newline.
            # TYPE demo_total counter
            demo_total{path="C:\\dir",quote="say \"hi\"\nbye"} 3
            demo_total 0.5
            # HELP demo_gauge A gauge.
            # TYPE demo_gauge gauge
            demo_gauge NaN

            """.Replace("\r\n", "\n"), text);
        AssertWellFormed(text.Replace(" NaN\n", " 0\n"));
    }

    [Fact]
    public void Rejects_invalid_names_types_and_repeated_families()
    {
        var text = new PrometheusText();
        Assert.Throws<ArgumentException>(() => text.Family("2bad", "counter", "x"));
        Assert.Throws<ArgumentException>(() => text.Family("bad-name", "counter", "x"));
        Assert.Throws<ArgumentException>(() => text.Family("ok", "histogram", "x"));
        text.Family("ok", "gauge", "x");
        Assert.Throws<ArgumentException>(() => text.Sample(1, ("__reserved", "x")));
        Assert.Throws<InvalidOperationException>(() => text.Family("ok", "gauge", "x"));
        Assert.Throws<InvalidOperationException>(() => new PrometheusText().Sample(1));
    }

    [Fact]
    public void Engine_metrics_cover_traffic_drops_vips_dips_health_and_uptime()
    {
        var text = EngineMetrics.Render(MuxStats());
        AssertWellFormed(text);
        foreach (var expected in new[]
                 {
                     "lbengine_info{role=\"mux\",host=\"h1\",address=\"10.13.1.2\",interface=\"h1-eth0\"} 1",
                     "lbengine_uptime_seconds{role=\"mux\",host=\"h1\"} 12.5",
                     "lbengine_packets_in_total{role=\"mux\",host=\"h1\"} 10",
                     "lbengine_bytes_out_total{role=\"mux\",host=\"h1\"} 1080",
                     "lbengine_forwarded_packets_total{role=\"mux\",host=\"h1\"} 9",
                     "lbengine_drops_total{role=\"mux\",host=\"h1\",reason=\"bad_ip_checksum\"} 0",
                     "lbengine_drops_total{role=\"mux\",host=\"h1\",reason=\"not_vip\"} 1",
                     "lbengine_connections{role=\"mux\",host=\"h1\"} 3",
                     "lbengine_vip_bytes_total{role=\"mux\",host=\"h1\",vip=\"20.0.0.1\"} 900",
                     "lbengine_dip_packets_total{role=\"mux\",host=\"h1\",dip=\"h13\",address=\"10.19.13.2\"} 6",
                     "lbengine_dip_flows_total{role=\"mux\",host=\"h1\",dip=\"h14\",address=\"10.19.14.2\"} 1",
                     "lbengine_dip_weight{role=\"mux\",host=\"h1\",dip=\"h14\",address=\"10.19.14.2\"} 2",
                     "lbengine_dip_drained{role=\"mux\",host=\"h1\",dip=\"h14\",address=\"10.19.14.2\"} 1",
                     "lbengine_dip_up{role=\"mux\",host=\"h1\",dip=\"h13\",address=\"10.19.13.2\"} 1",
                     "lbengine_dip_up{role=\"mux\",host=\"h1\",dip=\"h14\",address=\"10.19.14.2\"} 0",
                     "lbengine_dip_last_report_age_seconds{role=\"mux\",host=\"h1\",dip=\"h13\",address=\"10.19.13.2\"} 0.12",
                     "lbengine_health_reports_received_total{role=\"mux\",host=\"h1\",result=\"rejected\"} 1",
                     "lbengine_control_requests_total{role=\"mux\",host=\"h1\",result=\"too_large\"} 1",
                     "# TYPE lbengine_drops_total counter",
                     "# TYPE lbengine_dip_up gauge",
                 })
            Assert.Contains(expected + "\n", text);
        Assert.DoesNotContain("dip=\"h14\",address=\"10.19.14.2\"} 0.", text.Split('\n').Where(l => l.StartsWith("lbengine_dip_last_report", StringComparison.Ordinal)).Aggregate("", (a, b) => a + b));
        Assert.DoesNotContain("lbengine_server_healthy", text);
    }

    [Fact]
    public void Agent_metrics_have_probes_and_mux_counters()
    {
        var text = EngineMetrics.Render(new EngineStats
        {
            Role = "agent", Host = "h13", Pid = 1, UptimeSeconds = 1, Interface = "h13-eth0", Address = "10.19.13.2",
            Drops = new Dictionary<string, long>(), Vips = [new VipStats("20.0.0.1", 1, 100, 0)],
            Muxes = [new MuxPeerStats("h1", "10.13.1.2", 5)],
            ServerHealthy = false, HealthProbes = 4, HealthProbesFailed = 2, HealthReportsSent = 12, HealthReportsFailed = 0,
        });
        AssertWellFormed(text);
        Assert.Contains("lbengine_server_healthy{role=\"agent\",host=\"h13\"} 0\n", text);
        Assert.Contains("lbengine_health_probes_total{role=\"agent\",host=\"h13\",result=\"failed\"} 2\n", text);
        Assert.Contains("lbengine_mux_packets_total{role=\"agent\",host=\"h13\",mux=\"h1\",address=\"10.13.1.2\"} 5\n", text);
        Assert.DoesNotContain("lbengine_dip_", text);
    }

    private static string Http(IPEndPoint endpoint, string request)
    {
        using var client = new TcpClient();
        client.Connect(endpoint);
        using var stream = client.GetStream();
        stream.Write(Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    [Fact]
    public async Task Http_endpoint_serves_get_metrics_on_loopback()
    {
        var calls = 0;
        using var server = new MetricsServer(new IPEndPoint(IPAddress.Loopback, 0), () => { calls++; return EngineMetrics.Render(MuxStats()); },
            new EngineLog("mux", "h1", false, TextWriter.Null));

        using var http = new HttpClient();
        var response = await http.GetAsync($"http://127.0.0.1:{server.Endpoint.Port}/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(EngineMetrics.Render(MuxStats()), body);
        AssertWellFormed(body);

        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"http://127.0.0.1:{server.Endpoint.Port}/")).StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await http.PostAsync($"http://127.0.0.1:{server.Endpoint.Port}/metrics", new StringContent("x"))).StatusCode);
        Assert.StartsWith("HTTP/1.1 400 ", Http(server.Endpoint, "nonsense\r\n\r\n"));
        var head = Http(server.Endpoint, "HEAD /metrics HTTP/1.0\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200 OK", head);
        Assert.EndsWith("\r\n\r\n", head);
        Assert.Equal(2, calls);
    }

    [Fact]
    public void A_port_in_use_is_a_one_line_startup_error()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var error = Assert.Throws<StartupException>(() =>
            new MetricsServer(new IPEndPoint(IPAddress.Loopback, port), () => "", new EngineLog("mux", "h1", false, TextWriter.Null)));
        Assert.Contains("metrics.listen", error.Message);
    }
}

public class MetricsControlCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("lbe-metrics-").FullName;

    private sealed class Target(bool withMetrics) : Lb.Engine.Control.IControlTarget
    {
        public string Stats() => Lb.Engine.Control.ControlReply.Of(PrometheusTextTests.MuxStats());
        public string Reload() => Lb.Engine.Control.ControlReply.Ok();
        public string Drain(string name) => Lb.Engine.Control.ControlReply.Ok();
        public string Undrain(string name) => Lb.Engine.Control.ControlReply.Ok();
        public string Weight(string name, int weight) => Lb.Engine.Control.ControlReply.Ok();
        public string Connections(int limit) => Lb.Engine.Control.ControlReply.Ok();
        public string Lookup(Lb.Core.Flows.FlowKey flow) => Lb.Engine.Control.ControlReply.Ok();
        public string Health() => Lb.Engine.Control.ControlReply.Ok();
        public string Metrics() => withMetrics ? EngineMetrics.Render(PrometheusTextTests.MuxStats()) : Lb.Engine.Control.ControlReply.Error("no metrics here");
    }

    [Fact]
    public async Task Metrics_command_answers_the_text_format_not_json()
    {
        var path = Path.Combine(_directory, "mux.sock");
        using (new Lb.Engine.Control.ControlServer(path, new Target(true), new EngineLog("mux", "h1", false, TextWriter.Null)))
        {
            var client = new Lb.Core.Control.ControlClient(path);
            var text = await client.GetMetricsAsync();
            Assert.Equal(EngineMetrics.Render(PrometheusTextTests.MuxStats()), text); // no extra newline appended
            PrometheusTextTests.AssertWellFormed(text);
        }
        var other = Path.Combine(_directory, "agent.sock");
        using (new Lb.Engine.Control.ControlServer(other, new Target(false), new EngineLog("agent", "h13", false, TextWriter.Null)))
        {
            var error = await Assert.ThrowsAsync<Lb.Core.Control.ControlException>(() => new Lb.Core.Control.ControlClient(other).GetMetricsAsync());
            Assert.Contains("no metrics here", error.Message);
        }
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
