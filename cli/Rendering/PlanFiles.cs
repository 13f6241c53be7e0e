using Lbdeploy.Common;

namespace Lbdeploy.Rendering;

/// <summary>The relative path of every file a plan writes (the keys of DeploymentPlan.Files).</summary>
public static class PlanFiles
{
    public const string Summary = "summary.txt";
    public const string Json = "plan.json";

    public static string LinuxSwitchScript(string switchName) => $"switches/linux/{switchName}.sh";

    public static string LinuxSwitchTeardown(string switchName) => $"switches/linux/{switchName}.down.sh";

    public static string Bmv2Commands(string switchName) => $"switches/bmv2/{switchName}.txt";

    /// <summary>The frr target: a switch's FRR configuration and its kernel settings script.</summary>
    public static string FrrSwitchConfig(string switchName) => $"switches/frr/{switchName}.conf";

    public static string FrrSwitchKernel(string switchName) => $"switches/frr/{switchName}.sh";

    /// <summary>The frr target: the FRR configuration of a mux host (its session to its switch, the VIP it announces).</summary>
    public static string FrrMuxConfig(string mux) => $"hosts/{mux}/frr.conf";

    /// <summary>The frr target: where a node's FRR daemons keep their pid files and sockets while they run.</summary>
    public static string FrrRuntime(string node) => Path.Combine(StateDirectories.Routing, node);

    public static string VipUp(string dip) => $"hosts/{dip}/vip-up.sh";

    public static string VipDown(string dip) => $"hosts/{dip}/vip-down.sh";

    public static string MuxConfig(string mux) => $"engines/{mux}-mux.json";

    public static string AgentConfig(string dip) => $"engines/{dip}-agent.json";

    /// <summary>The mux watcher's config: which muxes to watch and which VIP routes (linux) or entries (bmv2) follow them.</summary>
    public const string Watcher = "watcher/watch.json";

    /// <summary>
    /// Where an engine listens for control commands (stats, reload, drain...): below the state folder on the testbed,
    /// below its machine's lbdeploy_root (<paramref name="machineRoot"/>) when the inventory places it on a machine.
    /// </summary>
    public static string ControlSocket(string host, string role, string? machineRoot = null) =>
        Path.Combine(machineRoot is null ? StateDirectories.Sockets : Path.Combine(machineRoot, StateDirectories.SocketsFolder), $"{host}-{role}.sock");
}
