using Lbdeploy.Common;
using Lbdeploy.Nodes;
using Lbdeploy.Planning;

namespace Lbdeploy.Runner;

/// <summary>
/// A deployment on the testbed (or a p4run network): commands enter the nodes through the environment's shell
/// (mnexec), the applied plan's files, logs and control sockets are paths on this machine, processes are read from
/// this machine's process table (the nodes share its pid namespace).
/// </summary>
/// <param name="shell">The nodes' shell (null: a target that only stops processes).</param>
/// <param name="network">The network applied to (null: one that is not checked against a state).</param>
public sealed class TestbedTarget(INodeShell? shell, MininetNetwork? network, RunnerEnvironment environment) : IDeployTarget
{
    public TestbedTarget(MininetNetwork network, RunnerEnvironment environment) : this(environment.ShellFor(network), network, environment)
    {
    }

    public MininetNetwork? Network { get; } = network;

    public string Transport => Transports.Mnexec;

    public INodeShell Shell => shell ?? throw new RunnerException("no network to run commands in; start it again (lbdeploy testbed up)");

    private DeployPaths Paths => environment.Paths;

    /// <summary>The nodes are checked where they are entered (<see cref="HostShell.NamespacedPidOf"/>).</summary>
    public Task ConnectAsync(IEnumerable<string> nodes, CancellationToken ct) => Task.CompletedTask;

    public bool Matches(DeployState state) => Network is { } running && state.Transport is null or Transports.Mnexec && state.MatchesNetwork(running);

    public DeployState Stamp(DeployState state) => state with { Transport = null, Machines = null, InventoryPath = null };

    public Task<bool> IsAliveAsync(string node, int pid, CancellationToken ct) => Task.FromResult(environment.Processes.IsAlive(pid));

    public Task<string> FingerprintAsync(string node, int pid, CancellationToken ct) => Task.FromResult(environment.Processes.Fingerprint(pid));

    public Task TerminateAsync(string node, IReadOnlyCollection<int> pids, TimeSpan grace, CancellationToken ct) =>
        environment.Processes.TerminateAsync(pids, grace, environment.Time);

    public IEngineControl EnginesOn(string node) => environment.Engines;

    public string PlanFile(string node, string file) => Path.Combine(Paths.PlanDirectory, file);

    /// <summary>The nodes read the plan folder of this machine: nothing to copy.</summary>
    public Task PublishAsync(DeploymentPlan plan, CancellationToken ct) => Task.CompletedTask;

    public string LogFile(string node, string name)
    {
        Directory.CreateDirectory(Paths.LogDirectory);
        return Path.Combine(Paths.LogDirectory, name + ".log");
    }

    public Task<string> TailAsync(string node, string? log, CancellationToken ct) => Task.FromResult(UnitOperations.Tail(log));

    public string EngineCommandLine(string node, string role, string configFile) => EngineBinary.CommandLine(role, configFile);

    public string LbengineCommandLine(string node, string arguments) => EngineBinary.CommandLine(arguments);

    public Task PrepareEngineAsync(DeployUnit unit, string socket, CancellationToken ct)
    {
        if (File.Exists(socket)) File.Delete(socket);
        // Only root reaches the sockets' folder: a control socket drains DIPs and reloads configs.
        Directory.CreateDirectory(Path.GetDirectoryName(socket)!, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        UnitOperations.SeedPoolHistory(unit, socket);
        return Task.CompletedTask;
    }

    public Task RemoveControlSocketAsync(string node, string socket, CancellationToken ct)
    {
        if (File.Exists(socket)) File.Delete(socket);
        return Task.CompletedTask;
    }

    public Task<string> ScriptAsync(string node, string name, CancellationToken ct) => Task.FromResult(ShippedFiles.Install(name, Paths.Scripts));

    /// <summary>The nodes keep nothing of their own: the state folder is removed with the state.</summary>
    public Task ClearAsync(IReadOnlyCollection<string> nodes, CancellationToken ct) => Task.CompletedTask;
}
