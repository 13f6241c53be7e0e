using Lbdeploy.Common;
using System.Collections.Immutable;
using Lb.Core.Config;
using Lbdeploy.Spec;
using Lbdeploy.Topology;

namespace Lbdeploy.Rendering;

/// <summary>
/// The engine config (Lb.Core.Config) of every mux and agent a spec deploys on its fabric: what `plan` writes to
/// engines/*.json, in the order of the spec's muxes and DIPs. <see cref="Check"/> runs lbengine's own validator on
/// them, so a rule of the contract is written once and a spec that breaks it is told so at its lb.yaml line.
/// </summary>
public sealed record EngineConfigs(ImmutableArray<EngineConfig> Muxes, ImmutableArray<EngineConfig> Agents)
{
    /// <summary>
    /// Whether the spec names muxes and DIPs (the reader reports an empty or missing list) that are all hosts of the
    /// fabric, as <see cref="Build"/> needs.
    /// </summary>
    public static bool CanBuild(LbSpec spec, Fabric fabric) =>
        !spec.Muxes.IsEmpty && !spec.Dips.IsEmpty && spec.Muxes.Concat(spec.Dips.Select(d => d.Host)).All(host => fabric.FindHost(host) is not null);

    /// <param name="inventory">The machines of lb.yaml's inventory: each engine's control socket lies below its machine's lbdeploy_root.</param>
    public static EngineConfigs Build(LbSpec spec, Fabric fabric, Inventory? inventory = null)
    {
        var vip = new VipConfig(spec.Vip.Address,
            [.. spec.Vip.Ports.Select(p => new VipPort(p.Protocol, p.Port))], spec.Vip.Icmp);
        var dips = spec.Dips.Select(d => new DipConfig(d.Host, fabric.FindHost(d.Host)!.Address.Address, d.Weight)).ToImmutableArray();
        var muxes = spec.Muxes.Select(m => new MuxPeerConfig(m, fabric.FindHost(m)!.Address.Address)).ToImmutableArray();
        var engine = spec.Engine;
        var health = spec.Health;
        var secondChance = engine.SecondChance;
        // An agent passes a packet on to, and accepts passed-on packets from, every other DIP of the pool.
        SecondChanceConfig? SecondChanceFor(string hostName, EngineRole role) => !secondChance.Enabled ? null
            : new SecondChanceConfig(true, (int)secondChance.Retention.TotalSeconds)
            {
                Peers = role == EngineRole.Agent ? [.. dips.Where(d => d.Name != hostName).Select(d => new PeerConfig(d.Name, d.Address))] : [],
            };
        EngineConfig For(string hostName, EngineRole role)
        {
            var host = fabric.FindHost(hostName)!;
            // bmv2 answers no ARP: the engine must know the gateway's MAC, which p4-utils derives from the address and
            // the fabric model knows. Linux routers answer ARP and their MACs are whatever the testbed created, so the
            // engine asks the neighbour table instead (null). A host without its one link fails the static checks.
            var gatewayMac = spec.Target == SwitchTarget.Bmv2 && fabric.LinksOf(host.Name) is [var link] ? link.Peer(host.Name).Mac : (Lb.Core.Addressing.MacAddress?)null;
            return new EngineConfig
            {
                Role = role,
                Host = host.Name,
                Interface = host.Interface,
                Address = host.Address.Address,
                Mac = null, // read from the interface: always right, whoever created it
                Gateway = new GatewayConfig(host.Gateway, gatewayMac),
                Mtu = PlanRenderer.LinkMtu,
                ControlSocket = PlanFiles.ControlSocket(host.Name, role == EngineRole.Mux ? "mux" : "agent", inventory?.HostOf(host.Name).Root),
                PacketIo = engine.PacketIo,
                PacketThreads = role == EngineRole.Mux ? engine.PacketThreads : 1,
                Vips = [vip],
                Dips = dips,
                Muxes = muxes,
                Hash = new HashConfig(engine.Hash.TableSize, engine.Hash.Seed),
                Connections = new ConnectionsConfig(engine.Connections.Capacity, (int)engine.Connections.IdleTimeout.TotalSeconds),
                Health = new HealthConfig((int)health.Interval.TotalMilliseconds, (int)health.Timeout.TotalMilliseconds, health.Rise, health.Fall,
                    (int)health.DeadAfter.TotalMilliseconds, health.Port, health.Enabled)
                {
                    Http = health.Http is { } http ? new HttpHealthCheck(http.Path, http.ExpectStatus) : null,
                },
                SecondChance = SecondChanceFor(host.Name, role),
            };
        }
        return new EngineConfigs(
            [.. spec.Muxes.Select(m => For(m, EngineRole.Mux))],
            [.. spec.Dips.Select(d => For(d.Host, EngineRole.Agent))]);
    }

    /// <summary>
    /// Every rule of the contract the configs break, located in the spec. An error about an item that already has a
    /// diagnostic (<paramref name="reported"/>: item paths) is left out: it would repeat it, or judge the default that
    /// stands in for a rejected value.
    /// </summary>
    public ImmutableArray<SpecDiagnostic> Check(LbSpec spec, IReadOnlyCollection<string> reported)
    {
        var engines = Muxes.Select((config, i) => (config, Item: $"muxes[{i}]")).Concat(Agents.Select((config, i) => (config, Item: $"dips[{i}]")));
        var diagnostics = new List<SpecDiagnostic>();
        var seen = new HashSet<(string, string)>();
        foreach (var (config, item) in engines)
        {
            var dialect = new SpecEngineDialect(item);
            foreach (var error in EngineConfigValidator.Validate(config, dialect))
            {
                var path = dialect.Path(error.Path);
                var other = error.OtherPath is { } otherPath ? dialect.Path(otherPath) : null;
                if (reported.Any(r => Overlaps(r, path) || (other is not null && Overlaps(r, other)))) continue;
                // A rule about a key the spec leaves to its default points at the key it was compared with.
                if (!spec.Source.Contains(path) && other is not null && spec.Source.Contains(other)) path = other;
                // Every engine of the spec shares its settings: one line per problem, not one per engine.
                if (seen.Add((path, error.Message))) diagnostics.Add(spec.Source.At(path, error.Message));
            }
        }
        return [.. diagnostics];
    }

    /// <summary>Whether one item path is the other or contains it ("" is the file as a whole: it contains nothing here).</summary>
    private static bool Overlaps(string a, string b) =>
        a.Length > 0 && b.Length > 0 && (a == b || Within(a, b) || Within(b, a));

    private static bool Within(string path, string ancestor) =>
        path.StartsWith(ancestor + ".", StringComparison.Ordinal) || path.StartsWith(ancestor + "[", StringComparison.Ordinal);
}
