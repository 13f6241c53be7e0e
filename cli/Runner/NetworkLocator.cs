using System.Text.Json;
using Lbdeploy.Common;
using Lbdeploy.Planning;
using Lbdeploy.Testbed;
using Lbdeploy.Topology;
using Lbdeploy.Nodes;
using Lbdeploy.Spec;

namespace Lbdeploy.Runner;

/// <summary>
/// Which running network a command may act on, and the proof that it is the plan's. lbdeploy never takes "whatever
/// mininet is running": on the linux target it acts only on the testbed of its own state folder, checked against
/// the plan's fabric; on the bmv2 target (a p4run network, which lbdeploy did not start) it checks every host's
/// interface, address and MAC against the plan first. Commands that read a deployment (verify, trace --live,
/// destroy) act only on the network the state folder's apply recorded, and refuse when nothing is applied, so they
/// never send a packet into a network lbdeploy did not deploy.
/// </summary>
public static class NetworkLocator
{
    /// <summary>
    /// A plan whose spec names an inventory is for real machines over SSH (<see cref="ForMachines"/>): it must never
    /// land on the testbed's nodes.
    /// </summary>
    public static void RequireTestbedPlan(DeploymentPlan plan)
    {
        if (plan.Inventory is { } inventory)
        {
            throw new RunnerException($"{plan.SpecPath} names the inventory {inventory.DisplayPath}: it deploys onto those machines over SSH, not onto the testbed; remove inventory: from lb.yaml to deploy onto the testbed");
        }
    }

    /// <summary>
    /// The machines `apply` may deploy <paramref name="plan"/> onto: its inventory's, over SSH. The switch targets
    /// whose runner needs this machine's files next to the nodes (frr's sockets, bmv2's thrift ports) stay on the
    /// testbed.
    /// </summary>
    public static MachinesTarget ForMachines(DeploymentPlan plan, RunnerEnvironment environment)
    {
        var inventory = plan.Inventory ?? throw new RunnerException($"{plan.SpecPath} names no inventory: it deploys onto the testbed");
        if (plan.Target != Spec.SwitchTarget.Linux)
        {
            throw new RunnerException($"{plan.SpecPath} sets switches.target: {plan.Target.Name()} with the inventory {inventory.DisplayPath}, and machines over SSH take only the linux target; set switches.target: linux, or remove inventory: to deploy onto the testbed");
        }
        return MachinesTarget.For(inventory, environment);
    }

    /// <summary>The network `apply` may deploy <paramref name="plan"/> onto.</summary>
    public static async Task<MininetNetwork> ForApplyAsync(DeploymentPlan plan, CancellationToken ct)
    {
        RequireTestbedPlan(plan);
        LinuxTestbed.RequireRootAndMininet();
        var testbed = TestbedState.Default;
        if (plan.Target == Spec.SwitchTarget.Bmv2)
        {
            if (testbed.IsRunning)
            {
                throw new RunnerException($"{plan.SpecPath} targets bmv2 switches but the network of {StateDirectories.Root} is lbdeploy's testbed (Linux-router switches); set switches.target: linux, or run the fabric with p4run and use another {StateDirectories.Variable}");
            }
            if (!ExistsOnPath(Bmv2Cli.DefaultProgram))
            {
                throw new RunnerException("switches.target is bmv2 but simple_switch_CLI is not installed; install bmv2 (p4-utils) or set switches.target: linux");
            }
            var found = MininetNetwork.Discover();
            if (found.IsEmpty)
            {
                throw new RunnerException("no p4run network is running; start the fabric with p4run (bmv2 target), then apply");
            }
            RequireNodes(plan, found, "the running p4run network");
            await CheckLiveHostsAsync(plan, found, ct);
            return found;
        }
        if (!testbed.IsRunning || !testbed.IsReady)
        {
            throw new RunnerException($"no testbed is running for {StateDirectories.Root}; start it with lbdeploy testbed up -f {plan.SpecPath} (the linux target deploys only onto the testbed of its own state folder)");
        }
        var recorded = testbed.Model ?? throw new RunnerException($"the testbed of {StateDirectories.Root} has no {testbed.ModelFile}; restart it (lbdeploy testbed down && lbdeploy testbed up)");
        if (FirstDifference(plan.Fabric, recorded) is { } difference)
        {
            throw new RunnerException($"the testbed of {StateDirectories.Root} was built from {recorded.Source}, which differs from the plan's topology ({difference}); restart it for this spec: lbdeploy testbed down && lbdeploy testbed up -f {plan.SpecPath}");
        }
        var nodes = testbed.Nodes;
        var dead = nodes.Values.Where(n => !n.IsAlive).Select(n => n.Name).ToList();
        if (dead.Count > 0)
        {
            throw new RunnerException($"testbed nodes {string.Join(", ", dead.Take(8))} of {StateDirectories.Root} are gone; restart the testbed (lbdeploy testbed down && lbdeploy testbed up)");
        }
        var network = MininetNetwork.FromNodes(nodes.ToDictionary(n => n.Key, n => n.Value.Pid, StringComparer.Ordinal));
        RequireNodes(plan, network, $"the testbed of {StateDirectories.Root}");
        return network;
    }

    /// <summary>
    /// The deployment of this state folder and where it runs: the plan's machines over SSH when the plan has an
    /// inventory (the state must have been applied to exactly those), else the live testbed network it was applied to.
    /// </summary>
    public static (DeployState State, IDeployTarget Target) DeployedTarget(DeploymentPlan plan, RunnerEnvironment environment)
    {
        if (plan.Inventory is null)
        {
            var (testbedState, network) = Deployed(plan, environment);
            return (testbedState, environment.TargetOf(network));
        }
        var target = ForMachines(plan, environment);
        var state = environment.State.Load()
            ?? throw new RunnerException($"nothing is applied in {environment.Paths.StateRoot}; deploy with lbdeploy apply -f {plan.SpecPath} first: lbdeploy acts only on what it deployed");
        if (!target.Matches(state))
        {
            throw new RunnerException($"the deployment in {environment.Paths.StateRoot} was applied {(state.Transport == Transports.Ssh ? $"to other machines ({state.InventoryPath})" : "to the testbed")}, not to the machines of {plan.Inventory.DisplayPath}; apply this spec first, or point -f at the applied one ({state.SpecPath})");
        }
        if (state.FabricFingerprint is { } recorded && recorded != Fingerprint(plan.Fabric))
        {
            throw new RunnerException($"the deployment in {environment.Paths.StateRoot} was applied from another topology than {plan.SpecPath} uses; apply this spec first, or point -f at the applied one ({state.SpecPath})");
        }
        return (state, target);
    }

    /// <summary>The deployment of this state folder and the live network it was applied to (verify, trace --live).</summary>
    public static (DeployState State, MininetNetwork Network) Deployed(DeploymentPlan plan, RunnerEnvironment environment)
    {
        LinuxTestbed.RequireRootAndMininet();
        var state = environment.State.Load()
            ?? throw new RunnerException($"nothing is applied in {environment.Paths.StateRoot}; deploy with lbdeploy apply (or up) first: lbdeploy acts only on networks it deployed");
        if (state.Transport == Transports.Ssh)
        {
            throw new RunnerException($"the deployment in {environment.Paths.StateRoot} runs on the machines of {state.InventoryPath} over SSH, and this command reads the testbed only; give -f the spec that names that inventory ({state.SpecPath}) to verify it, or run lbdeploy status or destroy");
        }
        var network = state.LiveNetwork(environment.Processes)
            ?? throw new RunnerException($"the network the deployment in {environment.Paths.StateRoot} was applied to is gone (its nodes stopped); start it and apply again, or clear the state with lbdeploy destroy");
        if (state.FabricFingerprint is { } recorded && recorded != Fingerprint(plan.Fabric))
        {
            throw new RunnerException($"the deployment in {environment.Paths.StateRoot} was applied from another topology than {plan.SpecPath} uses; apply this spec first, or point -f at the applied one ({state.SpecPath})");
        }
        return (state, network);
    }

    /// <summary>A stable digest of everything about a fabric that addresses packets (names, ports, interfaces, MACs, addresses).</summary>
    public static string Fingerprint(Fabric fabric)
    {
        var model = TestbedModel.From(fabric) with { Source = "" };
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(model.ToJson())));
    }

    /// <summary>The first way the running testbed differs from the plan's fabric, or null when they are the same network.</summary>
    internal static string? FirstDifference(Fabric planned, TestbedModel recorded)
    {
        var expected = TestbedModel.From(planned, recorded.ShapeLinks);
        var plannedNodes = expected.NodeNames.ToHashSet(StringComparer.Ordinal);
        var runningNodes = recorded.NodeNames.ToHashSet(StringComparer.Ordinal);
        if (plannedNodes.Except(runningNodes).FirstOrDefault() is { } missing) return $"node {missing} is not in the running testbed";
        if (runningNodes.Except(plannedNodes).FirstOrDefault() is { } extra) return $"the running testbed has node {extra}, the plan does not";
        var hosts = recorded.Hosts.ToDictionary(h => h.Name, StringComparer.Ordinal);
        foreach (var host in expected.Hosts)
        {
            if (hosts[host.Name] != host)
                return $"host {host.Name} is {Describe(hosts[host.Name])} there, {Describe(host)} in the plan";
        }
        var links = recorded.Links.Select(l => l with { Shaping = l.Shaping }).ToHashSet();
        foreach (var link in expected.Links)
        {
            if (!links.Contains(link)) return $"link {link.Node1}:{link.Interface1} - {link.Node2}:{link.Interface2} is not wired the same";
        }
        var switches = recorded.Switches.ToDictionary(s => s.Name, StringComparer.Ordinal);
        foreach (var sw in expected.Switches)
        {
            if (!sw.Interfaces.SequenceEqual(switches[sw.Name].Interfaces)) return $"switch {sw.Name}'s interfaces or addresses differ";
        }
        return null;

        static string Describe(TestbedHost host) => $"{host.Address} via {host.Gateway} on {host.Interface} ({host.Mac})";
    }

    private static void RequireNodes(DeploymentPlan plan, MininetNetwork network, string where)
    {
        var missing = Deployer.NodesOf(plan).Where(n => !network.Contains(n)).ToList();
        if (missing.Count > 0)
        {
            throw new RunnerException($"{(missing.Count == 1 ? "node" : "nodes")} {string.Join(", ", missing.Take(8))} of {plan.SpecPath} {(missing.Count == 1 ? "is" : "are")} not in {where} ({network.Describe()}); start the network lb.yaml describes");
        }
    }

    /// <summary>
    /// Reads every host's interface inside the running network (`ip -j addr`, no traffic) and compares it with the
    /// plan: a network that is not the plan's is refused before anything is changed or sent.
    /// </summary>
    private static async Task CheckLiveHostsAsync(DeploymentPlan plan, MininetNetwork network, CancellationToken ct)
    {
        var shell = new HostShell(network);
        var hosts = plan.Fabric.Hosts.Where(h => network.Contains(h.Name)).ToList();
        using var gate = new SemaphoreSlim(8);
        var problems = await Task.WhenAll(hosts.Select(async host =>
        {
            await gate.WaitAsync(ct);
            try
            {
                var result = await shell.RunAsync(host.Name, $"ip -j -4 addr show dev {ShellQuoting.Quote(host.Interface)}", TimeSpan.FromSeconds(10), ct);
                if (!result.Succeeded) return $"host {host.Name} has no interface {host.Interface}";
                using var document = JsonDocument.Parse(result.StandardOutput);
                var link = document.RootElement.EnumerateArray().FirstOrDefault();
                if (link.ValueKind != JsonValueKind.Object) return $"host {host.Name} has no interface {host.Interface}";
                var mac = link.TryGetProperty("address", out var m) ? m.GetString() : null;
                var addresses = link.TryGetProperty("addr_info", out var info)
                    ? info.EnumerateArray().Select(a => $"{a.GetProperty("local").GetString()}/{a.GetProperty("prefixlen").GetInt32()}").ToList()
                    : [];
                if (!addresses.Contains(host.Address.ToString()))
                    return $"host {host.Name} has {(addresses.Count == 0 ? "no address" : string.Join(", ", addresses))} on {host.Interface}, the plan says {host.Address}";
                if (!string.Equals(mac, host.Mac.ToString(), StringComparison.OrdinalIgnoreCase))
                    return $"host {host.Name}'s {host.Interface} has MAC {mac}, the plan says {host.Mac}";
                return null;
            }
            catch (JsonException)
            {
                return $"host {host.Name}: `ip -j addr` gave no JSON";
            }
            finally
            {
                gate.Release();
            }
        }));
        if (problems.OfType<string>().FirstOrDefault() is { } problem)
        {
            throw new RunnerException($"the running network is not the one {plan.SpecPath} plans ({problem}); run the fabric of {plan.Fabric.Source}, or point -f at the spec of the running one");
        }
    }

    private static bool ExistsOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Any(dir => File.Exists(Path.Combine(dir, program)));
}
