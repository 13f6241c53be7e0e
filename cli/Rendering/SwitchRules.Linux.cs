using System.Globalization;
using System.Runtime.CompilerServices;
using Lbdeploy.Common;
using Lbdeploy.Routing;

namespace Lbdeploy.Rendering;

/// <summary>The linux target: `ip route` scripts (templates/switches/linux.sh.sbn and linux.down.sh.sbn).</summary>
public static partial class SwitchRules
{
    public static LinuxSwitchModel Linux(SwitchForwarding forwarding, IReadOnlyList<string> interfaces, PrefixNames prefixes, uint fabricSeed)
    {
        // (next hop, attached host?) -> the next hop as `ip route` spells it; an attached host is reached by `dev` alone.
        var formatted = new Dictionary<(NextHop, bool), LinuxNextHop>(ReferenceFlagComparer<NextHop>.Instance);
        LinuxNextHop Format(Route route, NextHop hop)
        {
            var direct = route.Kind == RouteKind.DirectHost;
            if (!formatted.TryGetValue((hop, direct), out var text))
            {
                text = new LinuxNextHop(direct ? null : ViaAddress(forwarding, route, hop), hop.Egress.Name);
                formatted[(hop, direct)] = text;
            }
            return text;
        }

        // Each distinct ECMP list becomes one shell variable (ecmp1, ecmp2... by first use); routes expand it. Its
        // words are plain (the template quotes the whole list): quotes inside a variable would reach `ip` literally.
        var ecmpNames = new Dictionary<LinuxNextHop[], string>(ReferenceListComparer.Instance);
        var ecmpTargets = new Dictionary<(NextHop[], bool), string>(ReferenceFlagComparer<NextHop[]>.Instance);
        var ecmpSets = new List<LinuxEcmpSetModel>();
        var groups = new List<LinuxRouteGroupModel>();
        var allPrefixes = new string[forwarding.Routes.Length];
        List<string>? group = null;
        for (var i = 0; i < forwarding.Routes.Length; i++)
        {
            var route = forwarding.Routes[i];
            string target;
            if (route.NextHops.Length > 1)
            {
                var listKey = (ListOf(route), route.Kind == RouteKind.DirectHost);
                if (ecmpTargets.TryGetValue(listKey, out var known))
                {
                    target = known;
                }
                else
                {
                    var hops = new LinuxNextHop[route.NextHops.Length];
                    for (var h = 0; h < hops.Length; h++) hops[h] = Format(route, route.NextHops[h]);
                    if (!ecmpNames.TryGetValue(hops, out var name))
                    {
                        name = string.Create(CultureInfo.InvariantCulture, $"ecmp{ecmpSets.Count + 1}");
                        ecmpNames[hops] = name;
                        ecmpSets.Add(new LinuxEcmpSetModel(name, string.Join(' ', hops.Select(hop => $"nexthop via {hop.Via} dev {hop.Dev}"))));
                    }
                    target = "$" + name;
                    ecmpTargets[listKey] = target;
                }
            }
            else
            {
                target = Format(route, route.NextHops[0]).Target;
            }
            if (group is null || route.Kind != forwarding.Routes[i - 1].Kind)
            {
                group = [];
                groups.Add(new LinuxRouteGroupModel(KindName(route.Kind), group));
            }
            var prefix = prefixes.Of(route.Destination);
            allPrefixes[i] = prefix;
            group.Add(prefix + " " + target);
        }
        return new LinuxSwitchModel(forwarding.Switch.Name, interfaces, MultipathHashModel.Of(fabricSeed, forwarding.Switch.Name), ecmpSets, groups, allPrefixes);
    }

    /// <summary>One next hop; <see cref="Via"/> is null for an attached host. <see cref="Target"/>: the route's target when it is the only hop.</summary>
    private sealed class LinuxNextHop(string? via, string dev)
    {
        public string? Via { get; } = via;

        public string Dev { get; } = dev;

        /// <summary>A whole route target: the interface name quoted like every value of a generated script.</summary>
        public string Target { get; } = via is null ? $"dev {ShellQuoting.Quote(dev)}" : $"via {via} dev {ShellQuoting.Quote(dev)}";
    }

    /// <summary>Lists of the (cached, so shared) next hops, equal when they hold the same instances in the same order.</summary>
    private sealed class ReferenceListComparer : IEqualityComparer<LinuxNextHop[]>
    {
        public static readonly ReferenceListComparer Instance = new();

        public bool Equals(LinuxNextHop[]? x, LinuxNextHop[]? y)
        {
            if (x is null || y is null || x.Length != y.Length) return false;
            for (var i = 0; i < x.Length; i++)
                if (!ReferenceEquals(x[i], y[i])) return false;
            return true;
        }

        public int GetHashCode(LinuxNextHop[] hops)
        {
            var hash = new HashCode();
            foreach (var hop in hops) hash.Add(RuntimeHelpers.GetHashCode(hop));
            return hash.ToHashCode();
        }
    }

    private static string ViaAddress(SwitchForwarding forwarding, Route route, NextHop hop) =>
        hop.Ingress.Address?.Address.ToString()
        ?? throw new InvalidOperationException(
            $"switch {forwarding.Switch.Name}: route {route.Destination} goes to {hop.Neighbor} over a link without addresses; " +
            "the linux target needs addressed links (p4-utils assignment_strategy l3)");
}
