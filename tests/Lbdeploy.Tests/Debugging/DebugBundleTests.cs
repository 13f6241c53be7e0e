using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using Lbdeploy.Commands;
using Lbdeploy.Common;
using Lbdeploy.Debugging;

namespace Lbdeploy.Tests.Debugging;

/// <summary>debug-bundle's parts without a network: the output path, the manifest, the archive, the node script.</summary>
public sealed class DebugBundleTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("lbdeploy-bundle-test-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void The_default_name_has_the_time_and_the_archive_one_folder_of_that_name()
    {
        var name = DebugBundle.DefaultFileName(new DateTimeOffset(2026, 12, 5, 20, 45, 1, TimeSpan.FromHours(2)));
        Assert.Equal("lbdeploy-debug-20261205-184501.tar.gz", name);
        Assert.Equal("lbdeploy-debug-20261205-184501", DebugBundle.FolderOf(name));
        Assert.Equal("x", DebugBundle.FolderOf("/tmp/x.tgz"));
    }

    [Fact]
    public void The_output_must_be_a_tar_gz_in_an_existing_folder()
    {
        Assert.Equal(Path.Combine(folder, "b.tar.gz"), DebugBundleCommand.CheckOutput(Path.Combine(folder, "b.tar.gz")));
        Assert.Equal(Path.Combine(folder, "b.tgz"), DebugBundleCommand.CheckOutput(Path.Combine(folder, "b.tgz")));
        Assert.Contains("must end in .tar.gz or .tgz", Assert.Throws<LbdeployException>(() => DebugBundleCommand.CheckOutput(Path.Combine(folder, "b.zip"))).Message);
        Directory.CreateDirectory(Path.Combine(folder, "d.tar.gz"));
        Assert.Contains("is a folder", Assert.Throws<LbdeployException>(() => DebugBundleCommand.CheckOutput(Path.Combine(folder, "d.tar.gz"))).Message);
        Assert.Contains("does not exist", Assert.Throws<LbdeployException>(() => DebugBundleCommand.CheckOutput(Path.Combine(folder, "no", "b.tar.gz"))).Message);
        Assert.Contains("control character", Assert.Throws<LbdeployException>(() => DebugBundleCommand.CheckOutput("b\n.tar.gz")).Message);
    }

    [Fact]
    public async Task A_bad_out_is_refused_on_the_command_line_in_one_line()
    {
        var error = new StringWriter();
        var exit = await LbdeployApp.RunAsync(["debug-bundle", "--out", Path.Combine(folder, "b.zip")],
            new System.CommandLine.InvocationConfiguration { Output = new StringWriter(), Error = error });
        Assert.Equal(ExitCodes.UserError, exit);
        Assert.StartsWith("error: --out ", Assert.Single(error.ToString().TrimEnd().Split('\n')));
    }

    [Fact]
    public void Failed_commands_of_a_node_become_manifest_failures_with_their_first_error_line()
    {
        const string tsv = "routes.txt\t0\tip -4 route show table all\nnexthops.txt\t2\tip nexthop show\nnft-ruleset.txt\t124\tnft list ruleset\nbroken line\n";
        var errors = new Dictionary<string, string> { ["nexthops.txt"] = "Error: nexthop objects not supported.\nsecond line\n" };
        var failures = BundleManifest.FailedCommands("a1", tsv, file => errors.GetValueOrDefault(file));
        Assert.Equal(
        [
            new BundleFailure("a1", "ip nexthop show", "nexthops.txt: Error: nexthop objects not supported.", 2),
            new BundleFailure("a1", "nft list ruleset", "nft-ruleset.txt: timed out", 124),
            new BundleFailure("a1", "commands.tsv", "unreadable line 'broken line'"),
        ], failures);
    }

    [Fact]
    public async Task The_archive_is_a_gzip_tar_with_the_manifest_first_and_long_files_kept_from_their_end()
    {
        var small = Path.Combine(folder, "routes.txt");
        await File.WriteAllTextAsync(small, "10.0.0.0/8 via 10.1.1.1\n");
        var log = Path.Combine(folder, "engine.log");
        await File.WriteAllTextAsync(log, string.Concat(Enumerable.Range(0, 1000).Select(i => $"line {i:D4}\n")));
        var empty = Path.Combine(folder, "nexthops.txt");
        await File.WriteAllTextAsync(empty, "");
        var entries = new[] { BundleArchive.Entry("nodes/a1/routes.txt", small, 1 << 20), BundleArchive.Entry("engines/mux-h1/engine.log", log, 100), BundleArchive.Entry("nodes/a1/nexthops.txt", empty, 100) };
        Assert.False(entries[0].Truncated);
        Assert.True(entries[1].Truncated);
        var manifest = new BundleManifest(BundleManifest.Version, "2026-12-05T20:45:00Z", "/run/x", "the testbed of /run/x",
            [new BundleNode("a1", "switch", 0.1, true)],
            [.. entries.Select(e => new BundleFile(e.ArchivePath, e.Length, e.SourcePath, e.Truncated))],
            [new BundleFailure("a1", "nft list ruleset", "nft-ruleset.txt: timed out", 124)]);
        var archive = Path.Combine(folder, "b.tar.gz");

        await BundleArchive.WriteAsync(archive, "b", manifest.ToJson(), entries, CancellationToken.None);

        var read = await BundleReader.ReadAsync(archive);
        Assert.Equal(["b/manifest.json", "b/nodes/a1/routes.txt", "b/engines/mux-h1/engine.log", "b/nodes/a1/nexthops.txt"], read.Keys);
        Assert.Equal("", read["b/nodes/a1/nexthops.txt"]);
        Assert.Equal(manifest.Files, BundleManifest.Parse(read["b/manifest.json"]).Files);
        Assert.Equal(manifest.Failures, BundleManifest.Parse(read["b/manifest.json"]).Failures);
        Assert.Equal("10.0.0.0/8 via 10.1.1.1\n", read["b/nodes/a1/routes.txt"]);
        Assert.Equal(100, read["b/engines/mux-h1/engine.log"].Length);
        Assert.EndsWith("line 0999\n", read["b/engines/mux-h1/engine.log"]);
        Assert.False(File.Exists(archive + ".partial"));
    }

    [Fact]
    public void Only_plain_files_count_as_regular()
    {
        var file = Path.Combine(folder, "f");
        File.WriteAllText(file, "x");
        Assert.True(RegularFiles.IsRegular(file));
        Assert.False(RegularFiles.IsRegular(folder));
        Assert.False(RegularFiles.IsRegular("/dev/null"));
        Assert.False(RegularFiles.IsRegular(Path.Combine(folder, "missing")));
        File.CreateSymbolicLink(Path.Combine(folder, "link"), file);
        Assert.False(RegularFiles.IsRegular(Path.Combine(folder, "link")));
    }

    /// <summary>
    /// The node script as a node runs it (here in the test's own namespace: it only reads): every command leaves a
    /// file and a commands.tsv line, and failing ones (vtysh with no FRR behind the folder) do not stop the rest.
    /// </summary>
    [Fact]
    public async Task The_node_script_records_every_command_and_carries_on_past_failures()
    {
        var script = Path.Combine(folder, "node-report.sh");
        await File.WriteAllTextAsync(script, ShippedFiles.Read(DebugBundle.NodeScript));
        var output = Path.Combine(folder, "out");
        var start = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { script, output, "5", Path.Combine(folder, "no-frr") }) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        await process.WaitForExitAsync();
        Assert.Equal(0, process.ExitCode);
        var lines = (await File.ReadAllLinesAsync(Path.Combine(output, "commands.tsv"))).Select(l => l.Split('\t')).ToList();
        Assert.Equal(
            ["addresses.txt", "links.txt", "routes.txt", "routes.json", "rules.txt", "nexthops.txt", "neighbours.txt", "sysctls.txt", "nft-ruleset.txt", "qdiscs.txt", "sockets.txt",
             "frr-bgp-summary.json", "frr-bgp-routes.json", "frr-bfd-peers.json", "frr-routes.txt", "frr-running-config.txt"],
            lines.Select(l => l[0]));
        Assert.All(lines, l => Assert.True(File.Exists(Path.Combine(output, l[0])), l[0]));
        Assert.Equal("0", lines.Single(l => l[0] == "routes.txt")[1]);
        Assert.All(lines.Where(l => l[0].StartsWith("frr-", StringComparison.Ordinal)), l => Assert.NotEqual("0", l[1]));
        Assert.Contains("net.ipv4.conf.all.rp_filter", await File.ReadAllTextAsync(Path.Combine(output, "sysctls.txt")));
        var failures = BundleManifest.FailedCommands("here", await File.ReadAllTextAsync(Path.Combine(output, "commands.tsv")), f => null);
        Assert.Contains(failures, f => f.What == $"vtysh --vty_socket {Path.Combine(folder, "no-frr")} -c show bgp summary json");
    }
}
