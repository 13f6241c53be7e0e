using Lb.Core.Control;
using Lb.Core.Stats;
using Lb.Engine.Control;
using Lb.Engine.Runtime;

namespace Lb.Engine.Tests.Control;

public class ControlSocketTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("lbe-control-").FullName;

    private sealed class FakeEngine : IControlTarget
    {
        public List<string> Calls { get; } = [];

        public string Stats() => ControlReply.Of(new EngineStats
        {
            Role = "mux", Host = "h1", Pid = 42, UptimeSeconds = 1.5, Interface = "h1-eth0", Address = "10.13.1.2",
            PacketsIn = 10, Forwarded = 9, Drops = new Dictionary<string, long> { ["not_vip"] = 1 },
            Vips = [new VipStats("20.0.0.1", 9, 900, 3)],
            Dips = [new DipStats("h13", "10.19.13.2", 1, "active", 9, 900, 3, 2)],
            DsrViolations = 0,
        });

        public string Reload() { Calls.Add("reload"); return ControlReply.Ok("reloaded"); }
        public string Drain(string name) { Calls.Add($"drain {name}"); return name == "h13" ? ControlReply.Ok() : ControlReply.Error($"no DIP named '{name}'"); }
        public string Undrain(string name) { Calls.Add($"undrain {name}"); return ControlReply.Ok(); }

        public string Weight(string name, int weight)
        {
            Calls.Add($"weight {name} {weight}");
            return ControlReply.Of(new WeightReply { Host = "h1", Dip = name, Weight = weight, ConfigWeight = 1, WeightOverride = weight != 1, State = "active" });
        }

        public string Connections(int limit)
        {
            Calls.Add($"conns {limit}");
            return ControlReply.Of(new ConnectionsReply
            {
                Host = "h1", Limit = limit, Live = 2, Truncated = limit < 2,
                Connections = [new ConnectionRow("tcp", "10.0.3.2:40000", "20.0.0.1:80", "h13", "10.19.13.2", 1500, 20)],
            });
        }

        public string Lookup(Lb.Core.Flows.FlowKey flow)
        {
            Calls.Add($"lookup {Lb.Core.Flows.FlowQuery.Format(flow)}");
            return ControlReply.Of(new FlowLookupReply { Host = "h1", Flow = Lb.Core.Flows.FlowQuery.Format(flow), Source = FlowLookupReply.FromMaglev, Dip = "h13", DipAddress = "10.19.13.2" });
        }
        public string Health() => ControlReply.Ok("capturing");
    }

    [Fact]
    public async Task Client_and_server_speak_the_documented_protocol()
    {
        var path = Path.Combine(_directory, "mux.sock");
        var engine = new FakeEngine();
        using (new ControlServer(path, engine, new EngineLog("mux", "h1", false, TextWriter.Null)))
        {
            var client = new ControlClient(path);
            var stats = await client.GetStatsAsync();
            Assert.Equal("mux", stats.Role);
            Assert.Equal(9, stats.Forwarded);
            Assert.Equal(1, stats.Drops["not_vip"]);
            Assert.Equal("active", stats.Dips![0].State);
            Assert.Equal(0, stats.DsrViolations);

            var raw = await client.SendAsync("stats");
            foreach (var field in new[] { "\"ok\":true", "\"role\"", "\"host\"", "\"pid\"", "\"uptime_seconds\"", "\"packets_in\"", "\"bytes_in\"",
                         "\"packets_out\"", "\"bytes_out\"", "\"drops\"", "\"connections\"", "\"vips\"", "\"dips\"", "\"dsr_violations\"", "\"active_flows\"" })
                Assert.Contains(field, raw);
            Assert.DoesNotContain("\"muxes\"", raw); // null members are omitted

            await client.ReloadAsync();
            await client.DrainAsync("h13");
            var error = await Assert.ThrowsAsync<ControlException>(() => client.DrainAsync("h99"));
            Assert.Contains("no DIP named 'h99'", error.Message);
            Assert.Contains("unknown command", await client.SendAsync("dance"));
            Assert.Contains("needs a DIP name", await client.SendAsync("drain"));
            await client.HealthAsync();

            var weight = await client.SetWeightAsync("h13", 3);
            Assert.Equal((3, 1, true), (weight.Weight, weight.ConfigWeight, weight.WeightOverride));
            Assert.Contains("\"weight_override\":true", await client.SendAsync("weight h13 3"));
            Assert.Contains("is not a whole number in 0..1000", await client.SendAsync("weight h13 1001"));
            var conns = await client.GetConnectionsAsync(1);
            Assert.True(conns.Truncated);
            Assert.Equal("10.0.3.2:40000", conns.Connections[0].Client);
            Assert.True(Lb.Core.Flows.FlowQuery.TryParse("tcp 10.0.3.2:40000 20.0.0.1:80", out var flow, out _));
            var lookup = await client.LookupAsync(flow);
            Assert.Equal(("h13", FlowLookupReply.FromMaglev), (lookup.Dip, lookup.Source));
            Assert.Equal(["reload", "drain h13", "drain h99", "weight h13 3", "weight h13 3", "conns 1", "lookup tcp 10.0.3.2:40000 20.0.0.1:80"], engine.Calls);
        }
        Assert.False(File.Exists(path)); // the socket file is removed on shutdown
    }

    [Fact]
    public async Task Client_reports_a_missing_engine_in_one_line()
    {
        var error = await Assert.ThrowsAsync<ControlException>(() => new ControlClient(Path.Combine(_directory, "none.sock")).GetStatsAsync());
        Assert.Contains("no engine answers on", error.Message);
    }

    [Fact]
    public void A_second_server_on_a_live_socket_is_refused()
    {
        var path = Path.Combine(_directory, "busy.sock");
        var log = new EngineLog("mux", "h1", false, TextWriter.Null);
        using var first = new ControlServer(path, new FakeEngine(), log);
        var error = Assert.Throws<StartupException>(() => new ControlServer(path, new FakeEngine(), log));
        Assert.Contains("another engine already answers", error.Message);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
