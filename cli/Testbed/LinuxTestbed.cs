using Lbdeploy.Common;
using Lbdeploy.Rendering;
using Lbdeploy.Runner;
using Lbdeploy.Topology;
using Lbdeploy.Nodes;

namespace Lbdeploy.Testbed;

/// <summary>
/// `lbdeploy testbed up|down|status`: a headless mininet network whose switches are Linux routers, built from a
/// <see cref="Fabric"/> by a fixed Python launcher (templates/testbed/launcher.py) reading the serialized model. It runs in
/// its own session until SIGTERM; its state directory records every pid it made so `down` removes exactly those.
/// </summary>
public sealed class LinuxTestbed(TestbedState state, TextWriter output, TimeProvider? time = null)
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(180);

    /// <summary>A launcher not running this long after its start has failed (before, it may not have written its pid yet).</summary>
    private static readonly TimeSpan LauncherStartGrace = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan PidFileTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    private readonly TimeProvider clock = time ?? TimeProvider.System;
    private readonly IProcessTable processes = ProcessTable.System;

    public TestbedState State { get; } = state;

    public static LinuxTestbed Default(TextWriter output) => new(TestbedState.Default, output);

    /// <summary>Builds the network and returns once every node is up and configured.</summary>
    /// <param name="fabric">The network to build.</param>
    /// <param name="shapeLinks">Apply the links' options (bw, delay, loss, queue) with tc, as mininet's TCLink does.</param>
    /// <param name="cancellationToken">Stops waiting (the launcher keeps running; `down` stops it).</param>
    public async Task<IReadOnlyDictionary<string, TestbedNode>> UpAsync(Fabric fabric, bool shapeLinks = false, CancellationToken cancellationToken = default)
    {
        RequireRootAndMininet();
        var mininet = MininetInstall.Require();
        if (State.IsRunning)
        {
            throw new RunnerException($"a testbed is already running (launcher pid {State.LauncherPid}, state {State.Directory}); stop it with `lbdeploy testbed down`");
        }
        // Other mininet networks (another state folder's testbed, a p4run network) may run beside this one: every
        // interface is created inside its node's namespace, and lbdeploy finds its nodes by this folder's record.
        StateDirectories.Prepare(Path.GetDirectoryName(State.Directory));
        var model = TestbedModel.From(fabric, shapeLinks);
        var taken = model.InterfaceNames.Where(name => Directory.Exists(Path.Combine("/sys/class/net", name))).ToList();
        if (taken.Count > 0)
        {
            throw new RunnerException($"interface(s) {string.Join(", ", taken.Take(5))} already exist in the root namespace; delete them (ip link del NAME) before starting the testbed");
        }

        if (Directory.Exists(State.Directory)) Directory.Delete(State.Directory, recursive: true);
        Directory.CreateDirectory(State.Directory);
        await File.WriteAllTextAsync(State.LauncherScript, ShippedFiles.Read("testbed/launcher.py"), cancellationToken);
        await File.WriteAllTextAsync(State.ModelFile, model.ToJson(), cancellationToken);
        await File.WriteAllTextAsync(State.TopologyFile, P4RunTopology.Write(fabric), cancellationToken);
        await File.WriteAllTextAsync(State.SourceFile, fabric.Source + Environment.NewLine, cancellationToken);
        await File.WriteAllLinesAsync(State.NodeNamesFile, model.NodeNames, cancellationToken);

        output.WriteLine($"testbed: starting {model.Hosts.Count} hosts, {model.Switches.Count} Linux-router switches, {model.Links.Count} links from {fabric.Source}");
        var started = clock.GetTimestamp();
        await StartLauncherAsync(mininet.Python, cancellationToken);
        bool LauncherFailed() => File.Exists(State.ErrorFile) || (clock.GetElapsedTime(started) > LauncherStartGrace && !State.IsRunning);
        var settled = await Wait.UntilAsync(() => State.IsReady || LauncherFailed(), StartTimeout, PollInterval, clock, cancellationToken);
        if (!State.IsReady)
        {
            if (settled)
            {
                await WaitForExitAsync(TimeSpan.FromSeconds(20));
                throw new RunnerException($"the testbed launcher failed; log {State.LogFile}:{Environment.NewLine}{State.LogTail()}");
            }
            await DownAsync(cancellationToken);
            throw new RunnerException($"the testbed did not come up within {StartTimeout.TotalSeconds:0} s; log tail:{Environment.NewLine}{State.LogTail()}");
        }
        var nodes = State.Nodes;
        var dead = nodes.Values.Where(n => !n.IsAlive).Select(n => n.Name).ToList();
        if (dead.Count > 0)
        {
            throw new RunnerException($"testbed nodes {string.Join(", ", dead)} died right after start; see {State.LogFile}");
        }
        output.WriteLine($"testbed: ready in {clock.GetElapsedTime(started).TotalSeconds:0.0} s (state {State.Directory}, topology {State.TopologyFile})");
        if (ShapingNote(LinkShaping.Of(fabric), shapeLinks) is { } note) output.WriteLine($"testbed: {note}");
        return nodes;
    }

    /// <summary>
    /// Stops the testbed: first every process living in one of its nodes' network namespaces that is not a node
    /// shell (engines, servers, anything run there), then the launcher, which deletes the links and node shells.
    /// Returns false when no testbed was running.
    /// </summary>
    public async Task<bool> DownAsync(CancellationToken cancellationToken = default)
    {
        if (!State.Exists)
        {
            return false;
        }
        var nodes = State.RecordedOrPlannedNodes();
        var namespaces = nodes.Select(n => n.IsAlive ? Processes.NetworkNamespace(n.Pid) : null).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var shells = nodes.Select(n => n.Pid).ToHashSet();
        if (namespaces.Count > 0)
        {
            var guests = Processes.InNamespaces(namespaces).Where(pid => !shells.Contains(pid)).ToList();
            if (guests.Count > 0)
            {
                output.WriteLine($"testbed: stopping {guests.Count} process(es) running inside the testbed nodes");
                await processes.TerminateAsync(guests, TimeSpan.FromSeconds(3), clock);
            }
        }
        if (State.IsRunning && State.LauncherPid is { } launcher)
        {
            output.WriteLine($"testbed: stopping the launcher (pid {launcher}) and {nodes.Count} nodes");
            Processes.Signal(launcher, Processes.SigTerm);
            if (!await WaitForExitAsync(TimeSpan.FromSeconds(60)))
            {
                Processes.Signal(launcher, Processes.SigKill);
            }
        }
        // The launcher is gone; whatever node shell survived it (killed launcher) is ours by pid and name.
        var survivors = nodes.Where(n => n.IsAlive).Select(n => n.Pid).ToList();
        if (survivors.Count > 0)
        {
            await processes.TerminateAsync(survivors, TimeSpan.FromSeconds(2), clock);
        }
        if (namespaces.Count > 0)
        {
            var left = Processes.InNamespaces(namespaces);
            if (left.Count > 0) await processes.TerminateAsync(left, TimeSpan.FromSeconds(2), clock);
        }
        var lastLog = Path.Combine(Path.GetDirectoryName(State.Directory)!, "testbed-last.log");
        if (File.Exists(State.LogFile)) File.Copy(State.LogFile, lastLog, overwrite: true);
        Directory.Delete(State.Directory, recursive: true);
        output.WriteLine("testbed: stopped");
        return true;
    }

    /// <summary>Every recorded node and whether its shell is alive.</summary>
    public TestbedStatus Status() =>
        new(State.Exists, State.IsRunning, State.IsReady, State.LauncherPid, State.Directory,
            State.Nodes.Values.OrderBy(n => n.Kind, StringComparer.Ordinal).ThenBy(n => n.Name, NaturalOrder.Instance)
                .Select(n => new TestbedNodeStatus(n, n.IsAlive)).ToList());

    /// <summary>Whether the fabric's link options were applied, or null when it has none.</summary>
    public static string? ShapingNote(LinkShaping shaping, bool shaped) =>
        !shaping.Any ? null
        : shaped ? $"link options applied with tc ({shaping.Describe()})"
        : $"link options NOT applied ({shaping.Describe()}): links run unshaped; start with --shape to apply them";

    /// <summary>Root, and mnexec on PATH (what entering a node needs); starting the testbed also needs mininet's Python package.</summary>
    public static void RequireRootAndMininet()
    {
        if (!Processes.IsRoot)
        {
            throw new RunnerException("lbdeploy needs root to run mininet and enter its hosts; run it from a root shell or with sudo");
        }
        MininetInstall.RequireMnExec();
    }

    private async Task StartLauncherAsync(string python, CancellationToken ct)
    {
        await Daemons.Local.StartAsync(State.LogFile, [python, State.LauncherScript, State.Directory], ct);
        // The launcher writes its pid file first thing; the wait for ready below tells a launcher that never did.
        await Wait.UntilAsync(() => State.LauncherPid is not null, PidFileTimeout, TimeSpan.FromMilliseconds(20), clock, ct);
    }

    private Task<bool> WaitForExitAsync(TimeSpan timeout) =>
        Wait.UntilAsync(() => !State.IsRunning, timeout, PollInterval, clock);
}

public sealed record TestbedStatus(bool Exists, bool LauncherAlive, bool Ready, int? LauncherPid, string Directory, IReadOnlyList<TestbedNodeStatus> Nodes);

public sealed record TestbedNodeStatus(TestbedNode Node, bool Alive);
