using System.Text.Json;
using Lbdeploy.Common;
using Xunit.Abstractions;

namespace Lbdeploy.Tests.EndToEnd;

/// <summary>
/// `--json` on a live testbed (docs/json.md): up, status, diff, apply, drain, undrain, verify, testbed status and
/// down each print exactly one document on stdout with ok = true, carrying what the text output says.
/// </summary>
[Collection(MininetCollection.Name)]
public sealed class JsonTests(ITestOutputHelper log)
{
    [RootFact]
    public async Task Every_command_prints_one_ok_document_on_a_live_deployment()
    {
        var spec = Path.Combine(CliRun.RepositoryRoot, "lb.yaml");
        await using var service = await DeployedService.StartAsync(log, spec, upOptions: "--json");

        var up = Ok(service.Up);
        Assert.Equal(36, up.GetProperty("testbed").GetProperty("started").GetProperty("nodes").GetArrayLength());
        var apply = up.GetProperty("apply");
        Assert.True(apply.GetProperty("applied").GetBoolean());
        var changes = apply.GetProperty("changes").EnumerateArray().ToList();
        Assert.Contains(changes, c => c.GetProperty("unit").GetString() == "mux h1" && c.GetProperty("kind").GetString() == "add");
        Assert.All(changes, c => Assert.False(string.IsNullOrEmpty(c.GetProperty("result").GetString()), c.ToString()));
        Assert.True(up.GetProperty("verify").GetProperty("passed").GetBoolean());
        Assert.Contains("testbed: ready", service.Up.Error); // progress went to stderr

        var status = Ok(await service.RunAsync("status", "--json"));
        Assert.Equal(6, status.GetProperty("engines").GetArrayLength());

        var diff = Ok(await service.RunAsync("diff", "--json", "-f", spec));
        Assert.Equal(0, diff.GetProperty("changes").GetArrayLength());
        Assert.Equal(0, diff.GetProperty("drift").GetArrayLength());

        var again = Ok(await service.RunAsync("apply", "--json", "--auto-approve", "-f", spec));
        Assert.False(again.GetProperty("applied").GetBoolean());
        Assert.Equal(0, again.GetProperty("changes").GetArrayLength());

        var drain = Ok(await service.RunAsync("drain", "h14", "--json"));
        Assert.Equal(("h14", true), (drain.GetProperty("dip").GetString(), drain.GetProperty("drained").GetBoolean()));
        Assert.Equal(["h1", "h2"], drain.GetProperty("muxes").EnumerateArray().Select(m => m.GetProperty("mux").GetString()));
        var undrain = Ok(await service.RunAsync("undrain", "h14", "--json"));
        Assert.False(undrain.GetProperty("drained").GetBoolean());

        var verify = Ok(await service.RunAsync("verify", "--json", "-f", spec));
        Assert.True(verify.GetProperty("passed").GetBoolean());

        var testbed = Ok(await service.RunAsync("testbed", "status", "--json"));
        Assert.True(testbed.GetProperty("running").GetBoolean());
        Assert.All(testbed.GetProperty("nodes").EnumerateArray(), n => Assert.True(n.GetProperty("alive").GetBoolean(), n.ToString()));

        var down = Ok(await service.RunAsync("down", "--json"));
        Assert.True(down.GetProperty("destroy").GetProperty("removed").GetArrayLength() > 0);
        Assert.True(down.GetProperty("testbed").GetProperty("was_running").GetBoolean());
    }

    /// <summary>Exit 0 and stdout exactly one document (JsonDocument.Parse refuses anything after it) with ok = true.</summary>
    private static JsonElement Ok(CliRun run)
    {
        Assert.True(run.ExitCode == 0, run.All);
        using var document = JsonDocument.Parse(run.Output);
        var root = document.RootElement.Clone();
        Assert.Equal(JsonSchema.Version, root.GetProperty(JsonSchema.VersionField).GetInt32());
        Assert.True(root.GetProperty("ok").GetBoolean(), run.Output);
        Assert.Equal(0, root.GetProperty("exit_code").GetInt32());
        return root;
    }
}
