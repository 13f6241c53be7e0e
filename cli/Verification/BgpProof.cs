using System.Collections.Immutable;
using System.Globalization;
using System.Runtime.InteropServices;
using Lb.Core.Addressing;
using Lbdeploy.Bgp;
using Lbdeploy.Routing;
using Lbdeploy.Topology;

namespace Lbdeploy.Verification;

/// <summary>
/// The frr target's plan-time proof: the BGP design, left to converge (<see cref="PathVector"/>), installs exactly the
/// forwarding plan the other checks verified (every host reaches every host, the VIP reaches the muxes on every
/// branch, no loop, no black hole). For every switch and every host subnet and the VIP it checks that BGP and the plan
/// agree on the next hops (neighbor, address and interface: what the kernel FIB will hold), that no ECMP set depends
/// on a tie-break (multipath across neighbor ASNs without relax, more paths than `maximum-paths`, a neighbor whose
/// advertised AS path is a tie-break's pick), and first that the design is sound: every switch link and mux has its
/// eBGP session, configured alike at both ends.
/// </summary>
public static class BgpProof
{
    public const string CheckName = "BGP converges to the forwarding plan";

    public static VerificationCheck Prove(BgpDesign design, ForwardingPlan plan)
    {
        ArgumentNullException.ThrowIfNull(design);
        ArgumentNullException.ThrowIfNull(plan);
        var failures = new List<VerificationFailure>();
        var failed = 0;
        void Fail(string at, string destination, string path)
        {
            failed++;
            if (failures.Count < ForwardingVerifier.MaxFailuresPerCheck) failures.Add(new VerificationFailure(at, destination, FailureKind.BgpDiffers, path));
        }

        CheckSessions(design, plan.Fabric, Fail);
        var tables = plan.Switches.ToDictionary(s => s.Switch.Name, s => s.Routes.ToDictionary(r => r.Destination), StringComparer.Ordinal);
        var compared = 0;
        var prefixes = 0;
        foreach (var outcome in PathVector.ConvergeAll(design))
        {
            prefixes += outcome.Group.Prefixes.Length;
            for (var i = 0; i < design.Speakers.Length; i++)
            {
                var speaker = design.Speakers[i];
                if (speaker.Role == BgpRole.Mux || !tables.TryGetValue(speaker.Name, out var routes)) continue;
                var route = outcome.Routes[i];
                // Every prefix of the group has the same BGP route here, and the router gives every route toward one
                // switch the same next-hop array: compare each array once.
                var choice = route is { IsLocal: false } ? Multipath.Of(design, speaker, route) : null;
                var verdicts = new Dictionary<NextHop[], string?>(ReferenceEqualityComparer.Instance);
                foreach (var prefix in outcome.Group.Prefixes)
                {
                    compared++;
                    var planned = routes.GetValueOrDefault(prefix);
                    string? problem;
                    if (route is null || route.IsLocal || planned is null)
                    {
                        problem = Compare(design, plan.Fabric, speaker, route, choice, prefix, planned, routes);
                    }
                    else
                    {
                        var key = ImmutableCollectionsMarshal.AsArray(planned.NextHops)!;
                        if (!verdicts.TryGetValue(key, out problem))
                        {
                            problem = Compare(design, plan.Fabric, speaker, route, choice, prefix, planned, routes);
                            verdicts[key] = problem;
                        }
                    }
                    if (problem is not null) Fail(speaker.Name, prefix.ToString(), problem);
                }
            }
        }
        var missing = plan.Switches.Select(s => s.Switch.Name).Where(name => !design.Switches.Any(s => s.Name == name)).ToList();
        foreach (var name in missing) Fail(name, "", $"switch {name} of the forwarding plan has no BGP speaker in the design");

        return failed == 0
            ? new VerificationCheck(CheckName, true, Invariant($"{prefixes} prefixes at {plan.Switches.Length} switches over {design.SessionCount} eBGP sessions: every best path and ECMP set equals the plan's, whatever the tie-breaks"), [])
            : new VerificationCheck(CheckName, false, Invariant($"{failed} of {compared} switch-prefix pairs differ; e.g. {failures[0].Path}"), [.. failures]);
    }

    /// <summary>eBGP on every switch-to-switch link and every mux's link, configured at both ends with the same addresses, between different ASNs.</summary>
    private static void CheckSessions(BgpDesign design, Fabric fabric, Action<string, string, string> fail)
    {
        var byName = design.Speakers.ToDictionary(s => s.Name, StringComparer.Ordinal);
        foreach (var link in fabric.Links)
        {
            if (!byName.TryGetValue(link.A.Node, out var a) || !byName.TryGetValue(link.B.Node, out var b))
            {
                if (fabric.IsSwitch(link.A.Node) && fabric.IsSwitch(link.B.Node)) fail(link.A.Node, link.B.Node, $"link {link.A.Node}-{link.B.Node} has no BGP speaker at both ends");
                continue;
            }
            var ab = a.NeighborOf(b.Name);
            var ba = b.NeighborOf(a.Name);
            var where = $"session {a.Name}-{b.Name}";
            if (ab is null || ba is null)
                fail(a.Name, b.Name, $"{where}: {(ab is null ? a.Name : b.Name)} does not configure it, so it never comes up");
            else if (ab.PeerAddress != link.End(b.Name).Address?.Address || ba.PeerAddress != link.End(a.Name).Address?.Address || ab.LocalAddress != ba.PeerAddress || ba.LocalAddress != ab.PeerAddress)
                fail(a.Name, b.Name, $"{where}: the ends disagree on the link addresses ({a.Name} peers with {ab.PeerAddress} from {ab.LocalAddress}, {b.Name} with {ba.PeerAddress} from {ba.LocalAddress})");
            else if (a.Asn == b.Asn)
                fail(a.Name, b.Name, Invariant($"{where}: both ends are in AS {a.Asn}, which makes it iBGP; the design peers every link over eBGP"));
        }
    }

    /// <summary>Null when BGP installs at <paramref name="speaker"/> what the plan forwards for <paramref name="prefix"/>, else what differs.</summary>
    private static string? Compare(BgpDesign design, Fabric fabric, BgpSpeaker speaker, SpeakerRoute? route, MultipathChoice? choice, Ipv4Prefix prefix,
        Route? planned, Dictionary<Ipv4Prefix, Route> routes)
    {
        if (route is { IsLocal: true })
        {
            // A leaf's own subnet is connected: the kernel delivers it on the host's port, which the plan's /32s to
            // the attached hosts of that subnet say too.
            if (planned is not null) return $"{speaker.Name} originates {prefix}, but the plan routes it to {Hops(planned)}";
            var attached = fabric.Hosts.Where(h => h.Address.Subnet == prefix && fabric.AttachmentOf(h).Name == speaker.Name).ToList();
            if (attached.Count == 0) return $"{speaker.Name} originates {prefix}, which holds none of its hosts";
            var unrouted = attached.Where(h => routes.GetValueOrDefault(Ipv4Prefix.Host(h.Address.Address)) is not { Kind: RouteKind.DirectHost } direct || direct.NextHops.All(n => n.Neighbor != h.Name)).ToList();
            return unrouted.Count == 0 ? null : $"{speaker.Name} originates {prefix}, but the plan does not deliver {string.Join(", ", unrouted.Select(h => h.Name))} on its port";
        }
        var bgpPaths = route is null ? "" : $" (AS path {string.Join(" or ", route.Paths)})";
        if (route is null)
        {
            return planned is null ? null : $"BGP installs no route: {WhyNoRoute(design, speaker, prefix)}; the plan forwards to {Hops(planned)}";
        }
        if (choice!.Problem is { } problem) return $"the ECMP set depends on tie-breaks: {problem}";
        var installed = choice.Installed.Select(i => design.Speakers[i].Name).ToList();
        if (planned is null) return $"BGP installs {string.Join(", ", installed)}{bgpPaths}; the plan has no route (a black hole)";
        var plannedHops = planned.NextHops.Select(h => h.Neighbor).ToList();
        if (!installed.Order(StringComparer.Ordinal).SequenceEqual(plannedHops.Order(StringComparer.Ordinal), StringComparer.Ordinal))
        {
            return $"BGP installs {string.Join(", ", installed)}{bgpPaths}; the plan forwards to {Hops(planned)}";
        }
        foreach (var hop in planned.NextHops)
        {
            var session = speaker.NeighborOf(hop.Neighbor)!;
            if (hop.Ingress.Address?.Address != session.PeerAddress || hop.Egress.Name != session.Interface)
                return $"BGP's next hop {session.PeerAddress} on {session.Interface} toward {hop.Neighbor} is not the plan's {hop.Ingress.Address?.Address.ToString() ?? "(no address)"} on {hop.Egress.Name}";
        }
        return null;
    }

    /// <summary>Why a speaker that ends with no route gets none from the neighbors that have one: a filter, or AS paths holding its own ASN.</summary>
    private static string WhyNoRoute(BgpDesign design, BgpSpeaker speaker, Ipv4Prefix prefix)
    {
        var group = PathVector.Groups(design).First(g => g.Prefixes.Contains(prefix));
        var outcome = PathVector.Converge(design, group);
        var reasons = new List<string>();
        foreach (var session in speaker.Neighbors)
        {
            var peerIndex = design.Speakers.IndexOf(design.Speakers.FirstOrDefault(s => s.Name == session.Peer)!);
            if (peerIndex < 0 || outcome.Routes[peerIndex] is not { } offered) continue;
            var peer = design.Speakers[peerIndex];
            var seen = offered.Paths.Select(p => p.Prepend(peer.Asn)).ToList();
            if (peer.NeighborOf(speaker.Name) is { } back && !design.Filter(back.ExportFilter).Permits(prefix))
                reasons.Add($"{peer.Name} filters it out ({back.ExportFilter})");
            else if (!design.Filter(session.ImportFilter).Permits(prefix))
                reasons.Add($"{speaker.Name} filters {peer.Name}'s offer out ({session.ImportFilter})");
            else if (seen.All(p => p.Contains(speaker.Asn)))
                reasons.Add(Invariant($"{peer.Name} offers AS path {string.Join(" or ", seen)}, which holds {speaker.Name}'s own AS {speaker.Asn}"));
        }
        return reasons.Count == 0 ? "no neighbor has a route to offer" : string.Join("; ", reasons);
    }

    private static string Hops(Route route) => string.Join(", ", route.NextHops.Select(h => h.Neighbor));

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
