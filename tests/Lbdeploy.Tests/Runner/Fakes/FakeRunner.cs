using System.Globalization;
using System.Security.Cryptography;
using Lbdeploy.Nodes;
using Lbdeploy.Planning;
using Lbdeploy.Runner;
using Lbdeploy.Tests.EndToEnd;
using Microsoft.Extensions.Time.Testing;

namespace Lbdeploy.Tests.Runner.Fakes;

/// <summary>
/// The course deployment (lb.yaml) on a network that exists only in the test: every node a fake shell, engines
/// fake control sockets, the state in memory, time a <see cref="FakeTimeProvider"/>, files in a temporary folder.
/// Its nodes behave like a healthy fabric until a test says otherwise.
/// </summary>
internal sealed class FakeRunner : IDisposable
{
    public static readonly string Spec = Path.Combine(CliRun.RepositoryRoot, "lb.yaml");

    /// <summary>The course deployment on the frr target (FRR on every switch and mux host, BFD on the mux sessions).</summary>
    public static readonly string FrrSpec = Path.Combine(CliRun.RepositoryRoot, "examples", "fattree-frr.yaml");

    /// <param name="spec">The spec file (default <see cref="Spec"/>); its folder anchors its relative paths.</param>
    /// <param name="bmv2Cli">The simple_switch_CLI the runner runs (a bmv2 spec: a <see cref="FakeBmv2Cli"/>).</param>
    public FakeRunner(string? spec = null, string? bmv2Cli = null)
    {
        SpecPath = spec ?? Spec;
        Root = Directory.CreateTempSubdirectory("lbdeploy-runner-").FullName;
        Paths = new DeployPaths(Root);
        Processes = new FakeProcessTable(Log);
        Plan = PlanOf(File.ReadAllText(SpecPath));
        NodePids = Plan.Fabric.Hosts.Select(h => h.Name).Concat(Plan.Fabric.Switches.Select(s => s.Name))
            .ToDictionary(n => n, n => Processes.Start("bash", "--norc", "-is", "mininet:" + n), StringComparer.Ordinal);
        Network = MininetNetwork.FromNodes(NodePids);
        Shell = new FakeNodeShell(Network, Processes, Log);
        Engines = new FakeEngineControl(Log) { Pool = [.. Plan.Dips.Select(d => (d.Host, d.Weight))] };
        Store = new MemoryStateStore(Paths, Time, Log);
        Daemons = new FakeDaemonLauncher(Processes, Paths, Time, [.. Plan.Muxes.Select(m => m.Host)], Log);
        Environment = new RunnerEnvironment(Store, _ => Shell, Processes, Daemons, Engines, Time, bmv2Cli ?? Lbdeploy.Runner.Bmv2Cli.DefaultProgram);
        AnswerLikeAHealthyFabric();
    }

    /// <summary>The spec the rig's plans are read as.</summary>
    public string SpecPath { get; }

    /// <summary>The test's state folder (deleted at the end).</summary>
    public string Root { get; }

    public DeployPaths Paths { get; }
    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero));
    public EventLog Log { get; } = new();
    public FakeProcessTable Processes { get; }
    public DeploymentPlan Plan { get; }
    public IReadOnlyDictionary<string, int> NodePids { get; }
    public MininetNetwork Network { get; }
    public FakeNodeShell Shell { get; }
    public FakeEngineControl Engines { get; }
    public MemoryStateStore Store { get; }
    public FakeDaemonLauncher Daemons { get; }
    public RunnerEnvironment Environment { get; }
    public StringWriter Output { get; } = new();

    /// <summary>
    /// The plan of <paramref name="specText"/> (read as <see cref="SpecPath"/>), its engines' control sockets and its
    /// routers' runtime folders in this test's folder.
    /// </summary>
    public DeploymentPlan PlanOf(string specText)
    {
        var plan = Planner.Create(SpecPath, Path.GetFileName(SpecPath), specText);
        return plan with
        {
            Muxes = [.. plan.Muxes.Select(m => m with { Engine = m.Engine with { ControlSocket = Socket(m.Host, "mux") } })],
            Dips = [.. plan.Dips.Select(d => d with { Engine = d.Engine with { ControlSocket = Socket(d.Host, "agent") } })],
            Routers = [.. plan.Routers.Select(r => r with { RuntimeDirectory = RuntimeDirectory(r.Node), GateSocket = r.GateSocket is null ? null : Socket(r.Node, "mux") })],
        };
    }

    /// <summary>Where a router's FRR keeps its pid files and sockets in this test.</summary>
    public string RuntimeDirectory(string node) => Path.Combine(Root, "frr", node);

    public string Socket(string host, string role) => Path.Combine(Root, "sockets", $"{host}-{role}.sock");

    public Deployer Deployer() => new(Output, Environment);

    /// <summary>What `lbdeploy apply` does: the change set against the state and the live network (drift), then apply it.</summary>
    public async Task<ChangeSet> ApplyWithDriftAsync(DeploymentPlan? plan = null)
    {
        var deployer = Deployer();
        var target = plan ?? Plan;
        var changes = await deployer.DiffAsync(target, Network);
        await deployer.ApplyAsync(target, Network, changes);
        return changes;
    }

    /// <summary>What apply does: the change set against the state, then apply it.</summary>
    public async Task ApplyAsync(DeploymentPlan? plan = null)
    {
        var deployer = Deployer();
        var target = plan ?? Plan;
        await deployer.ApplyAsync(target, Network, deployer.Diff(target, Network));
    }

    /// <summary>`lbdeploy diff` on this rig: its exit code and what it printed.</summary>
    public async Task<(int Code, string Output)> DiffAsync(DeploymentPlan? plan = null, bool json = false)
    {
        var output = new StringWriter();
        var code = await Lbdeploy.Commands.DiffCommand.ReportAsync(plan ?? Plan, Network, json, output, Environment, CancellationToken.None);
        return (code, output.ToString());
    }

    public AppliedUnit Unit(UnitKind kind, string host) => Store.Load()!.Units.Single(u => u.Kind == kind && u.Host == host);

    /// <summary>The sha256 of the file verify fetches (verify.path in the docroot).</summary>
    public string ExpectedPageHash() =>
        Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(Plan.Service.DocRoot, Plan.Service.VerifyPath.TrimStart('/')))));

    /// <summary>
    /// Servers listen on the VIP, every ping answers, every GET returns the verify page, every switch holds its planned
    /// routes; on the frr target an FRR daemon opens its sockets as it starts and every BGP session is established.
    /// </summary>
    private void AnswerLikeAHealthyFabric()
    {
        var frr = Plan.Target == Lbdeploy.Spec.SwitchTarget.Frr;
        Shell.Answer((host, command) => command == FibVerifier.Command && Plan.Fabric.IsSwitch(host)
            ? new ShellResult(host, command, 0, frr ? KernelTables.Frr(Plan.Forwarding.For(host), Plan.Fabric) : KernelTables.Linux(Plan.Forwarding.For(host), Plan.Fabric), "")
            : null);
        Shell.Answer((host, command) => command == MultipathDrift.Command && Plan.Fabric.IsSwitch(host)
            ? new ShellResult(host, command, 0, KernelTables.MultipathSettings(Plan.FabricHashSeed, host), "")
            : null);
        Shell.DaemonStarted = BgpSamples.OpenSockets;
        if (Plan.Bgp is { } design)
        {
            foreach (var router in Plan.Routers)
            {
                var summary = BgpSamples.Summary(design, router.Node);
                AnswerBgp(router.Node, BgpNodeSummary.Command, summary);
            }
        }
        // Every DIP's interface holds its address and the VIP (what vip-up.sh adds).
        Shell.Answer((host, command) => Plan.Fabric.FindHost(host) is { } h && command == DriftDetector.AddressCommand(h.Interface)
            ? new ShellResult(host, command, 0, KernelTables.Addresses(h, Plan.Dips.Any(d => d.Host == host) ? [Plan.Service.Vip.ToString()] : []), "")
            : null);
        var listening = $"LISTEN 0 4096 {Plan.Service.Vip}:{Plan.Service.ServerPort.Port} 0.0.0.0:*\n";
        Shell.Answer((host, command) => command.StartsWith("ss -Hl", StringComparison.Ordinal) ? new ShellResult(host, command, 0, listening, "") : null);
        Shell.Answer((host, command) => command.Contains("ping-all.sh", StringComparison.Ordinal)
            ? new ShellResult(host, command, 0, string.Concat(command.Split(' ').Skip(2).Select(a => $"ok {a}\n")), "")
            : null);
        Shell.Answer((host, command) => command.Contains("fetch-hashes.sh", StringComparison.Ordinal)
            ? new ShellResult(host, command, 0, string.Concat(Enumerable.Repeat($"{ExpectedPageHash()}  -\n", int.Parse(command.Split(' ')[2], CultureInfo.InvariantCulture))), "")
            : null);
    }

    /// <summary>Answers the vtysh command <paramref name="vtyshCommand"/> on <paramref name="node"/>'s FRR with <paramref name="json"/>.</summary>
    public void AnswerBgp(string node, string vtyshCommand, string json)
    {
        var command = FrrCommands.Show(RuntimeDirectory(node), vtyshCommand);
        Shell.Answer((host, c) => host == node && c == command ? new ShellResult(host, c, 0, json, "") : null);
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
