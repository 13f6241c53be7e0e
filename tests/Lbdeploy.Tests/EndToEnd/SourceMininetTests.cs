using System.Diagnostics;
using Xunit.Abstractions;

namespace Lbdeploy.Tests.EndToEnd;

/// <summary>
/// A course VM's mininet, built from source, arranged on this machine in private mount namespaces
/// (EndToEnd/Data/source-mininet.sh: Debian's package and mnexec hidden, dpkg unaware of them, a copy of the package on
/// PYTHONPATH and mnexec in another PATH folder): bootstrap would install no mininet, and `lbdeploy up` runs and
/// verifies the service. With mininet hidden and no copy, bootstrap would install it and lbdeploy names what is missing.
/// </summary>
[Collection(MininetCollection.Name)]
public sealed class SourceMininetTests(ITestOutputHelper log)
{
    private static readonly string Script = Path.Combine(CliRun.RepositoryRoot, "tests", "Lbdeploy.Tests", "EndToEnd", "Data", "source-mininet.sh");
    private static readonly string Cli = Path.Combine(AppContext.BaseDirectory, "lbdeploy.dll");

    [RootFact]
    public async Task Bootstrap_leaves_a_source_built_mininet_alone_and_up_runs_on_it()
    {
        var work = Directory.CreateTempSubdirectory("lbdeploy-source-mininet-").FullName;
        var state = $"/run/lb-srcmn-{Environment.ProcessId}";
        try
        {
            var source = Path.Combine(work, "source");
            var dryRun = await InNamespaceAsync(source, "source", null, Path.Combine(CliRun.RepositoryRoot, "tools", "bootstrap.sh"), "--dry-run");
            Assert.True(dryRun.ExitCode == 0, dryRun.Output);
            Assert.Matches($@"bootstrap: mininet: mnexec {source}/bin/mnexec, package {source}/site/mininet \(imported by \S+\)", dryRun.Output);
            Assert.DoesNotContain("mininet", Line(dryRun.Output, "bootstrap: would apt-get install:"));

            var none = Path.Combine(work, "none");
            var missing = await InNamespaceAsync(none, "none", null, Path.Combine(CliRun.RepositoryRoot, "tools", "bootstrap.sh"), "--dry-run");
            Assert.Contains("mininet", Line(missing.Output, "bootstrap: would apt-get install:"));
            var refused = await InNamespaceAsync(none, "none", state, "dotnet", "exec", Cli, "testbed", "up", "-f", Path.Combine(CliRun.RepositoryRoot, "lb.yaml"));
            Assert.True(refused.ExitCode == 1, refused.Output);
            Assert.Contains("error: mininet is missing: no executable mnexec on PATH (", refused.Output);

            var up = await InNamespaceAsync(source, "source", state, "dotnet", "exec", Cli, "up", "-f", Path.Combine(CliRun.RepositoryRoot, "lb.yaml"));
            Assert.True(up.ExitCode == 0, up.Output);
            Assert.Contains("testbed: link options NOT applied (bw on 48 links): links run unshaped; start with --shape to apply them", up.Output);
            Assert.Contains("up: the service is running and verified", up.Output);
        }
        finally
        {
            var down = await InNamespaceAsync(Path.Combine(work, "down"), "source", state, "dotnet", "exec", Cli, "down");
            Assert.True(down.ExitCode == 0, down.Output);
            Directory.Delete(work, recursive: true);
            if (Directory.Exists(state)) Directory.Delete(state, recursive: true);
        }
    }

    private static string Line(string output, string prefix) =>
        output.Split('\n').FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal)) ?? throw new Xunit.Sdk.XunitException($"no line {prefix} in:\n{output}");

    /// <summary>argv in a fresh private mount namespace arranged by the script (MODE source or none).</summary>
    private async Task<(int ExitCode, string Output)> InNamespaceAsync(string work, string mode, string? stateFolder, params string[] argv)
    {
        var start = new ProcessStartInfo("unshare");
        foreach (var arg in new[] { "-m", "--propagation", "private", "bash", Script, work, mode }.Concat(argv)) start.ArgumentList.Add(arg);
        if (stateFolder is not null) start.Environment["LBDEPLOY_STATE_DIR"] = stateFolder;
        start.Environment["LBDEPLOY_HOME"] = CliRun.RepositoryRoot;
        return await LoggedProcess.RunAsync(start, $"[{mode}] {string.Join(' ', argv.Select(Path.GetFileName))}", log);
    }
}
