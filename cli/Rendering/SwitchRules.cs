using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Lbdeploy.Routing;

namespace Lbdeploy.Rendering;

/// <summary>
/// Turns one switch's target-neutral routes into the Linux (SwitchRules.Linux.cs) and bmv2 (SwitchRules.Bmv2.cs)
/// models. Routes share their next-hop instances (the router builds one per port) and, toward one switch, their
/// next-hop array, so what derives from them is formatted once per switch, keyed by reference: a k=16 fat-tree switch
/// has ~1000 routes over a few dozen next hops and ~130 next-hop arrays.
/// </summary>
public static partial class SwitchRules
{
    public static string KindName(RouteKind kind) => kind switch
    {
        RouteKind.DirectHost => "attached hosts",
        RouteKind.RemoteHost => "remote hosts",
        RouteKind.Vip => "VIP",
        _ => kind.ToString(),
    };

    /// <summary>
    /// The array behind a route's next hops. The router gives every route toward one switch the same array (a fat
    /// tree: the ~8 subnets of a ToR), so a cache keyed by it does the per-list work once per list, not per route.
    /// </summary>
    private static NextHop[] ListOf(Route route) => ImmutableCollectionsMarshal.AsArray(route.NextHops)!;

    /// <summary>(instance by reference, flag): NextHop is a record whose value equality compares whole interfaces.</summary>
    private sealed class ReferenceFlagComparer<T> : IEqualityComparer<(T Item, bool Flag)>
        where T : class
    {
        public static readonly ReferenceFlagComparer<T> Instance = new();

        public bool Equals((T Item, bool Flag) x, (T Item, bool Flag) y) => ReferenceEquals(x.Item, y.Item) && x.Flag == y.Flag;

        public int GetHashCode((T Item, bool Flag) obj) => RuntimeHelpers.GetHashCode(obj.Item) * 2 + (obj.Flag ? 1 : 0);
    }
}
