using Lbdeploy.Tests.Debugging;
using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Lbdeploy.Debugging;
using Lbdeploy.Testbed;
using Xunit.Abstractions;

namespace Lbdeploy.Tests.EndToEnd;

/// <summary>
/// `lbdeploy exec` and `debug-bundle` on the running course deployment, run as users run them (the CLI in its own
/// process, so exec's standard streams and exit code are the real ones).
/// </summary>
[Collection(MininetCollection.Name)]
public sealed class OperatorToolsTests(ITestOutputHelper log)
{
    [RootFact]
    public async Task Exec_runs_in_the_node_with_its_exit_code_and_debug_bundle_collects_every_node_and_engine()
    {
        await using var service = await DeployedService.StartAsync(log, Path.Combine(CliRun.RepositoryRoot, "lb.yaml"));
        var h3 = TestbedState.Default.Model!.Hosts.Single(h => h.Name == "h3");

        var addresses = await RunAsync("exec", "h3", "--", "ip", "-4", "addr", "show");
        Assert.True(addresses.ExitCode == 0, addresses.Error);
        Assert.Contains($"inet {h3.Address} ", addresses.Output);
        Assert.Contains(h3.Interface, addresses.Output);

        var seven = await RunAsync("exec", "h3", "--", "sh", "-c", "echo out; echo err >&2; exit 7");
        Assert.Equal(7, seven.ExitCode);
        Assert.Equal("out\n", seven.Output);
        Assert.Equal("err\n", seven.Error);

        var unknown = await RunAsync("exec", "nosuch", "--", "true");
        Assert.Equal(1, unknown.ExitCode);
        Assert.Equal("", unknown.Output);
        Assert.Matches(@"^error: unknown node nosuch: the testbed of \S+ has 36 nodes \(a1, a2, .*\); lbdeploy testbed status lists them$", unknown.Error.TrimEnd('\n'));

        var folder = Directory.CreateTempSubdirectory("lbdeploy-bundle-").FullName;
        try
        {
            var archive = Path.Combine(folder, "x.tar.gz");
            var bundle = await RunAsync("debug-bundle", "--out", archive, "--json");
            Assert.True(bundle.ExitCode == 0, bundle.Error);
            using var result = JsonDocument.Parse(bundle.Output);
            Assert.Equal(archive, result.RootElement.GetProperty("archive").GetString());
            Assert.Equal(new FileInfo(archive).Length, result.RootElement.GetProperty("bytes").GetInt64());
            Assert.Equal(36, result.RootElement.GetProperty("nodes").GetInt32());

            var files = await BundleReader.ReadAsync(archive);
            var manifest = BundleManifest.Parse(files["x/manifest.json"]);
            Assert.Equal(files.Keys.Where(k => k != "x/manifest.json").Order(StringComparer.Ordinal), manifest.Files.Select(f => "x/" + f.Path));
            Assert.All(manifest.Nodes, n => Assert.True(n.Complete, n.Name));
            Assert.Contains("switch", manifest.Nodes.Single(n => n.Name == "a1").Kind);
            Assert.Contains("nexthop via", files["x/nodes/a1/routes.txt"]);
            Assert.Contains("default via", files["x/nodes/h3/routes.txt"]);
            Assert.Contains("net.ipv4.conf.all.forwarding = 1", files["x/nodes/a1/sysctls.txt"]);
            using var stats = JsonDocument.Parse(files["x/engines/mux-h1/stats.json"]);
            Assert.Equal("mux", stats.RootElement.GetProperty("role").GetString());
            Assert.Contains("x/engines/agent-h13/engine.log", files.Keys);
            Assert.Contains("x/state/testbed/launcher.log", files.Keys);
            Assert.Contains("x/state/deploy/applied.json", files.Keys);
            log.WriteLine($"bundle: {new FileInfo(archive).Length} bytes, {files.Count} files, {manifest.Failures.Count} failures: {string.Join("; ", manifest.Failures.Select(f => $"{f.Where} {f.What}: {f.Message}"))}");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var arg in new[] { "exec", Path.Combine(AppContext.BaseDirectory, "lbdeploy.dll") }.Concat(args)) start.ArgumentList.Add(arg);
        start.Environment["LBDEPLOY_HOME"] = CliRun.RepositoryRoot;
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var (output, error) = (await stdout, await stderr);
        log.WriteLine($"$ lbdeploy {string.Join(' ', args)}  -> exit {process.ExitCode} in {watch.Elapsed.TotalSeconds:0.00} s");
        log.WriteLine(output + error);
        return (process.ExitCode, output, error);
    }
}
