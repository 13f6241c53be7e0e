using Lbdeploy.Common;
using System.Collections.Immutable;
using Lb.Core.Addressing;
using Lb.Core.Config;
using Lbdeploy.Routing;
using Lbdeploy.Spec;
using Lbdeploy.Topology;

namespace Lbdeploy.Planning;

/// <summary>
/// Everything `apply` needs, fully rendered: the output of `plan`. <see cref="Files"/> is exactly what `plan --out DIR`
/// writes (relative path -> content, deterministic); the other members point into it so the runner never re-renders.
/// Built by <c>Planner</c> from a spec file; consumed by the runner (apply / verify / destroy).
/// </summary>
public sealed record DeploymentPlan(
    string SpecPath,
    Fabric Fabric,
    ForwardingPlan Forwarding,
    SwitchTarget Target,
    PlannedService Service,
    ImmutableArray<PlannedSwitch> Switches,
    ImmutableArray<PlannedMux> Muxes,
    ImmutableArray<PlannedDip> Dips,
    ImmutableArray<string> Clients,
    ImmutableSortedDictionary<string, string> Files)
{
    /// <summary>What summary.txt and plan.json show (target, hosts, rule counts, VIP paths, static checks).</summary>
    public Rendering.PlanSummary? Summary { get; init; }

    /// <summary>The spec's policy warnings (printed by the command that planned; errors under --strict).</summary>
    public ImmutableArray<Common.SpecDiagnostic> Warnings { get; init; } = [];

    /// <summary>The frr target's BGP design (ASNs, sessions, policies), proved to converge to <see cref="Forwarding"/>; null for the other targets.</summary>
    public Bgp.BgpDesign? Bgp { get; init; }

    /// <summary>The frr target: one FRR instance per switch and per mux host, in design order; empty for the other targets.</summary>
    public ImmutableArray<PlannedRouter> Routers { get; init; } = [];

    /// <summary>switches.hash_seed: each Linux-router switch's multipath seed is derived from it (<see cref="Ecmp.KernelMultipath.SwitchSeed"/>).</summary>
    public uint FabricHashSeed { get; init; } = LbSpec.DefaultFabricHashSeed;

    /// <summary>The machines of lb.yaml's inventory (every node over SSH), or null for the testbed's nodes (mnexec).</summary>
    public Inventory? Inventory { get; init; }
}

/// <summary>
/// An FRR instance the frr target runs in <see cref="Node"/> (a switch or a mux host): the daemons it needs (zebra
/// and bgpd, bfdd when a session has BFD), the plan file it loads and where its pid files and sockets live while it
/// runs. <see cref="Announces"/> is the prefix a mux host announces while its engine is healthy; null for a switch.
/// </summary>
public sealed record PlannedRouter(string Node, string ConfigFile, string RuntimeDirectory, ImmutableArray<string> Daemons, Ipv4Prefix? Announces)
{
    /// <summary>
    /// A mux host: the control socket of its mux engine, which the host's gate (`lbengine gate`, started with FRR)
    /// asks for health to keep <see cref="Announces"/> on exactly while the engine answers healthy; null for a switch.
    /// </summary>
    public string? GateSocket { get; init; }

    /// <summary>The gate's arguments after `lbengine` (each value quoted); null for a switch. One place for the runner's command lines and the unit's identity.</summary>
    public string? GateArguments => GateSocket is { } socket && Announces is { } prefix
        ? $"gate --socket {ShellQuoting.Quote(socket)} --prefix {ShellQuoting.Quote(prefix.ToString())} --host {ShellQuoting.Quote(Node)}"
        : null;
}

/// <summary>
/// The VIP and what it serves, plus the decisions the runner and verify act on: <see cref="ServerPort"/> is where
/// every DIP's server listens (the {port} of the server command: the first TCP port, else the first port), and
/// <see cref="HttpPort"/> the port verify fetches over HTTP (the first TCP port; null when the VIP serves no TCP).
/// </summary>
public sealed record PlannedService(Ipv4Address Vip, ImmutableArray<ServicePort> Ports, bool Icmp, string VerifyPath, string DocRoot, ServicePort ServerPort, int? HttpPort);

public sealed record ServicePort(TransportProtocol Protocol, int Port)
{
    public override string ToString() => $"{Port}/{Protocol.Name()}";
}

/// <summary>A switch and the names (keys of <see cref="DeploymentPlan.Files"/>) of its rule files for both targets.</summary>
public sealed record PlannedSwitch(string Name, int ThriftPort, string LinuxScriptFile, string Bmv2CommandsFile)
{
    /// <summary>The linux target's teardown script (deletes the routes <see cref="LinuxScriptFile"/> added).</summary>
    public string LinuxTeardownFile { get; init; } = "";

    /// <summary>The frr target: the switch's FRR configuration ("" on the other targets).</summary>
    public string FrrConfigFile { get; init; } = "";

    /// <summary>The frr target: the switch's kernel settings script, run before FRR starts ("" on the other targets).</summary>
    public string FrrKernelScriptFile { get; init; } = "";
}

/// <summary>A mux host, its engine config and the file that holds it (key of <see cref="DeploymentPlan.Files"/>).</summary>
public sealed record PlannedMux(string Host, Ipv4Address Address, string EngineConfigFile, EngineConfig Engine)
{
    /// <summary>The frr target: the mux host's FRR configuration, its session to its switch ("" on the other targets).</summary>
    public string FrrConfigFile { get; init; } = "";
}

/// <summary>A DIP host: weight, the VIP set-up and tear-down scripts, its agent config (and its file) and the server command line.</summary>
public sealed record PlannedDip(
    string Host,
    Ipv4Address Address,
    int Weight,
    string VipUpScriptFile,
    string VipDownScriptFile,
    string EngineConfigFile,
    EngineConfig Engine,
    string ServerCommand);
