using Lbdeploy.Nodes;

namespace Lbdeploy.Runner;

/// <summary>
/// Everything apply, destroy, verify and the mux watcher act through: the state record, the nodes' shells, the
/// process table, daemons started on this machine, the engines' control sockets, the clock and the bmv2 CLI. Commands use
/// <see cref="Default"/>; tests pass fakes, so the runner's decisions run without a network.
/// </summary>
public sealed record RunnerEnvironment(
    IDeployStateStore State,
    Func<MininetNetwork, INodeShell> ShellFor,
    IProcessTable Processes,
    IDaemonLauncher Daemons,
    IEngineControl Engines,
    TimeProvider Time,
    string Bmv2CliProgram = Bmv2Cli.DefaultProgram,
    string SshProgram = Remote.SshSettings.DefaultProgram)
{
    /// <summary>The real machine, with the state folder this process uses.</summary>
    public static RunnerEnvironment Default => new(
        DeployStateFile.Default,
        network => new HostShell(network),
        ProcessTable.System,
        Nodes.Daemons.Local,
        EngineControlSockets.Instance,
        TimeProvider.System);

    public DeployPaths Paths => State.Paths;

    /// <summary>The testbed (or p4run) network <paramref name="network"/> as a deployment target (mnexec).</summary>
    public IDeployTarget TargetOf(MininetNetwork network) => new TestbedTarget(network, this);

    /// <summary>Where a deployment goes: the plan's inventory machines over SSH when it has one, else <paramref name="network"/>.</summary>
    public IDeployTarget TargetFor(Planning.DeploymentPlan plan, MininetNetwork? network) =>
        plan.Inventory is { } inventory ? MachinesTarget.For(inventory, this)
            : TargetOf(network ?? throw new Common.RunnerException($"{plan.SpecPath} deploys onto the testbed, but no network was found"));

    /// <summary>Where <paramref name="state"/> was applied (its recorded machines, or its recorded testbed nodes).</summary>
    public IDeployTarget TargetOf(DeployState state) =>
        state.Transport == Transports.Ssh ? MachinesTarget.Of(state, this) : TargetOf(MininetNetwork.FromNodes(state.Network));
}
