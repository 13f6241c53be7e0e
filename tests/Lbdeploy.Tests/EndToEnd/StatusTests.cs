using System.Text.Json;
using Lbdeploy.Commands;
using Xunit.Abstractions;

namespace Lbdeploy.Tests.EndToEnd;

/// <summary>`lbdeploy status` on the running course deployment, under load: engines with rates, DIPs with health and shares.</summary>
[Collection(MininetCollection.Name)]
public sealed class StatusTests(ITestOutputHelper log)
{
    [RootFact]
    public async Task Status_shows_every_engine_and_DIP_with_rates_health_and_shares()
    {
        await using var service = await DeployedService.StartAsync(log, Path.Combine(CliRun.RepositoryRoot, "lb.yaml"));
        var load = service.StartLoadAsync(seconds: 6, shortWorkers: 2, longWorkers: 0, clients: ["h3", "h7", "h11"]);
        await Task.Delay(TimeSpan.FromSeconds(1.5));

        var json = await service.RunAsync("status", "--json");
        Assert.True(json.ExitCode == 0, json.All);
        using var doc = JsonDocument.Parse(json.Output);
        var engines = doc.RootElement.GetProperty("engines").EnumerateArray().ToList();
        Assert.Equal(["mux h1", "mux h2", "agent h13", "agent h14", "agent h15", "agent h16"],
            engines.Select(e => $"{e.GetProperty("role").GetString()} {e.GetProperty("host").GetString()}"));
        Assert.All(engines, e => Assert.True(e.GetProperty("packets_in_per_second").GetDouble() > 0, e.ToString()));
        Assert.All(engines.Take(2), e => Assert.True(e.GetProperty("flows").GetInt64() > 0));
        var dips = doc.RootElement.GetProperty("dips").EnumerateArray().ToList();
        Assert.Equal(["h13", "h14", "h15", "h16"], dips.Select(d => d.GetProperty("name").GetString()));
        Assert.All(dips, d => Assert.Equal("active", d.GetProperty("state").GetString()));
        Assert.All(dips, d => Assert.InRange(d.GetProperty("share").GetDouble(), 0.1, 0.4));
        Assert.Equal(1.0, dips.Sum(d => d.GetProperty("share").GetDouble()), 2);
        if (dips[0].TryGetProperty("health", out var health) && health.ValueKind == JsonValueKind.String) Assert.All(dips, d => Assert.Equal("up", d.GetProperty("health").GetString()));
        Assert.Matches(@"h1 up, h2 up; t1 20.0.0.1/32 -> h1, h2", doc.RootElement.GetProperty("watcher").GetString());

        var text = await service.RunAsync("status");
        Assert.True(text.ExitCode == 0, text.All);
        Assert.Matches(@"mux\s+h1\s+\d+\s+\d+s\s+\d+\s+\d+\s+\d+\s+none", text.Output);
        Assert.Matches(@"h14\s+10\.19\.14\.2\s+\S+\s+1\s+active\s+\d+\s+\d+\.\d%", text.Output);

        // --watch into a file (not a terminal) appends one snapshot a second, without screen codes, until cancelled.
        var output = new StringWriter();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(3.5));
        var code = await StatusCommand.RunAsync(watch: true, json: false, output, cts.Token);
        Assert.Equal(CommandRunner.Success, code);
        var written = output.ToString();
        Assert.DoesNotContain("\u001b", written);
        var frames = written.Split('\n').Count(line => line.StartsWith("Engines", StringComparison.Ordinal));
        Assert.InRange(frames, 2, 4);
        await load;
    }
}
