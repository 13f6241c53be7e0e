using Lbdeploy.Common;
using System.Collections.Immutable;
using System.Diagnostics;
using Lb.Core.Addressing;
using Lb.Core.Config;
using Lbdeploy.Bgp;
using Lbdeploy.Rendering;
using Lbdeploy.Routing;
using Lbdeploy.Spec;
using Lbdeploy.Topology;
using Lbdeploy.Verification;

namespace Lbdeploy.Planning;

/// <summary>
/// `lbdeploy plan` without the I/O: spec -> fabric -> checks -> routes -> static verification -> rendered files.
/// Every problem a user can fix surfaces as a <see cref="SpecException"/> of located one-line diagnostics.
/// </summary>
public static class Planner
{
    /// <param name="specPath">The spec file.</param>
    /// <param name="displayPath">How messages name it (default: <paramref name="specPath"/> as given).</param>
    /// <param name="specText">The spec's text, when it differs from the file (relative paths still resolve next to <paramref name="specPath"/>).</param>
    /// <param name="clock">Records how long each phase took (`plan --verbose`).</param>
    /// <param name="strict">Policy warnings are errors (--strict).</param>
    public static DeploymentPlan Create(string specPath, string? displayPath = null, string? specText = null, PhaseClock? clock = null, bool strict = false)
    {
        clock ??= PhaseClock.None;
        var loaded = SpecLoader.Load(specPath, displayPath, specText, strict);
        var (spec, fabric, clients, engines) = loaded;
        clock.Mark("load spec + topology");

        ForwardingPlan forwarding;
        try
        {
            forwarding = Router.Build(fabric, [new VipPlacement(spec.Vip.Address, spec.Muxes)]);
        }
        catch (RoutingException e)
        {
            throw new SpecException([spec.Source.At("vip", e.Message)]);
        }
        clock.Mark("route");

        var bgp = spec.Target == SwitchTarget.Frr ? DesignBgp(spec, fabric) : null;
        if (bgp is not null) clock.Mark("design BGP");

        // The static checks and the rendering only read the forwarding plan: the checks run beside the switch
        // rendering (a k=16 fat tree: ~0.3 s of one core), and the summary, rendered last, waits for their results.
        var verification = Task.Run(() =>
        {
            var started = Stopwatch.GetTimestamp();
            var checks = Verify(spec, forwarding, clients).Checks;
            if (bgp is not null) checks = checks.Add(ProveBgp(spec, bgp, forwarding));
            return (Checks: checks, Duration: Stopwatch.GetElapsedTime(started));
        });
        SummaryVerification Checks()
        {
            var (checks, duration) = verification.GetAwaiter().GetResult();
            clock.Record("static checks (beside)", duration);
            return new SummaryVerification(checks.Length, [.. checks.Select(c => $"ok  {c.Name}: {c.Detail}")]);
        }
        RenderedPlan rendered;
        try
        {
            rendered = PlanRenderer.Render(spec, fabric, forwarding, clients, engines, Checks, clock, bgp);
        }
        catch
        {
            // A plan that fails its checks may fail to render too (a route without next hops): the checks say why.
            verification.GetAwaiter().GetResult();
            throw;
        }
        return Assemble(spec, fabric, forwarding, clients, engines, rendered) with { Warnings = loaded.Warnings, Bgp = bgp, Routers = bgp is null ? [] : Routers(bgp, engines), Inventory = loaded.Inventory };
    }

    /// <summary>
    /// The frr target's BGP design. A fabric it cannot serve, or an ASN base without room for it, is reported at the
    /// spec item concerned (bgp.asn_base) or at switches.target, the choice that needs the design.
    /// </summary>
    private static BgpDesign DesignBgp(LbSpec spec, Fabric fabric)
    {
        try
        {
            return BgpDesigner.Design(fabric, spec.Vip.Address, spec.Muxes, spec.Bgp);
        }
        catch (BgpDesignException e)
        {
            var item = e.Item is { } path && spec.Source.Has(path) ? path : "switches.target";
            throw new SpecException([spec.Source.At(item, e.Message)]);
        }
    }

    /// <summary>
    /// The frr target's proof that BGP, as designed, converges to the forwarding plan the other checks verified. A
    /// failure is the design's, not the spec's: one line at switches.target with the first differing switch and prefix.
    /// </summary>
    internal static VerificationCheck ProveBgp(LbSpec spec, BgpDesign bgp, ForwardingPlan forwarding)
    {
        var check = BgpProof.Prove(bgp, forwarding);
        if (check.Passed) return check;
        var first = check.Failures[0];
        throw new SpecException([spec.Source.At("switches.target",
            $"static check '{check.Name}' failed: {check.Detail.Split("; e.g. ", 2)[0]}; e.g. at {first.From}{(first.To.Length > 0 ? $" toward {first.To}" : "")}: {first.Path}; "
            + "this fabric is not a Clos the BGP design serves: use switches.target: linux for it")]);
    }

    /// <summary>
    /// The verifier's checks of the forwarding plan. A failure means the topology cannot carry the service (a DIP
    /// unreachable from a mux, a client that cannot reach the VIP...): reported at the spec item concerned, with
    /// the path that breaks.
    /// </summary>
    private static VerificationReport Verify(LbSpec spec, ForwardingPlan forwarding, ImmutableArray<string> clients)
    {
        var scope = new VerificationScope(clients, spec.Muxes, [.. spec.Dips.Select(d => d.Host)], [spec.Vip.Address]);
        var report = ForwardingVerifier.Verify(forwarding, scope, spec.Target == SwitchTarget.Bmv2 ? SpreadRequest(spec, forwarding) : null);
        if (report.Passed) return report;
        if (report.Failed.All(c => c.Name == PathSpread.Name)) throw SpreadFailure(spec, report.Failed.First());

        // What the service needs (muxes reach every DIP, clients reach the VIP, an even split) explains a broken
        // fabric best; whole-fabric checks (every host pair, loops, black holes) only speak when those pass.
        // One line per spec item: the first path that breaks for it.
        var failures = report.Failed.SelectMany(c => c.Failures.Select(f => (Check: c, Failure: f))).ToList();
        // The all-pairs check also sees mux -> DIP paths; the service-named check says it better, so it goes last.
        // A mux's own failures first: when its switch is cut off they say so better than the clients' that follow.
        var service = failures.Where(x => IsServiceFailure(spec, clients, x.Failure))
            .OrderBy(x => x.Check.Name.StartsWith("hosts reach hosts", StringComparison.Ordinal) ? 1 : 0)
            .ThenBy(x => spec.Muxes.Contains(x.Failure.From) ? 0 : 1)
            .ToList();
        var shown = service.Count > 0 ? service : failures;
        var blame = Blame.Of(spec, clients, service.Select(x => x.Failure));
        var diagnostics = new List<SpecDiagnostic>();
        var reported = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (check, failure) in shown)
        {
            var item = ItemOf(spec, failure, blame);
            if (!reported.Add(item)) continue;
            var fix = item.StartsWith("dips", StringComparison.Ordinal) ? "connect it in the topology or choose another DIP"
                : item.StartsWith("muxes", StringComparison.Ordinal) ? "connect its switch to the fabric in the topology, or choose another mux"
                : item == "topology" ? "fix the topology" : "connect it in the topology or choose another host";
            diagnostics.Add(item == "topology"
                ? spec.Source.AtKey(item, $"static check '{check.Name}' failed: {failure.Path}; {fix}")
                : spec.Source.At(item, $"static check '{check.Name}' failed: {failure.Path}; {fix}"));
        }
        foreach (var check in report.Failed.Where(c => c.Failures.IsEmpty && service.Count == 0))
        {
            diagnostics.Add(spec.Source.AtKey("topology", $"static check '{check.Name}' failed: {check.Detail}; fix the topology"));
        }
        throw new SpecException([.. diagnostics.OrderBy(d => d.Location)]);
    }

    /// <summary>
    /// bmv2 only: sampled flows through the plan with p4/ecmp.p4's hash and the plan's member layout must spread evenly
    /// over the equal-cost links (the Linux routers' spread is not sampled here yet), toward the VIP's first
    /// TCP port (else its first port).
    /// </summary>
    private static PathSpreadRequest SpreadRequest(LbSpec spec, ForwardingPlan forwarding)
    {
        var port = spec.Vip.Ports.FirstOrDefault(p => p.Protocol == TransportProtocol.Tcp) ?? spec.Vip.Ports.FirstOrDefault();
        var protocol = port?.Protocol == TransportProtocol.Udp ? FlowTuple.Udp : FlowTuple.Tcp;
        return new PathSpreadRequest(new Bmv2NextHopChooser(EcmpLayout.Of(forwarding)), (ushort)(port?.Port ?? 80), protocol);
    }

    /// <summary>A spread far from even is the fabric's shape: one line at switches.target naming the pair, the hot and the idle links and the figure.</summary>
    internal static SpecException SpreadFailure(LbSpec spec, VerificationCheck check) =>
        new([spec.Source.At("switches.target",
            $"static check '{check.Name}' failed: {check.Detail}; bmv2's ECMP hash cannot split this fabric's equal-cost paths evenly: make its tiers regular (the same number of next hops per tier) or use switches.target: linux")]);

    private static bool IsServiceFailure(LbSpec spec, ImmutableArray<string> clients, VerificationFailure failure) =>
        failure.Kind == FailureKind.UnevenSplit
        || (spec.Muxes.Contains(failure.From) && spec.Dips.Any(d => d.Host == failure.To))
        || (clients.Contains(failure.From) && failure.To == spec.Vip.Address.ToString());

    /// <summary>
    /// Which end of the failing service paths is at fault: a mux that reaches none of the DIPs (its switch is cut off)
    /// rather than every DIP it misses, and such a mux rather than every client when no client reaches the VIP.
    /// </summary>
    private sealed record Blame(IReadOnlySet<string> IsolatedMuxes, bool NoClientReachesVip)
    {
        public static Blame Of(LbSpec spec, ImmutableArray<string> clients, IEnumerable<VerificationFailure> failures)
        {
            var list = failures.ToList();
            var dips = spec.Dips.Select(d => d.Host).ToHashSet(StringComparer.Ordinal);
            var isolated = spec.Muxes
                .Where(m => dips.Count > 0 && dips.All(d => list.Any(f => f.From == m && f.To == d)))
                .ToHashSet(StringComparer.Ordinal);
            var vip = spec.Vip.Address.ToString();
            var noClient = clients.Length > 0 && clients.All(c => list.Any(f => f.From == c && f.To == vip));
            return new Blame(isolated, noClient);
        }
    }

    /// <summary>The spec item a failing path is about: the DIP, mux or listed client it involves, else the VIP, else the topology.</summary>
    private static string ItemOf(LbSpec spec, VerificationFailure failure, Blame blame)
    {
        if (blame.IsolatedMuxes.Contains(failure.From)) return $"muxes[{spec.Muxes.IndexOf(failure.From)}]";
        if (failure.To == spec.Vip.Address.ToString() && blame.NoClientReachesVip && blame.IsolatedMuxes.Count > 0)
        {
            return $"muxes[{spec.Muxes.IndexOf(blame.IsolatedMuxes.Order(StringComparer.Ordinal).First())}]";
        }
        foreach (var host in new[] { failure.To, failure.From })
        {
            var dip = spec.Dips.Select(d => d.Host).ToList().IndexOf(host);
            if (dip >= 0) return $"dips[{dip}]";
            var mux = spec.Muxes.IndexOf(host);
            if (mux >= 0) return $"muxes[{mux}]";
            if (spec.Clients is { } listed && listed.IndexOf(host) is var client and >= 0) return $"clients[{client}]";
        }
        return failure.To == spec.Vip.Address.ToString() ? "vip.address" : "topology";
    }

    private static DeploymentPlan Assemble(LbSpec spec, Fabric fabric, ForwardingPlan forwarding, ImmutableArray<string> clients, EngineConfigs engines, RenderedPlan rendered)
    {
        var vip = spec.Vip.Address;
        // Where the servers listen and what verify fetches are decided here, once: the runner and verify only read them.
        var firstTcp = spec.Vip.Ports.FirstOrDefault(p => p.Protocol == TransportProtocol.Tcp);
        var serverPort = firstTcp ?? spec.Vip.Ports.FirstOrDefault() ?? new PortSpec(80, TransportProtocol.Tcp);
        var service = new PlannedService(vip, [.. spec.Vip.Ports.Select(p => new ServicePort(p.Protocol, p.Port))], spec.Vip.Icmp, spec.Verify.Path, spec.Servers.DocRoot,
            new ServicePort(serverPort.Protocol, serverPort.Port), firstTcp?.Port);

        var frr = spec.Target == SwitchTarget.Frr;
        var switches = forwarding.Switches.Select(s => new PlannedSwitch(s.Switch.Name, s.Switch.ThriftPort,
            PlanFiles.LinuxSwitchScript(s.Switch.Name), PlanFiles.Bmv2Commands(s.Switch.Name))
        {
            LinuxTeardownFile = PlanFiles.LinuxSwitchTeardown(s.Switch.Name),
            FrrConfigFile = frr ? PlanFiles.FrrSwitchConfig(s.Switch.Name) : "",
            FrrKernelScriptFile = frr ? PlanFiles.FrrSwitchKernel(s.Switch.Name) : "",
        });
        var muxes = spec.Muxes.Select((m, i) => new PlannedMux(m, fabric.FindHost(m)!.Address.Address, PlanFiles.MuxConfig(m), engines.Muxes[i])
        {
            FrrConfigFile = frr ? PlanFiles.FrrMuxConfig(m) : "",
        });
        var dips = spec.Dips.Select((d, i) => new PlannedDip(
            d.Host,
            fabric.FindHost(d.Host)!.Address.Address,
            d.Weight,
            PlanFiles.VipUp(d.Host),
            PlanFiles.VipDown(d.Host),
            PlanFiles.AgentConfig(d.Host),
            engines.Agents[i],
            ServerCommand(spec, d.Host, serverPort.Port)));

        return new DeploymentPlan(spec.SpecPath, fabric, forwarding, spec.Target, service,
            [.. switches], [.. muxes], [.. dips], clients, rendered.Files)
        {
            Summary = rendered.Summary,
            FabricHashSeed = spec.FabricHashSeed,
        };
    }

    /// <summary>
    /// The FRR instances of the frr target: every switch and mux host of the design, bfdd only where a session has BFD
    /// (the mux sessions), each mux host announcing the VIP while its gate finds the host's mux engine healthy.
    /// </summary>
    private static ImmutableArray<PlannedRouter> Routers(BgpDesign bgp, EngineConfigs engines) =>
    [
        .. bgp.Speakers.Select(speaker => new PlannedRouter(
            speaker.Name,
            speaker.Role == BgpRole.Mux ? PlanFiles.FrrMuxConfig(speaker.Name) : PlanFiles.FrrSwitchConfig(speaker.Name),
            PlanFiles.FrrRuntime(speaker.Name),
            speaker.Neighbors.Any(n => n.Bfd) ? ["zebra", "bgpd", "bfdd"] : ["zebra", "bgpd"],
            speaker.Role == BgpRole.Mux ? new Ipv4Prefix(bgp.Vip, 32) : null)
        {
            GateSocket = speaker.Role == BgpRole.Mux ? engines.Muxes.Single(m => m.Host == speaker.Name).ControlSocket : null,
        }),
    ];

    /// <summary>
    /// The spec's server command with {vip} {docroot} {host} {port} filled in, each value shell-quoted (bare when it
    /// needs no quoting): the command is the user's, the values are not, so no value can add a word or a command.
    /// </summary>
    public static string ServerCommand(LbSpec spec, string host, int port) =>
        spec.Servers.Command
            .Replace("{vip}", ShellQuoting.Quote(spec.Vip.Address.ToString()), StringComparison.Ordinal)
            .Replace("{docroot}", ShellQuoting.Quote(spec.Servers.DocRoot), StringComparison.Ordinal)
            .Replace("{host}", ShellQuoting.Quote(host), StringComparison.Ordinal)
            .Replace("{port}", ShellQuoting.Quote(port.ToString(System.Globalization.CultureInfo.InvariantCulture)), StringComparison.Ordinal);
}
