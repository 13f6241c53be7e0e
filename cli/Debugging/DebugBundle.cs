using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Lb.Core.Control;
using Lbdeploy.Common;
using Lbdeploy.Nodes;
using Lbdeploy.Runner;

namespace Lbdeploy.Debugging;

/// <summary>What `debug-bundle` wrote: the archive, its size and its manifest.</summary>
public sealed record BundleResult(string Path, long Bytes, BundleManifest Manifest);

/// <summary>
/// `lbdeploy debug-bundle`: everything needed to debug a deployment afterwards, in one archive. From every node of
/// the running network, templates/runner/node-report.sh's files (addresses, links, routes and rules, neighbours,
/// sysctls, nft, qdiscs, FRR's state on an frr router); from every engine its stats and health (control socket) and
/// its log; the state folder's testbed, deploy and frr files (plans, applied.json, logs, the testbed's log). Nothing
/// that fails stops the rest: it goes into the manifest.
/// </summary>
public static class DebugBundle
{
    /// <summary>The longest one node's report may take before it is stopped (its files so far are kept).</summary>
    public static readonly TimeSpan NodeTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The longest each command of a node's report may take.</summary>
    public const int CommandSeconds = 10;

    /// <summary>Nodes reported at once.</summary>
    public const int MaxParallelNodes = 8;

    /// <summary>The longest an engine may take to answer one control command.</summary>
    public static readonly TimeSpan EngineTimeout = TimeSpan.FromSeconds(5);

    /// <summary>A longer file (a log) is kept from its end, this many bytes.</summary>
    public const long MaxFileBytes = 8 << 20;

    /// <summary>The state folder's parts that go into the bundle (scripts/ are lbdeploy's own, sockets/ hold no files).</summary>
    public static readonly string[] StateParts = ["testbed", "deploy", "frr"];

    public const string NodeScript = "runner/node-report.sh";

    /// <summary>The default archive name: lbdeploy-debug-20261205-204501.tar.gz.</summary>
    public static string DefaultFileName(DateTimeOffset now) =>
        string.Create(CultureInfo.InvariantCulture, $"lbdeploy-debug-{now.UtcDateTime:yyyyMMdd-HHmmss}.tar.gz");

    /// <summary>The archive's one folder: its file name without .tar.gz or .tgz.</summary>
    public static string FolderOf(string archive)
    {
        var name = Path.GetFileName(archive);
        foreach (var suffix in new[] { ".tar.gz", ".tgz" })
        {
            if (name.EndsWith(suffix, StringComparison.Ordinal)) return name[..^suffix.Length];
        }
        return name;
    }

    public static async Task<BundleResult> CreateAsync(string archive, CancellationToken ct)
    {
        var failures = new ConcurrentBag<BundleFailure>();
        var entries = new ConcurrentBag<(BundleEntry Entry, string Source)>();
        var nodes = new ConcurrentBag<BundleNode>();
        var state = LoadState(failures);
        var network = LocateNetwork(failures);
        var staging = CreateStaging();
        try
        {
            if (network is not null) await CollectNodesAsync(network, state, staging, nodes, entries, failures, ct);
            var engineLogs = await CollectEnginesAsync(state, staging, entries, failures, ct);
            CollectStateFiles(engineLogs, entries);
            if (entries.IsEmpty)
            {
                throw new LbdeployException($"nothing to collect: no network runs and {StateDirectories.Root} holds no testbed or deployment; start one (lbdeploy up), or point {StateDirectories.Variable} at its state folder");
            }
            var ordered = entries.OrderBy(e => e.Entry.ArchivePath, StringComparer.Ordinal).ToList();
            var manifest = new BundleManifest(
                BundleManifest.Version,
                DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
                StateDirectories.Root,
                network?.Source,
                [.. nodes.OrderBy(n => n.Name, Topology.NaturalOrder.Instance)],
                [.. ordered.Select(e => new BundleFile(e.Entry.ArchivePath, e.Entry.Length, e.Source, e.Entry.Truncated))],
                [.. failures.OrderBy(f => f.Where, Topology.NaturalOrder.Instance).ThenBy(f => f.What, StringComparer.Ordinal)]);
            await BundleArchive.WriteAsync(archive, FolderOf(archive), manifest.ToJson(), [.. ordered.Select(e => e.Entry)], ct);
            return new BundleResult(archive, new FileInfo(archive).Length, manifest);
        }
        finally
        {
            Directory.Delete(staging, recursive: true);
            if (Directory.Exists(StagingRoot) && !Directory.EnumerateFileSystemEntries(StagingRoot).Any()) Directory.Delete(StagingRoot);
        }
    }

    /// <summary>Where nodes write their reports: below the state folder, which every node sees (mininet nodes share the file system).</summary>
    private static string StagingRoot => Path.Combine(StateDirectories.Root, "debug");

    private static string CreateStaging()
    {
        StateDirectories.Prepare();
        var folder = Path.Combine(StagingRoot, $"{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return folder;
    }

    private static DeployState? LoadState(ConcurrentBag<BundleFailure> failures)
    {
        try
        {
            return DeployStateFile.Default.Load();
        }
        catch (LbdeployException e)
        {
            failures.Add(new BundleFailure("state", "applied.json", e.Message));
            return null;
        }
    }

    private static RunningNodes? LocateNetwork(ConcurrentBag<BundleFailure> failures)
    {
        try
        {
            return RunningNodes.Locate();
        }
        catch (LbdeployException e)
        {
            failures.Add(new BundleFailure("network", "find the running nodes", e.Message));
            return null;
        }
    }

    private static async Task CollectNodesAsync(RunningNodes network, DeployState? state, string staging, ConcurrentBag<BundleNode> nodes,
        ConcurrentBag<(BundleEntry, string)> entries, ConcurrentBag<BundleFailure> failures, CancellationToken ct)
    {
        var script = ShippedFiles.Install(NodeScript, DeployPaths.Default.Scripts);
        var shell = new HostShell(network.Network);
        var routers = (state?.Units ?? []).Where(u => u.Kind == UnitKind.Router && u.RuntimeDirectory is not null)
            .ToDictionary(u => u.Host, u => u.RuntimeDirectory!, StringComparer.Ordinal);
        using var gate = new SemaphoreSlim(MaxParallelNodes);
        await Task.WhenAll(network.Nodes.Select(async node =>
        {
            await gate.WaitAsync(ct);
            try
            {
                var folder = Path.Combine(staging, "nodes", node.Name);
                var line = $"/bin/sh {ShellQuoting.Quote(script)} {ShellQuoting.Quote(folder)} {CommandSeconds}"
                    + (routers.TryGetValue(node.Name, out var frr) ? " " + ShellQuoting.Quote(frr) : "");
                var clock = Stopwatch.StartNew();
                var complete = false;
                try
                {
                    var result = await shell.RunAsync(node.Name, line, NodeTimeout, ct);
                    complete = result.Succeeded;
                    if (!result.Succeeded) failures.Add(new BundleFailure(node.Name, NodeScript, result.Summary(), result.ExitCode));
                }
                catch (LbdeployException e)
                {
                    failures.Add(new BundleFailure(node.Name, NodeScript, e.Message));
                }
                nodes.Add(new BundleNode(node.Name, node.Kind, Math.Round(clock.Elapsed.TotalSeconds, 3), complete));
                AddNodeFiles(node.Name, folder, entries, failures);
            }
            finally
            {
                gate.Release();
            }
        }));
    }

    private static void AddNodeFiles(string node, string folder, ConcurrentBag<(BundleEntry, string)> entries, ConcurrentBag<BundleFailure> failures)
    {
        var commandsFile = Path.Combine(folder, "commands.tsv");
        if (!File.Exists(commandsFile))
        {
            failures.Add(new BundleFailure(node, NodeScript, $"no report in {folder}: the node may not see lbdeploy's state folder (a private mount namespace)"));
            return;
        }
        var commands = File.ReadAllText(commandsFile);
        var sources = commands.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('\t', 3)).Where(f => f.Length == 3)
            .ToDictionary(f => f[0], f => f[2], StringComparer.Ordinal);
        foreach (var failure in BundleManifest.FailedCommands(node, commands, file => ReadIfExists(Path.Combine(folder, file + ".err"))))
        {
            failures.Add(failure);
        }
        foreach (var file in Directory.EnumerateFiles(folder))
        {
            var name = Path.GetFileName(file);
            var command = sources.GetValueOrDefault(name) ?? sources.GetValueOrDefault(Path.GetFileNameWithoutExtension(name));
            var source = command is null ? $"node {node}: {NodeScript}" : $"node {node}: {command}{(name.EndsWith(".err", StringComparison.Ordinal) ? " (stderr)" : "")}";
            entries.Add((BundleArchive.Entry($"nodes/{node}/{name}", file, MaxFileBytes), source));
        }
    }

    /// <summary>Each engine's stats and health from its control socket, and its log; returns the logs' paths.</summary>
    private static async Task<HashSet<string>> CollectEnginesAsync(DeployState? state, string staging, ConcurrentBag<(BundleEntry, string)> entries,
        ConcurrentBag<BundleFailure> failures, CancellationToken ct)
    {
        var logs = new HashSet<string>(StringComparer.Ordinal);
        var engines = (state?.Units ?? []).Where(u => u.Kind is UnitKind.Mux or UnitKind.Agent).ToList();
        foreach (var engine in engines)
        {
            var name = $"{engine.Kind.ToString().ToLowerInvariant()}-{engine.Host}";
            if (engine.LogFile is { } log && File.Exists(log))
            {
                logs.Add(Path.GetFullPath(log));
                entries.Add((BundleArchive.Entry($"engines/{name}/engine.log", log, MaxFileBytes), log));
            }
        }
        await Task.WhenAll(engines.Where(e => e.ControlSocket is not null).SelectMany(engine => new[] { "stats", "health" }.Select(async command =>
        {
            var name = $"{engine.Kind.ToString().ToLowerInvariant()}-{engine.Host}";
            try
            {
                using var reply = await new ControlClient(engine.ControlSocket!, EngineTimeout).SendCheckedAsync(command, ct);
                var file = Path.Combine(staging, "engines", name, command + ".json");
                Directory.CreateDirectory(Path.GetDirectoryName(file)!);
                await File.WriteAllTextAsync(file, reply.RootElement.GetRawText(), ct);
                entries.Add((BundleArchive.Entry($"engines/{name}/{command}.json", file, MaxFileBytes), $"{engine.ControlSocket}: {command}"));
            }
            catch (ControlException e)
            {
                failures.Add(new BundleFailure(engine.Label, $"control socket: {command}", e.Message));
            }
        })));
        return logs;
    }

    /// <summary>The state folder's own files and its testbed, deploy and frr files (regular files only: sockets and links are left out).</summary>
    private static void CollectStateFiles(HashSet<string> alreadyIn, ConcurrentBag<(BundleEntry, string)> entries)
    {
        var root = StateDirectories.Root;
        if (!Directory.Exists(root)) return;
        // Files at the top (testbed-last.log, the previous testbed's log) and the parts' trees.
        foreach (var file in Directory.EnumerateFiles(root).Where(RegularFiles.IsRegular))
        {
            entries.Add((BundleArchive.Entry("state/" + Path.GetFileName(file), file, MaxFileBytes), file));
        }
        foreach (var part in StateParts)
        {
            var folder = Path.Combine(root, part);
            if (!Directory.Exists(folder)) continue;
            foreach (var file in Directory.EnumerateFiles(folder, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint }))
            {
                if (alreadyIn.Contains(Path.GetFullPath(file)) || !RegularFiles.IsRegular(file)) continue;
                entries.Add((BundleArchive.Entry("state/" + Path.GetRelativePath(root, file), file, MaxFileBytes), file));
            }
        }
    }

    private static string? ReadIfExists(string path) => File.Exists(path) ? File.ReadAllText(path) : null;
}
