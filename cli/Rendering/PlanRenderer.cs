using Lb.Core.Packets;
using System.Collections.Immutable;
using System.Text.Json;
using Lb.Core.Config;
using Lbdeploy.Bgp;
using Lbdeploy.Planning;
using Lbdeploy.Routing;
using Lbdeploy.Spec;
using Lbdeploy.Topology;
using Lbdeploy.Common;

namespace Lbdeploy.Rendering;

/// <summary>
/// Renders every file of a plan from the validated spec, the fabric and the forwarding plan. Pure and deterministic:
/// the same inputs give byte-identical files (everything sorted, no timestamps, no absolute paths outside the
/// server command).
/// </summary>
public static class PlanRenderer
{
    /// <summary>The link MTU toward the gateway (mininet's default; the spec has no MTU setting yet).</summary>
    public const int LinkMtu = 1500;

    /// <summary>Outer IPv4 header the mux adds (IP-in-IP).</summary>
    public const int EncapsulationOverhead = 20;

    /// <param name="engines">The engines' configs: written as they are, by the contract's own serializer.</param>
    /// <param name="verification">The static checks' results for the summary; called once every other file is
    /// rendered, so the checks can run meanwhile (it may block until they finish, or throw their failure).</param>
    /// <param name="bgp">The frr target's BGP design (required for it, ignored by the other targets).</param>
    public static RenderedPlan Render(LbSpec spec, Fabric fabric, ForwardingPlan forwarding, ImmutableArray<string> clients, EngineConfigs engines,
        Func<SummaryVerification> verification, PhaseClock? clock = null, BgpDesign? bgp = null)
    {
        clock ??= PhaseClock.None;
        if (spec.Target == SwitchTarget.Frr && bgp is null) throw new ArgumentNullException(nameof(bgp), "the frr target renders from its BGP design");
        var files = new Dictionary<string, string>(StringComparer.Ordinal); // sorted once, at the end
        var vip = spec.Vip.Address.ToString();

        // Switch files are most of the work on a large fabric (a k=16 fat tree: ~30 MB of linux scripts): only the
        // target's files are rendered, the switches in parallel (each render has its own context; the output does not
        // depend on the order). The summary's bmv2 counts are counted, not rendered, for the linux target.
        var prefixes = new PrefixNames();
        var layout = EcmpLayout.Of(forwarding);
        var bmv2Counts = new Bmv2Counts[forwarding.Switches.Length];
        var bmv2Models = new Bmv2SwitchModel[forwarding.Switches.Length];
        var switchFiles = new (string Path, string Text)[forwarding.Switches.Length][];
        Parallel.For(0, forwarding.Switches.Length, i =>
        {
            var switchForwarding = forwarding.Switches[i];
            var name = switchForwarding.Switch.Name;
            if (spec.Target == SwitchTarget.Bmv2)
            {
                var bmv2 = SwitchRules.Bmv2(switchForwarding, prefixes, layout);
                bmv2Models[i] = bmv2;
                bmv2Counts[i] = Bmv2Counts.Of(bmv2);
                switchFiles[i] = [(PlanFiles.Bmv2Commands(name), TemplateRenderer.Render("switches/bmv2.txt.sbn", bmv2))];
                return;
            }
            bmv2Counts[i] = SwitchRules.CountBmv2(switchForwarding, layout);
            var interfaces = fabric.LinksOf(name).Select(l => l.End(name).Name).ToList();
            if (spec.Target == SwitchTarget.Frr)
            {
                switchFiles[i] =
                [
                    (PlanFiles.FrrSwitchConfig(name), TemplateRenderer.Render("frr/frr.conf.sbn", FrrConfigs.Of(bgp!, bgp!.Speaker(name)))),
                    (PlanFiles.FrrSwitchKernel(name), TemplateRenderer.Render("frr/switch.sh.sbn", FrrConfigs.Kernel(name, interfaces, spec.FabricHashSeed))),
                ];
                return;
            }
            var linux = SwitchRules.Linux(switchForwarding, interfaces, prefixes, spec.FabricHashSeed);
            switchFiles[i] =
            [
                (PlanFiles.LinuxSwitchScript(name), TemplateRenderer.Render("switches/linux.sh.sbn", linux)),
                (PlanFiles.LinuxSwitchTeardown(name), TemplateRenderer.Render("switches/linux.down.sh.sbn", linux)),
            ];
        });
        foreach (var (path, text) in switchFiles.SelectMany(f => f)) files[path] = text;
        clock.Mark("render switch files");

        foreach (var dip in spec.Dips)
        {
            var host = fabric.FindHost(dip.Host)!;
            var model = new DipHostModel(host.Name, host.Interface, vip, host.Gateway.ToString(), LinkMtu,
                AdvMss: LinkMtu - EncapsulationOverhead - (spec.Engine.SecondChance.Enabled ? SecondChanceOption.MaxLength : 0) - 20 - 20);
            files[PlanFiles.VipUp(host.Name)] = TemplateRenderer.Render("hosts/vip-up.sh.sbn", model);
            files[PlanFiles.VipDown(host.Name)] = TemplateRenderer.Render("hosts/vip-down.sh.sbn", model);
        }

        if (spec.Target == SwitchTarget.Frr)
        {
            foreach (var mux in bgp!.Muxes) files[PlanFiles.FrrMuxConfig(mux.Name)] = TemplateRenderer.Render("frr/frr.conf.sbn", FrrConfigs.Of(bgp, mux));
        }
        foreach (var mux in engines.Muxes)
        {
            files[PlanFiles.MuxConfig(mux.Host)] = EngineConfigJson.Serialize(mux);
        }
        foreach (var agent in engines.Agents)
        {
            files[PlanFiles.AgentConfig(agent.Host)] = EngineConfigJson.Serialize(agent);
        }

        // The linux target's mux watcher narrows the switches' VIP routes to the healthy muxes: its config is planned
        // here like every other file. Not for machines reached over SSH (an inventory): the watcher runs beside
        // lbdeploy and acts on the testbed's switches only.
        if (spec.Target == SwitchTarget.Linux && spec.InventoryPath is null)
        {
            files[PlanFiles.Watcher] = WatchConfig.Of(spec.Vip.Address, spec.Muxes, forwarding).ToJson();
        }
        // The bmv2 target's watcher rewrites the VIP entries over thrift, to the ones planned for the live muxes.
        if (spec.Target == SwitchTarget.Bmv2 && Bmv2Failover.Of(spec.Vip.Address, spec.Muxes, forwarding, layout, bmv2Models) is { } failover)
        {
            files[PlanFiles.Watcher] = WatchConfig.Thrift(spec.Vip.Address, spec.Muxes, failover).ToJson();
        }
        // The frr target has no watcher: each mux host's gate withdraws its own announcement (PlannedRouter.GateSocket).
        clock.Mark("render host/engine files");
        var fileNames = files.Keys.Append(PlanFiles.Summary).Append(PlanFiles.Json).Order(NaturalOrder.Instance).ToList();
        var checks = verification();
        clock.Mark("wait for static checks");
        var summary = Summarize(spec, fabric, forwarding, bmv2Counts, clients, checks, fileNames) with
        {
            Bgp = spec.Target == SwitchTarget.Frr ? BgpSummary.Of(bgp!) : null,
        };
        clock.Mark("summarize (VIP paths)");
        files[PlanFiles.Summary] = TemplateRenderer.Render("summary.txt.sbn", summary);
        clock.Mark("summary.txt");
        files[PlanFiles.Json] = ToJson(summary);
        clock.Mark("plan.json");
        return new RenderedPlan(files.ToImmutableSortedDictionary(StringComparer.Ordinal), summary);
    }

    public static string ToJson(PlanSummary summary) => JsonSerializer.Serialize(summary, PlanJsonContext.Default.PlanSummary) + "\n";

    private static PlanSummary Summarize(LbSpec spec, Fabric fabric, ForwardingPlan forwarding, IReadOnlyList<Bmv2Counts> bmv2Counts, ImmutableArray<string> clients,
        SummaryVerification verification, IReadOnlyList<string> fileNames)
    {
        string SwitchOf(string host) => fabric.AttachmentOf(fabric.FindHost(host)!).Name;
        var shares = MaglevShares.Of([.. spec.Dips.Select(d => (d, fabric.FindHost(d.Host)!.Address.Address))], spec.Engine.Hash);
        var switches = forwarding.Switches.Select((s, i) => new SummarySwitch(s.Switch.Name, s.Switch.DeviceId, s.Switch.ThriftPort,
            s.Routes.Length, s.Routes.Count(r => r.IsEcmp), s.Routes.Count(r => r.Kind == RouteKind.Vip),
            bmv2Counts[i].TableEntries, bmv2Counts[i].EcmpGroups)).ToList();
        var paths = new VipPaths(forwarding, spec.Vip.Address);
        var shaping = LinkShaping.Of(fabric);
        var vipPaths = clients
            .GroupBy(SwitchOf)
            .OrderBy(g => g.Key, NaturalOrder.Instance)
            .Select(g => new SummaryVipPaths(g.Key, g.ToList(), paths.From(g.Key)))
            .ToList();
        return new PlanSummary(
            Spec: Path.GetFileName(spec.SpecPath),
            Target: spec.Target.Name(),
            Topology: new SummaryTopology(spec.TopologyAsWritten, fabric.Hosts.Length, fabric.Switches.Length, fabric.Links.Length, shaping.Links, shaping.Options),
            Vip: new SummaryVip(spec.Vip.Address.ToString(), spec.Vip.Ports.Select(p => p.ToString()).ToList(), spec.Vip.Icmp),
            Muxes: spec.Muxes.Select(m => new SummaryMux(m, fabric.FindHost(m)!.Address.Address.ToString(), SwitchOf(m))).ToList(),
            Dips: spec.Dips.Select((d, i) => new SummaryDip(d.Host, fabric.FindHost(d.Host)!.Address.Address.ToString(), SwitchOf(d.Host), d.Weight, shares[i])).ToList(),
            Clients: clients,
            Engine: new SummaryEngine(spec.Engine.Hash.TableSize, spec.Engine.Hash.Seed, spec.Engine.Connections.Capacity, Durations.Format(spec.Engine.Connections.IdleTimeout)),
            Servers: new SummaryServers(spec.Servers.Command, spec.Servers.DocRootAsWritten),
            VerifyPath: spec.Verify.Path,
            Switches: switches,
            VipPaths: vipPaths,
            Verification: verification,
            Folders: fileNames
                .GroupBy(f => f.Contains('/') ? f[..(f.LastIndexOf('/') + 1)] : "", StringComparer.Ordinal)
                .Where(g => g.Key.Length > 0)
                .GroupBy(g => g.Key.StartsWith("switches/", StringComparison.Ordinal) ? g.Key : g.Key[..(g.Key.IndexOf('/') + 1)], g => g.Count(), StringComparer.Ordinal)
                .Select(g => new SummaryFolder(g.Key, g.Sum()))
                .OrderBy(f => f.Folder, StringComparer.Ordinal)
                .ToList(),
            Files: fileNames);
    }
}

/// <summary>The rendered files (relative path -> content) and the summary they include.</summary>
public sealed record RenderedPlan(ImmutableSortedDictionary<string, string> Files, PlanSummary Summary);
